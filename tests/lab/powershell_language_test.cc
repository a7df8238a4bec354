// The lab's PowerShell beyond the renderer's subset, as hand-written scripts (NexJ's own
// commands) use it: aliases, member access on a parenthesized pipeline, parameter-name
// prefixes and their ambiguity, positional parameters, $null for a mandatory parameter, and
// errors that end only their statement when $ErrorActionPreference is not 'Stop'.
#include <catch2/catch.hpp>

#include "lab/powershell/powershell_interpreter.h"
#include "tests/lab/fake_exchange_admin_support.h"

namespace sd::lab {
namespace language_test {

using test::FakeExchangeAdmin;

constexpr const char* kSnapin = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n";
constexpr const char* kStop = "$ErrorActionPreference = 'Stop'\n";

// The first line of each error record the run wrote (the one that ended it last).
std::vector<std::string> error_heads(const PsRunResult& result, const std::string& script) {
  std::vector<std::string> heads;
  for (const PsStreamRecord& record : result.records)
    if (record.error) heads.push_back(error_record_lines(*record.error, script)[0]);
  if (result.error) heads.push_back(error_record_lines(*result.error, script)[0]);
  return heads;
}

struct LanguageRun {
  PsRunResult result;
  std::vector<std::string> errors;  // first lines of the error records
};

LanguageRun run_script(FakeExchangeAdmin& admin, const std::string& body, bool stop = true) {
  std::string script = (stop ? std::string(kStop) : std::string()) + kSnapin + body;
  LanguageRun out{run_powershell(admin, script), {}};
  out.errors = error_heads(out.result, script);
  return out;
}

TEST_CASE("language: where, $TRUE, member access on a pipeline, select-object alone",
          "[lab][ps-language]") {
  FakeExchangeAdmin admin;
  LanguageRun ran = run_script(
      admin,
      "Get-ExchangeServer | where {$_.IsClientAccessServer -eq $TRUE} | ForEach-Object "
      "{Add-ADPermission -Identity $_.distinguishedname -User (Get-User -Identity nexj-sync | "
      "select-object).identity -extendedRight ms-Exch-EPI-Impersonation}\n"
      "ConvertTo-Json -Compress -InputObject (Get-User -Identity nexj-sync | "
      "select-object).Identity\n"
      "ConvertTo-Json -Compress -InputObject @(Get-ExchangeServer).Name\n"
      "ConvertTo-Json -Compress -InputObject @(Get-ExchangeServer).count\n"
      "Get-ExchangeServer | ? {$_.Name -eq 'EX02'} | % {$_.Name}\n");
  INFO((ran.errors.empty() ? "" : ran.errors[0]));
  REQUIRE(ran.errors.empty());
  // Only the client access server; -User got the canonical name Get-User printed.
  CHECK(admin.log == std::vector<std::string>{"add_ad_permission CN=EX01,CN=Servers,DC=example,"
                                              "DC=local|nexj-sync|ms-Exch-EPI-Impersonation"});
  CHECK(ran.result.output_lines == std::vector<std::string>{"\"example.local/Users/NexJ Sync\"",
                                                            "[\"EX01\",\"EX02\"]", "2", "EX02"});
}

TEST_CASE("language: Get-User prints Identity as Exchange does, and finds one or all",
          "[lab][ps-language]") {
  FakeExchangeAdmin admin;
  LanguageRun ran =
      run_script(admin,
                 "ConvertTo-Json -Compress -InputObject @(Get-User 'EXAMPLE\\nexj-sync' | "
                 "Select-Object Identity, Name, SamAccountName, UserPrincipalName, "
                 "DistinguishedName)\n"
                 "ConvertTo-Json -Compress -InputObject @(Get-User).Count\n"
                 "Get-User -Identity ghost\n");
  CHECK(ran.result.output_lines ==
        std::vector<std::string>{
            "[{\"Identity\":\"example.local/Users/NexJ Sync\",\"Name\":\"NexJ Sync\","
            "\"SamAccountName\":\"nexj-sync\",\"UserPrincipalName\":\"nexj-sync@example.local\","
            "\"DistinguishedName\":\"CN=NexJ Sync,CN=Users,DC=example,DC=local\"}]",
            "1"});
  CHECK(ran.errors == std::vector<std::string>{
                          "Get-User : The operation couldn't be performed because object 'ghost' "
                          "couldn't be found on 'dc01.example.local'."});
}

TEST_CASE("language: a parameter name may be any prefix only one parameter has",
          "[lab][ps-language]") {
  FakeExchangeAdmin admin;
  // -E: ExtendedRights, the cmdlet's own, wins over the common -ErrorAction and -ErrorVariable.
  REQUIRE(run_script(admin, "Add-ADPermission -ident EX01 -us nexj-sync -E 'Send-As'\n")
              .errors.empty());
  CHECK(admin.log == std::vector<std::string>{"add_ad_permission EX01|nexj-sync|Send-As"});
  CHECK(run_script(admin, "Set-ManagementScope -Identity S -Recipient x\n").errors ==
        std::vector<std::string>{
            "Set-ManagementScope : Parameter cannot be processed because the parameter name "
            "'Recipient' is ambiguous. Possible matches include: -RecipientRestrictionFilter "
            "-RecipientRoot."});
  CHECK(run_script(admin, "Set-ThrottlingPolicy P -ewsmax 5\n").errors ==
        std::vector<std::string>{
            "Set-ThrottlingPolicy : Parameter cannot be processed because the parameter name "
            "'ewsmax' is ambiguous. Possible matches include: -EwsMaxConcurrency "
            "-EwsMaxSubscriptions -EwsMaxBurst."});
  CHECK(run_script(admin, "Set-ThrottlingPolicy P -W 5\n").errors ==
        std::vector<std::string>{
            "Set-ThrottlingPolicy : Parameter cannot be processed because the parameter name 'W' "
            "is ambiguous. Possible matches include: -WarningAction -WarningVariable -WhatIf."});
  CHECK(run_script(admin, "Get-Mailbox -Err x\n").errors ==
        std::vector<std::string>{
            "Get-Mailbox : Parameter cannot be processed because the parameter name 'Err' is "
            "ambiguous. Possible matches include: -ErrorAction -ErrorVariable."});
  // A common parameter alone is outside the subset: not found, as before.
  CHECK(run_script(admin, "Get-Mailbox -WhatI\n").errors ==
        std::vector<std::string>{
            "Get-Mailbox : A parameter cannot be found that matches parameter name 'WhatI'."});
  CHECK(run_script(admin, "Add-PSSnapin -N x -n y\n").errors ==
        std::vector<std::string>{
            "Add-PSSnapin : Cannot bind parameter because parameter 'Name' is specified more "
            "than once. To provide multiple values to parameters that can accept multiple "
            "values, use the array syntax. For example, \"-parameter value1,value2,value3\"."});
  LanguageRun ambiguous = run_script(admin, "Set-ManagementScope -Identity S -Recipient x\n");
  REQUIRE(ambiguous.result.error);
  CHECK(ambiguous.result.error->error_id ==
        "AmbiguousParameter,Microsoft.Exchange.Management.RbacTasks.SetManagementScope");
  CHECK(ambiguous.result.error->category ==
        "InvalidArgument: (:) [Set-ManagementScope], ParameterBindingException");
}

TEST_CASE("language: positional Identity and Name, Set-Mailbox -ThrottlingPolicy",
          "[lab][ps-language]") {
  FakeExchangeAdmin admin;
  LanguageRun ran = run_script(admin,
                               "New-ThrottlingPolicy NexjsaPolicy\n"
                               "Set-ThrottlingPolicy NexjsaPolicy -EwsMaxConcurrency $null\n"
                               "Set-Mailbox nexj-sync -ThrottlingPolicy NexjsaPolicy\n"
                               "Set-Mailbox nexj-sync -ThrottlingPolicy $null\n"
                               "Get-ADPermission 'EX01' 'extra'\n");
  CHECK(admin.log ==
        std::vector<std::string>{"new_throttling_policy NexjsaPolicy|Regular",
                                 "set_throttling_policy NexjsaPolicy|EwsMaxConcurrency=",
                                 "set_throttling_association nexj-sync|NexjsaPolicy",
                                 "set_throttling_association nexj-sync|"});
  CHECK(ran.errors ==
        std::vector<std::string>{"Get-ADPermission : A positional parameter cannot be found that "
                                 "accepts argument 'extra'."});
  CHECK(run_script(admin, "Set-Mailbox -ThrottlingPolicy P\n").errors ==
        std::vector<std::string>{"Set-Mailbox : Cannot process command because of one or more "
                                 "missing mandatory parameters: Identity."});
}

TEST_CASE("language: $null for a mandatory parameter is PowerShell's binding error",
          "[lab][ps-language]") {
  FakeExchangeAdmin admin;
  LanguageRun ran =
      run_script(admin,
                 "Add-ADPermission EX01 -User (Get-User | Where-Object {$_.Name -eq 'x'}).Identity "
                 "-ExtendedRights Send-As\n");
  CHECK(ran.errors == std::vector<std::string>{"Add-ADPermission : Cannot bind argument to "
                                               "parameter 'User' because it is null."});
  REQUIRE(ran.result.error);
  CHECK(ran.result.error->error_id ==
        "ParameterArgumentValidationErrorNullNotAllowed,Microsoft.Exchange.Management."
        "SystemConfigurationTasks.AddADPermission");
  CHECK(admin.log.empty());
}

TEST_CASE("language: without 'Stop' an error ends its statement and the script goes on",
          "[lab][ps-language]") {
  FakeExchangeAdmin admin;
  LanguageRun ran = run_script(admin,
                               "'one'\n"
                               "Get-Nothing\n"
                               "Get-ExchangeServer | ForEach-Object { Add-ADPermission "
                               "$_.DistinguishedName -User $null -ExtendedRights Send-As; "
                               "$_.Name }\n"
                               "'two'\n",
                               false);
  CHECK(ran.result.output_lines == std::vector<std::string>{"one", "EX01", "EX02", "two"});
  REQUIRE(ran.errors.size() == 3);
  CHECK(ran.errors[0].starts_with("Get-Nothing : The term 'Get-Nothing' is not recognized"));
  // Once per server: the statement inside the block ends, the block and the loop go on.
  CHECK(ran.errors[1] ==
        "Add-ADPermission : Cannot bind argument to parameter 'User' because it is null.");
  CHECK(ran.errors[2] == ran.errors[1]);
  CHECK_FALSE(ran.result.error);
  CHECK_FALSE(ran.result.last_statement_failed);  // the last statement succeeded
  CHECK(run_script(admin, "Get-Nothing\n", false).result.last_statement_failed);
  // With 'Stop' the first error ends the script.
  LanguageRun stopped = run_script(admin, "'one'\nGet-Nothing\n'two'\n");
  CHECK(stopped.result.output_lines == std::vector<std::string>{"one"});
  CHECK(stopped.result.records.empty());
  REQUIRE(stopped.result.error);
  CHECK(stopped.result.last_statement_failed);
}

TEST_CASE("language: member access needs the dot right after ')'", "[lab][ps-language]") {
  FakeExchangeAdmin admin;
  CHECK(run_script(admin, "Get-ADPermission (Get-MailboxDatabase) .Name\n").errors ==
        std::vector<std::string>{"Get-ADPermission : A positional parameter cannot be found "
                                 "that accepts argument '.Name'."});
  PsRunResult parsed = run_powershell(admin, "Get-ADPermission (Get-ExchangeServer).Name.x(1)");
  REQUIRE(parsed.error);
  CHECK(parsed.error->parser_error);
  CHECK(parsed.error->message == "Unexpected token '(' in expression or statement.");  // no methods
}

}  // namespace language_test
}  // namespace sd::lab
