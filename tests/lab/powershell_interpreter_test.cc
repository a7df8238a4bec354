#include "lab/powershell/powershell_interpreter.h"

#include <catch2/catch.hpp>

#include "lab/server/powershell_host.h"
#include "protocol/powershell_command.h"
#include "tests/lab/fake_exchange_admin_support.h"

namespace sd::lab {
namespace {

using test::FakeExchangeAdmin;

std::string header(const FakeExchangeAdmin& admin) {
  return std::string("$ErrorActionPreference = 'Stop'\nAdd-PSSnapin ") +
         (admin.version() == LabExchangeVersion::Exchange2010
              ? "Microsoft.Exchange.Management.PowerShell.E2010"
              : "Microsoft.Exchange.Management.PowerShell.SnapIn") +
         "\n";
}

struct Outcome {
  std::vector<std::string> output;
  std::vector<std::string> error;  // the error record's lines; empty when the script succeeded
};

Outcome run(FakeExchangeAdmin& admin, const std::string& body) {
  std::string script = header(admin) + body;
  PsRunResult result = run_powershell(admin, script);
  Outcome out{result.output_lines, {}};
  if (result.error) out.error = error_record_lines(*result.error, script);
  return out;
}

// The first line of the error record ("Cmdlet : message").
std::string error_record_head(FakeExchangeAdmin& admin, const std::string& body) {
  Outcome outcome = run(admin, body);
  INFO(body);
  REQUIRE_FALSE(outcome.error.empty());
  return outcome.error[0];
}

TEST_CASE("Get-Mailbox -Filter query prints one line of JSON", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  Outcome outcome = run(
      admin,
      "ConvertTo-Json -Compress -InputObject @(Get-Mailbox -Filter \"UserPrincipalName -eq "
      "'nexj-sync@example.local'\" -ResultSize Unlimited | Select-Object "
      "@{n='Name';e={[string]$_.Name}}, @{n='UserPrincipalName';e={[string]$_.UserPrincipalName}}, "
      "@{n='Database';e={[string]$_.Database}})\n");
  INFO((outcome.error.empty() ? std::string() : outcome.error[0]));
  REQUIRE(outcome.error.empty());
  CHECK(outcome.output ==
        std::vector<std::string>{"[{\"Name\":\"NexJ Sync\",\"UserPrincipalName\":"
                                 "\"nexj-sync@example.local\",\"Database\":\"DB01\"}]"});
  CHECK(admin.filters ==
        std::vector<std::string>{"UserPrincipalName -eq 'nexj-sync@example.local'"});
}

TEST_CASE("the OPATH filter inside a single-quoted string arrives with its quotes undoubled",
          "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  Outcome outcome = run(admin,
                        "ConvertTo-Json -Compress -InputObject @(Get-Mailbox -Filter "
                        "'UserPrincipalName -eq ''o''''brien@example.local''' | Select-Object "
                        "@{n='Name';e={[string]$_.Name}})\n");
  REQUIRE(outcome.error.empty());
  CHECK(outcome.output == std::vector<std::string>{"[]"});
  CHECK(admin.filters ==
        std::vector<std::string>{"UserPrincipalName -eq 'o''brien@example.local'"});
}

TEST_CASE("throttling policies print the version's limits, unlimited per version",
          "[ps-interpreter]") {
  std::string query =
      "ConvertTo-Json -Compress -InputObject @(Get-ThrottlingPolicy | Where-Object { $_.Name "
      "-eq 'defaultthrottlingpolicy' } | Select-Object @{n='Name';e={[string]$_.Name}}, "
      "@{n='EwsMaxBurst';e={[string]$_.EwsMaxBurst}}, "
      "@{n='EwsMaxConcurrency';e={[string]$_.EwsMaxConcurrency}}, "
      "@{n='EwsRechargeRate';e={[string]$_.EwsRechargeRate}})\n";
  FakeExchangeAdmin modern;
  CHECK(run(modern, query).output ==
        std::vector<std::string>{"[{\"Name\":\"DefaultThrottlingPolicy\",\"EwsMaxBurst\":"
                                 "\"Unlimited\",\"EwsMaxConcurrency\":\"27\",\"EwsRechargeRate\":"
                                 "\"\"}]"});
  FakeExchangeAdmin legacy(LabExchangeVersion::Exchange2010);
  legacy.policies[0].ews_limits = {{"EWSMaxConcurrency", "Unlimited"},
                                   {"EWSFindCountLimit", "1000"}};
  CHECK(
      run(legacy,
          "ConvertTo-Json -Compress -InputObject @(Get-ThrottlingPolicy | Select-Object "
          "@{n='Scope';e={[string]$_.ThrottlingPolicyScope}}, "
          "@{n='C';e={[string]$_.EWSMaxConcurrency}}, @{n='F';e={[string]$_.EWSFindCountLimit}})\n")
          .output ==
      std::vector<std::string>{"[{\"Scope\":\"Global\",\"C\":\"\",\"F\":\"1000\"}]"});
}

TEST_CASE("throttling parameters are the version's own set", "[ps-interpreter]") {
  FakeExchangeAdmin modern;
  Outcome ok =
      run(modern,
          "New-ThrottlingPolicy -Name 'NexJ' -ThrottlingPolicyScope Regular "
          "-EwsMaxConcurrency 'Unlimited' -EwsMaxBurst 300000 -EwsRechargeRate "
          "'Unlimited'\nSet-ThrottlingPolicy -Identity 'NexJ' -ewsmaxsubscriptions 5000\n");
  REQUIRE(ok.error.empty());
  CHECK(modern.log ==
        std::vector<std::string>{"new_throttling_policy NexJ|Regular|EwsMaxBurst=300000|"
                                 "EwsMaxConcurrency=Unlimited|EwsRechargeRate=Unlimited",
                                 "set_throttling_policy NexJ|EwsMaxSubscriptions=5000"});
  CHECK(error_record_head(modern,
                          "Set-ThrottlingPolicy -Identity 'NexJ' -EWSPercentTimeInCAS 100\n") ==
        "Set-ThrottlingPolicy : A parameter cannot be found that matches parameter name "
        "'EWSPercentTimeInCAS'.");

  FakeExchangeAdmin legacy(LabExchangeVersion::Exchange2010);
  REQUIRE(run(legacy,
              "New-ThrottlingPolicy -Name 'NexJ' -EWSMaxConcurrency $null "
              "-EWSPercentTimeInCAS 100\n")
              .error.empty());
  CHECK(legacy.log ==
        std::vector<std::string>{"new_throttling_policy NexJ|Regular|"
                                 "EWSMaxConcurrency=Unlimited|EWSPercentTimeInCAS=100"});
  CHECK(error_record_head(legacy,
                          "New-ThrottlingPolicy -Name 'X' -ThrottlingPolicyScope Regular\n") ==
        "New-ThrottlingPolicy : A parameter cannot be found that matches parameter name "
        "'ThrottlingPolicyScope'.");
  CHECK(error_record_head(legacy, "New-ThrottlingPolicy -Name 'X' -EwsMaxBurst 5\n") ==
        "New-ThrottlingPolicy : A parameter cannot be found that matches parameter name "
        "'EwsMaxBurst'.");
  CHECK(error_record_head(legacy,
                          "Set-ThrottlingPolicy -Identity 'X' -EWSMaxConcurrency 'Unlimited'\n") ==
        "Set-ThrottlingPolicy : Cannot process argument transformation on parameter "
        "'EWSMaxConcurrency'. Cannot convert value \"Unlimited\" to type \"System.UInt32\". "
        "Error: \"Input string was not in a correct format.\"");
}

TEST_CASE("ForEach-Object binds $_ to each object", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  Outcome outcome = run(admin,
                        "Get-ExchangeServer | Where-Object { $_.IsClientAccessServer -eq $true } | "
                        "ForEach-Object { Add-ADPermission -Identity $_.DistinguishedName -User "
                        "'EXAMPLE\\nexj-sync' -ExtendedRights 'ms-Exch-EPI-Impersonation' }\n"
                        "Get-MailboxDatabase | ForEach-Object { Add-ADPermission -Identity "
                        "$_.DistinguishedName -User 'nexj-sync@example.local' -ExtendedRights "
                        "'ms-Exch-EPI-May-Impersonate' }\n");
  REQUIRE(outcome.error.empty());
  CHECK(admin.log == std::vector<std::string>{
                         "add_ad_permission CN=EX01,CN=Servers,DC=example,DC=local|nexj-sync|"
                         "ms-Exch-EPI-Impersonation",
                         "add_ad_permission CN=DB01,CN=Databases,DC=example,DC=local|nexj-sync|"
                         "ms-Exch-EPI-May-Impersonate"});
  CHECK(
      run(admin,
          "ConvertTo-Json -Compress -InputObject @(Get-MailboxDatabase | ForEach-Object { "
          "Get-ADPermission -Identity $_.DistinguishedName -User 'nexj-sync' } | Select-Object "
          "@{n='ExtendedRights';e={[string]$_.ExtendedRights}}, @{n='Deny';e={[string]$_.Deny}})\n")
          .output == std::vector<std::string>{"[{\"ExtendedRights\":\"ms-Exch-EPI-May-"
                                              "Impersonate\",\"Deny\":\"False\"}]"});
}

TEST_CASE("New-Mailbox takes its password from ConvertTo-SecureString", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  REQUIRE(run(admin,
              "New-Mailbox -Name 'Svc' -Alias 'svc' -UserPrincipalName 'svc@example.local' "
              "-Password (ConvertTo-SecureString -String 'p''w$(x)' -AsPlainText -Force)\n")
              .error.empty());
  CHECK(admin.log == std::vector<std::string>{"new_mailbox Svc|svc|svc@example.local|p'w$(x)"});
  CHECK(error_record_head(admin,
                          "New-Mailbox -Name 'Svc2' -UserPrincipalName 'a@b' -Password 'pw'\n") ==
        "New-Mailbox : Cannot process argument transformation on parameter 'Password'. Cannot "
        "convert the value of type \"System.String\" to type \"System.Security.SecureString\".");
  CHECK(error_record_head(admin, "New-Mailbox -Name 'Svc'\n") ==
        "New-Mailbox : Cannot process command because of one or more missing mandatory "
        "parameters: UserPrincipalName Password.");
  CHECK(error_record_head(admin,
                          "New-Mailbox -Name 'Svc' -UserPrincipalName 'svc@example.local' "
                          "-Password (ConvertTo-SecureString -String 'x' -AsPlainText -Force)\n") ==
        "New-Mailbox : The object 'Svc' already exists.");
}

TEST_CASE("Read-Host is refused: the shell is non-interactive, nothing after it runs",
          "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  Outcome outcome =
      run(admin,
          "New-Mailbox -Name 'Svc' -UserPrincipalName 'svc@example.local' -Password "
          "(Read-Host -AsSecureString -Prompt 'Password for svc')\n"
          "New-ManagementScope -Name 'S' -RecipientRestrictionFilter 'City -eq ''X'''\n");
  CHECK(outcome.error == std::vector<std::string>{
                             "Read-Host : PowerShell is in NonInteractive mode. Read and Prompt "
                             "functionality is not available.",
                             "At line:3 char:75",
                             "+ New-Mailbox -Name 'Svc' -UserPrincipalName 'svc@example.local' "
                             "-Password (Read-Host -AsSecureString -Prompt 'Password for svc')",
                             "+ " + std::string(74, ' ') + std::string(52, '~'),
                             "    + CategoryInfo          : InvalidOperation: (:) [Read-Host], "
                             "PSInvalidOperationException",
                             "    + FullyQualifiedErrorId : InvalidOperation,Microsoft.PowerShell."
                             "Commands.ReadHostCommand"});
  CHECK(admin.log.empty());
}

TEST_CASE("commands outside the subset are not recognized, nothing after them runs",
          "[ps-interpreter]") {
  for (std::string command : {"Invoke-Expression 'x'", "iex 'x'", "Remove-Mailbox -Identity 'y'"}) {
    FakeExchangeAdmin admin;
    Outcome outcome = run(admin, command +
                                     "\nNew-ManagementScope -Name 'S' "
                                     "-RecipientRestrictionFilter 'City -eq ''X'''\n");
    std::string name = command.substr(0, command.find(' '));
    REQUIRE(outcome.error.size() == 6);
    CHECK(outcome.error[0] == name + " : The term '" + name +
                                  "' is not recognized as the name of a cmdlet, function, script "
                                  "file, or operable program. Check the spelling of the name, or "
                                  "if a path was included, verify that the path is correct and "
                                  "try again.");
    CHECK(outcome.error[1] == "At line:3 char:1");
    CHECK(outcome.error[3] == "+ " + std::string(name.size(), '~'));
    CHECK(outcome.error[4] == "    + CategoryInfo          : ObjectNotFound: (" + name +
                                  ":String) [], CommandNotFoundException");
    CHECK(outcome.error[5] == "    + FullyQualifiedErrorId : CommandNotFoundException");
    CHECK(admin.log.empty());
  }
}

TEST_CASE("Exchange cmdlets exist only once the version's snap-in is added", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  // No $ErrorActionPreference: the error is written and the script ends with $? false.
  PsRunResult before = run_powershell(admin, "Get-Mailbox\n");
  REQUIRE(before.records.size() == 1);
  REQUIRE(before.records[0].error);
  CHECK(before.records[0].error->error_id == "CommandNotFoundException");
  CHECK(before.last_statement_failed);
  PsRunResult wrong =
      run_powershell(admin, "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n");
  REQUIRE(wrong.records.size() == 1);
  REQUIRE(wrong.records[0].error);
  CHECK(error_record_lines(*wrong.records[0].error,
                           "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010")[0] ==
        "Add-PSSnapin : The Windows PowerShell snap-in "
        "'Microsoft.Exchange.Management.PowerShell.E2010' is not installed on this computer.");
}

TEST_CASE("hostile strings stay strings, unescaped they never succeed silently",
          "[ps-interpreter]") {
  FakeExchangeAdmin quoted;
  REQUIRE(run(quoted,
              "New-ManagementScope -Name 'x''; Remove-Mailbox -Identity ''y' "
              "-RecipientRestrictionFilter 'Name -eq ''$(iex)`'''\n")
              .error.empty());
  CHECK(quoted.log ==
        std::vector<std::string>{"new_management_scope x'; Remove-Mailbox -Identity 'y|Name -eq "
                                 "'$(iex)`'|"});
  FakeExchangeAdmin unescaped;
  CHECK(error_record_head(unescaped,
                          "New-ManagementScope -Name 'x'; Remove-Mailbox -Identity 'y' "
                          "-RecipientRestrictionFilter 'a'\n") ==
        "New-ManagementScope : Cannot process command because of one or more missing mandatory "
        "parameters: RecipientRestrictionFilter.");
  CHECK(unescaped.log.empty());
  FakeExchangeAdmin typographic;  // U+2019 ends the string as ' does: the rest no longer parses
  Outcome broken = run(
      typographic, "New-ManagementScope -Name 'O\u2019Brien' -RecipientRestrictionFilter 'a'\n");
  REQUIRE(broken.error.size() == 6);
  CHECK(broken.error[0] == "At line:3 char:67");
  CHECK(broken.error[3] == "The string is missing the terminator: '.");
  CHECK(typographic.log.empty());
}

TEST_CASE("parameters: unknown, duplicated, positional, missing argument", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  CHECK(error_record_head(admin, "Get-Mailbox -Identity 'x'\n") ==
        "Get-Mailbox : A parameter cannot be found that matches parameter name 'Identity'.");
  CHECK(error_record_head(admin, "Get-Mailbox -ErrorAction SilentlyContinue\n") ==
        "Get-Mailbox : A parameter cannot be found that matches parameter name 'ErrorAction'.");
  CHECK(error_record_head(admin, "Set-ManagementScope -Identity 'a' -identity 'b'\n") ==
        "Set-ManagementScope : Cannot bind parameter because parameter 'Identity' is specified "
        "more than once. To provide multiple values to parameters that can accept multiple "
        "values, use the array syntax. For example, \"-parameter value1,value2,value3\".");
  CHECK(error_record_head(admin, "Get-ADPermission 'x' 'y'\n") ==
        "Get-ADPermission : A positional parameter cannot be found that accepts argument 'y'.");
  CHECK(error_record_head(admin, "Get-Mailbox -Filter\n") ==
        "Get-Mailbox : Missing an argument for parameter 'Filter'. Specify a parameter of type "
        "'System.String' and try again.");
  CHECK(error_record_head(admin, "Set-ManagementRoleAssignment -Identity 'a' -Enabled 'yes'\n") ==
        "Set-ManagementRoleAssignment : Cannot process argument transformation on parameter "
        "'Enabled'. Cannot convert value \"System.String\" to type \"System.Boolean\". Boolean "
        "parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.");
}

TEST_CASE("role assignments: set, remove with -Confirm:$false, not found", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  admin.assignments.push_back(
      {"NexJ-Impersonation", "ApplicationImpersonation", "nexj-sync", "S", true});
  REQUIRE(run(admin,
              "Set-ManagementRoleAssignment -Identity 'nexj-impersonation' "
              "-RecipientRelativeWriteScope Organization -Enabled $false\n"
              "Remove-ManagementRoleAssignment -Identity 'NexJ-Impersonation' -Confirm:$false\n")
              .error.empty());
  CHECK(admin.log == std::vector<std::string>{"set_role_assignment NexJ-Impersonation||disabled",
                                              "remove_role_assignment NexJ-Impersonation"});
  CHECK(error_record_head(admin,
                          "Remove-ManagementRoleAssignment -Identity 'NexJ-Impersonation'\n") ==
        "Remove-ManagementRoleAssignment : PowerShell is in NonInteractive mode. Read and Prompt "
        "functionality is not available.");
  Outcome missing = run(admin, "Set-ManagementRoleAssignment -Identity 'nope' -Enabled $true\n");
  CHECK(missing.error[0] ==
        "Set-ManagementRoleAssignment : The operation couldn't be performed because object 'nope' "
        "couldn't be found on 'dc01.example.local'.");
  CHECK(missing.error[4] ==
        "    + CategoryInfo          : NotSpecified: (:) "
        "[Set-ManagementRoleAssignment], ManagementObjectNotFoundException");
  CHECK(run(admin,
            "ConvertTo-Json -Compress -InputObject @(Get-ManagementRoleAssignment -Role "
            "'ApplicationImpersonation' | Select-Object @{n='Name';e={[string]$_.Name}}, "
            "@{n='Scope';e={[string]$_.CustomRecipientWriteScope}}, "
            "@{n='W';e={[string]$_.RecipientWriteScope}}, @{n='Enabled';e={[string]$_.Enabled}})\n")
            .output == std::vector<std::string>{"[{\"Name\":\"NexJ-Impersonation\",\"Scope\":"
                                                "\"S\",\"W\":\"CustomRecipientScope\",\"Enabled\":"
                                                "\"True\"}]"});
}

TEST_CASE("JSON: escaping as PowerShell 5.1 writes it, [] for nothing", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  admin.scopes.push_back({"O'Brien <&> \"q\" \\ \u00e9\u2019", "a\tb\nc\x01", ""});
  CHECK(run(admin,
            "ConvertTo-Json -Compress -InputObject @(Get-ManagementScope | Select-Object "
            "@{n='Name';e={[string]$_.Name}}, @{n='F';e={[string]$_.RecipientFilter}}, "
            "@{n='Root';e={[string]$_.RecipientRoot}}, "
            "@{n='X';e={[string]$_.Exclusive}})\n")
            .output ==
        std::vector<std::string>{"[{\"Name\":\"O\\u0027Brien \\u003c\\u0026\\u003e \\\"q\\\" \\\\ "
                                 "\u00e9\u2019\",\"F\":\"a\\tb\\nc\\u0001\",\"Root\":\"\",\"X\":"
                                 "\"False\"}]"});
  CHECK(run(admin,
            "ConvertTo-Json -Compress -InputObject @(Get-ExchangeServer | Where-Object { "
            "$_.Name -eq 'none' } | Select-Object @{n='Name';e={[string]$_.Name}})\n")
            .output == std::vector<std::string>{"[]"});
}

ShellCommandResult shell(FakeExchangeAdmin& admin, const std::string& command,
                         const std::vector<std::string>& arguments,
                         const std::string& stdin_data = "") {
  return run_shell_command(admin, "nexj-sync", command, arguments, stdin_data);
}

TEST_CASE("run_shell_command: -EncodedCommand and -Command - (stdin)", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  std::string script = header(admin) +
                       "ConvertTo-Json -Compress -InputObject @(Get-MailboxDatabase | "
                       "Select-Object @{n='Name';e={[string]$_.Name}})\n'done'\n";
  ShellCommandResult encoded = shell(
      admin, "PowerShell.exe",
      {"-NoProfile", "-NonInteractive", "-EncodedCommand", encode_powershell_command(script)});
  CHECK(encoded.exit_code == 0);
  CHECK(encoded.stdout_bytes == "[{\"Name\":\"DB01\"}]\r\ndone\r\n");
  CHECK(encoded.stderr_bytes.empty());
  ShellCommandResult piped =
      shell(admin, "powershell", {"-NoProfile", "-NonInteractive", "-Command", "-"}, script);
  CHECK(piped.exit_code == 0);
  CHECK(piped.stdout_bytes == encoded.stdout_bytes);
}

TEST_CASE("run_shell_command: an error is CLIXML on stderr, exit code 1", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  std::string script =
      header(admin) + "'before'\nGet-ThrottlingPolicyAssociation -Identity 'a<b'\n'after'\n";
  ShellCommandResult result = shell(
      admin, "powershell",
      {"-NoProfile", "-NonInteractive", "-EncodedCommand", encode_powershell_command(script)});
  CHECK(result.exit_code == 1);
  CHECK(result.stdout_bytes == "before\r\n");
  CHECK(result.stderr_bytes ==
        "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
        "xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
        "<S S=\"Error\">Get-ThrottlingPolicyAssociation : The operation couldn't be performed "
        "because object 'a&lt;b' couldn't be found on 'dc01.example.local'._x000D__x000A_</S>"
        "<S S=\"Error\">At line:4 char:1_x000D__x000A_</S>"
        "<S S=\"Error\">+ Get-ThrottlingPolicyAssociation -Identity 'a&lt;b'_x000D__x000A_</S>"
        "<S S=\"Error\">+ " +
            std::string(47, '~') +
            "_x000D__x000A_</S>"
            "<S S=\"Error\">    + CategoryInfo          : NotSpecified: (:) "
            "[Get-ThrottlingPolicyAssociation], ManagementObjectNotFoundException_x000D__x000A_</S>"
            "<S S=\"Error\">    + FullyQualifiedErrorId : ManagementObjectNotFoundException,"
            "Microsoft.Exchange.Management.SystemConfigurationTasks.GetThrottlingPolicyAssociation"
            "_x000D__x000A_</S></Objs>");
}

TEST_CASE("run_shell_command: a parse error runs nothing", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  std::string script = header(admin) +
                       "New-ManagementScope -Name 'a' -RecipientRestrictionFilter 'b'\n"
                       "Get-Mailbox -Filter 'x\n";
  ShellCommandResult result =
      shell(admin, "powershell", {"-NoProfile", "-NonInteractive", "-Command", "-"}, script);
  CHECK(result.exit_code == 1);
  CHECK(result.stderr_bytes.find("<S S=\"Error\">The string is missing the terminator: "
                                 "'._x000D__x000A_</S>") != std::string::npos);
  CHECK(admin.log.empty());
}

TEST_CASE("run_shell_command: other programs and command lines", "[ps-interpreter]") {
  FakeExchangeAdmin admin;
  ShellCommandResult cmd = shell(admin, "ipconfig", {"/all"});
  CHECK(cmd.exit_code == 1);
  CHECK(cmd.stdout_bytes.empty());
  CHECK(cmd.stderr_bytes ==
        "'ipconfig' is not recognized as an internal or external "
        "command,\r\noperable program or batch file.\r\n");
  ShellCommandResult bad =
      shell(admin, "powershell", {"-NoProfile", "-NonInteractive", "-EncodedCommand", "%%%"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.stderr_bytes.find("-EncodedCommand is not properly encoded") != std::string::npos);
  // powershell.exe runs without -NoProfile too; the command line is split as Windows splits it,
  // whether it comes whole in Command (pywinrm's run_ps) or in one Arguments element.
  CHECK(shell(admin, "powershell", {"-NonInteractive", "-Command", "-"}, "'x'").stdout_bytes ==
        "x\r\n");
  CHECK(shell(admin, "powershell -Command -", {}, "'y'").stdout_bytes == "y\r\n");
  CHECK(shell(admin, "powershell", {"-NoProfile -NonInteractive -Command -"}, "'z'").stdout_bytes ==
        "z\r\n");
  CHECK(shell(admin, "\"powershell.exe\" -Command \"-\"", {}, "'q'").stdout_bytes == "q\r\n");
  CHECK(shell(admin, "powershell", {"-NoProfile", "-NonInteractive", "-File", "x.ps1"}).exit_code ==
        1);
}

}  // namespace
}  // namespace sd::lab
