// Remove-ManagementScope, Remove-ThrottlingPolicy, Remove-ADPermission and clearing an
// association, run as scripts against the lab's state: exact messages, what Exchange refuses,
// and what the removal does to the lab's EWS (impersonation, throttling).
#include <catch2/catch.hpp>

#include "lab/exchange/exchange_admin_rules.h"
#include "lab/powershell/powershell_interpreter.h"
#include "lab/server/powershell_host.h"
#include "protocol/powershell_command.h"
#include "tests/lab/lab_support.h"

namespace sd::lab {
namespace removal_test {

using test::TestLab;

constexpr const char* kHeader =
    "$ErrorActionPreference = 'Stop'\n"
    "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n";
constexpr const char* kServerDn =
    "CN=exch01,CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative "
    "Groups,CN=First Organization,CN=Microsoft Exchange,CN=Services,CN=Configuration,"
    "DC=example,DC=local";

// The error record's lines (none when the script ran to its end); output lines are dropped.
std::vector<std::string> removal_error(LabState& state, const std::string& body) {
  std::string script = std::string(kHeader) + body;
  PsRunResult result = run_powershell(state, script);
  if (!result.error) return {};
  return error_record_lines(*result.error, script);
}

std::string removal_not_found(const std::string& cmdlet, const std::string& identity) {
  return cmdlet + " : The operation couldn't be performed because object '" + identity +
         "' couldn't be found on 'dc01.example.local'.";
}

std::string first_line(const std::vector<std::string>& lines) {
  return lines.empty() ? std::string("(no error)") : lines[0];
}

TEST_CASE("Remove-ManagementScope: refused while an assignment uses it, then removed",
          "[lab][lab-removal]") {
  TestLab lab;
  LabState& s = *lab.state;
  REQUIRE(removal_error(s,
                        "New-ManagementScope CRM -RecipientRestrictionFilter \"City -eq "
                        "'Seattle'\"\n"
                        "New-ManagementRoleAssignment Imp -Role ApplicationImpersonation -User "
                        "nobody -CustomRecipientWriteScope CRM\n"
                        "New-ManagementRoleAssignment Imp2 -Role ApplicationImpersonation -User "
                        "limited -CustomRecipientWriteScope crm\n")
              .empty());
  std::vector<std::string> in_use =
      removal_error(s, "Remove-ManagementScope crm -Confirm:$false\n");
  REQUIRE(in_use.size() == 6);
  CHECK(in_use[0] ==
        "Remove-ManagementScope : The management scope \"CRM\" can't be removed because it's "
        "used by the following management role assignments: Imp, Imp2.");
  CHECK(in_use[4] ==
        "    + CategoryInfo          : NotSpecified: (:) [Remove-ManagementScope], "
        "InvalidOperationException");
  CHECK(in_use[5] ==
        "    + FullyQualifiedErrorId : InvalidOperationException,Microsoft.Exchange.Management."
        "RbacTasks.RemoveManagementScope");
  CHECK(s.management_scopes().size() == 1);
  CHECK(first_line(removal_error(s, "Remove-ManagementScope Ghost -Confirm:$false\n")) ==
        removal_not_found("Remove-ManagementScope", "Ghost"));
  // Found, but a non-interactive shell cannot confirm.
  CHECK(first_line(removal_error(s, "Remove-ManagementScope CRM\n")) ==
        "Remove-ManagementScope : PowerShell is in NonInteractive mode. Read and Prompt "
        "functionality is not available.");

  REQUIRE(removal_error(s,
                        "Set-ManagementRoleAssignment Imp -RecipientRelativeWriteScope "
                        "Organization\n"
                        "Remove-ManagementRoleAssignment Imp2 -Confirm:$false\n"
                        "Remove-ManagementScope -Identity CRM -Confirm:$false\n")
              .empty());
  CHECK(s.management_scopes().empty());
  REQUIRE(s.role_assignments().size() == 1);
  CHECK(s.role_assignments()[0].custom_recipient_write_scope.empty());
  // Unscoped now: nobody may impersonate anyone.
  CHECK(s.may_impersonate("nobody@example.local", "mlee@example.com"));
}

TEST_CASE("Remove-ThrottlingPolicy: not the defaults, not while users are associated",
          "[lab][lab-removal]") {
  TestLab lab;
  LabState& s = *lab.state;
  REQUIRE(removal_error(s,
                        "New-ThrottlingPolicy Org -ThrottlingPolicyScope Organization\n"
                        "New-ThrottlingPolicy Lifted -EwsMaxConcurrency Unlimited -EwsMaxBurst "
                        "Unlimited -EwsRechargeRate Unlimited -EwsCutoffBalance Unlimited\n"
                        "Set-ThrottlingPolicyAssociation nobody -ThrottlingPolicy Lifted\n"
                        "Set-Mailbox limited -ThrottlingPolicy lifted\n")
              .empty());
  CHECK_FALSE(s.throttling_for("nobody@example.local"));  // lifted
  CHECK(first_line(removal_error(s, "Remove-ThrottlingPolicy org -Confirm:$false\n")) ==
        "Remove-ThrottlingPolicy : The throttling policy \"Org\" can't be removed because it's "
        "a default policy (ThrottlingPolicyScope Organization).");
  CHECK(first_line(removal_error(s, "Remove-ThrottlingPolicy Lifted -Confirm:$false\n")) ==
        "Remove-ThrottlingPolicy : The throttling policy \"Lifted\" can't be removed because "
        "it's associated with the following users: nobody, limited.");
  CHECK(first_line(removal_error(s, "Remove-ThrottlingPolicy Ghost -Confirm:$false\n")) ==
        removal_not_found("Remove-ThrottlingPolicy", "Ghost"));
  CHECK(first_line(removal_error(s, "Remove-ThrottlingPolicy Lifted\n")) ==
        "Remove-ThrottlingPolicy : PowerShell is in NonInteractive mode. Read and Prompt "
        "functionality is not available.");
  CHECK(s.throttling_policies().size() == 2);

  // $null removes the association (either cmdlet); the default policy applies again.
  REQUIRE(removal_error(s,
                        "Set-ThrottlingPolicyAssociation -Identity nobody -ThrottlingPolicy $null\n"
                        "Set-Mailbox limited -ThrottlingPolicy $null\n"
                        "Remove-ThrottlingPolicy Lifted -Confirm:$false\n")
              .empty());
  CHECK(*s.throttling_association("nobody") == "");
  CHECK(*s.throttling_association("limited") == "");
  REQUIRE(s.throttling_policies().size() == 1);
  CHECK(s.throttling_policies()[0].name == "Org");
  std::optional<ThrottlingPolicy> again = s.throttling_for("nobody@example.local");
  REQUIRE(again);
  CHECK(again->max_concurrency == 27u);
}

TEST_CASE("Remove-ThrottlingPolicy refuses a Global policy", "[lab][lab-removal]") {
  TestLab lab;
  REQUIRE(lab.state->new_throttling_policy({"GlobalThrottlingPolicy_1", "Global", {}}).ok());
  CHECK(first_line(removal_error(*lab.state,
                                 "Remove-ThrottlingPolicy GlobalThrottlingPolicy_1 "
                                 "-Confirm:$false\n")) ==
        "Remove-ThrottlingPolicy : The throttling policy \"GlobalThrottlingPolicy_1\" can't be "
        "removed because it's a default policy (ThrottlingPolicyScope Global).");
}

TEST_CASE("Remove-ADPermission: piped over the servers, and an absent entry is a warning",
          "[lab][lab-removal]") {
  TestLab lab;
  LabState& s = *lab.state;
  REQUIRE(removal_error(s,
                        "Get-ExchangeServer | ForEach-Object { Add-ADPermission -Identity "
                        "$_.DistinguishedName -User nobody -ExtendedRights "
                        "ms-Exch-EPI-Impersonation }\n"
                        "Add-ADPermission DB01 -User nobody -ExtendedRights "
                        "ms-Exch-EPI-May-Impersonate\n")
              .empty());
  CHECK(s.may_impersonate("nobody@example.local", "mlee@example.com"));

  const std::string remove =
      std::string(kHeader) +
      "Get-ExchangeServer | ForEach-Object { Remove-ADPermission -Identity $_.DistinguishedName "
      "-User nobody -ExtendedRights ms-Exch-EPI-Impersonation -Confirm:$false }\n";
  PsRunResult removed = run_powershell(s, remove);
  CHECK_FALSE(removed.error);
  CHECK(removed.records.empty());
  CHECK(s.ad_permissions(kServerDn).empty());
  CHECK(s.ad_permissions("DB01").size() == 1);
  CHECK_FALSE(s.may_impersonate("nobody@example.local", "mlee@example.com"));

  // Again, over WinRS's powershell.exe: nothing to remove, Exchange's warning on stderr, exit 0.
  ShellCommandResult again = run_shell_command(
      s, "deploy-admin", "powershell",
      {"-NoProfile", "-NonInteractive", "-EncodedCommand", encode_powershell_command(remove)}, "");
  CHECK(again.exit_code == 0);
  CHECK(again.stdout_bytes.empty());
  CHECK(again.stderr_bytes ==
        "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
        "xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"warning\">Can't remove "
        "the access control entry on the object \"" +
            std::string(kServerDn) +
            "\" for account \"EXAMPLE\\nobody\" because the ACE doesn't exist on the "
            "object._x000D__x000A_</S></Objs>");

  CHECK(first_line(removal_error(s,
                                 "Remove-ADPermission EXCH99 -User nobody -ExtendedRights "
                                 "ms-Exch-EPI-Impersonation -Confirm:$false\n")) ==
        removal_not_found("Remove-ADPermission", "EXCH99"));
  CHECK(first_line(removal_error(s,
                                 "Remove-ADPermission exch01 -User ghost -ExtendedRights "
                                 "ms-Exch-EPI-Impersonation -Confirm:$false\n")) ==
        removal_not_found("Remove-ADPermission", "ghost"));
  CHECK(first_line(removal_error(s,
                                 "Remove-ADPermission DB01 -User nobody -ExtendedRights "
                                 "ms-Exch-EPI-May-Impersonate\n")) ==
        "Remove-ADPermission : PowerShell is in NonInteractive mode. Read and Prompt "
        "functionality is not available.");
  CHECK(s.ad_permissions("DB01").size() == 1);
}

TEST_CASE("ExchangeAdmin removals directly: results and messages", "[lab][lab-removal]") {
  TestLab lab;
  LabState& s = *lab.state;
  REQUIRE(s.add_ad_permission({"exch01", "nobody", "Send-As"}).ok());
  Result<bool> first = s.remove_ad_permission({kServerDn, "EXAMPLE\\nobody", "send-as"});
  REQUIRE(first.ok());
  CHECK(*first);
  Result<bool> second = s.remove_ad_permission({"exch01", "nobody", "Send-As"});
  REQUIRE(second.ok());
  CHECK_FALSE(*second);
  Result<bool> bad_right = s.remove_ad_permission({"exch01", "nobody", "Full-Control"});
  REQUIRE_FALSE(bad_right.ok());
  CHECK(bad_right.errors().front().message ==
        "The operation couldn't be performed because object 'Full-Control' couldn't be found "
        "on 'dc01.example.local'.");
  CHECK(s.remove_management_scope("none").errors().front().message ==
        "The operation couldn't be performed because object 'none' couldn't be found on "
        "'dc01.example.local'.");
  CHECK(ace_absent_message("CN=x", down_level_name("nexj-sync", "example.local")) ==
        "Can't remove the access control entry on the object \"CN=x\" for account "
        "\"EXAMPLE\\nexj-sync\" because the ACE doesn't exist on the object.");
}

}  // namespace removal_test
}  // namespace sd::lab
