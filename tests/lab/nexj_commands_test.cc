// NexJ's documented Exchange commands (reference nexj-exchange-sync.md §2.1 and §2.2, the
// corrected form) run exactly as written, as one script handed to the lab's powershell.exe the
// way WinRS hands it over, after the line that loads the Exchange snap-in (the Exchange
// Management Shell has it loaded; a WinRS powershell.exe does not). No $ErrorActionPreference:
// PowerShell's default, so an error ends only its line. The account is the lab's nexj-sync.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "lab/server/powershell_host.h"
#include "lab/state/lab_state.h"
#include "protocol/clixml.h"
#include "protocol/powershell_command.h"
#include "tests/lab/lab_support.h"

namespace sd::lab {
namespace nexj_test {

// The commands as NexJ's documentation gives them (tests/data/nexj/documented-commands.ps1).
std::string nexj_commands() {
  std::ifstream in(std::string(SYNCDEPLOY_SOURCE_DIR) + "/tests/data/nexj/documented-commands.ps1",
                   std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  REQUIRE(text.str().size() > 100);
  return text.str();
}

// Two client access servers, one that is not (an Edge server), two databases.
std::string nexj_directory(const std::string& version) {
  return "version: " + version +
         "\n"
         "hostnames: [exch01.example.local]\n"
         "accounts:\n"
         "  - {upn: nexj-sync@example.local, password: sync-pw}\n"
         "mailboxes:\n"
         "  - {smtp: jsmith@example.com, name: John Smith}\n"
         "servers: [{name: EXCH01}, {name: EXCH02}, {name: EDGE01, clientAccess: false}]\n"
         "databases: [{name: DB01}, {name: DB02}]\n";
}

struct NexjRun {
  test::ScratchDir dir;
  std::unique_ptr<LabState> state;
  ShellCommandResult result;
};

void run_nexj(NexjRun& run, const std::string& version, const std::string& snapin) {
  std::string file = run.dir.write("directory.yaml", nexj_directory(version));
  Result<std::unique_ptr<LabState>> opened = LabState::open(run.dir.path("state.db"), file);
  if (!opened.ok()) FAIL(opened.errors().front().format());
  run.state = std::move(*opened);
  std::string script = "Add-PSSnapin " + snapin + "\n" + nexj_commands();
  run.result = run_shell_command(
      *run.state, "deploy-admin", "powershell",
      {"-NoProfile", "-NonInteractive", "-EncodedCommand", encode_powershell_command(script)}, "");
}

// Who holds which right on what: "object right user", sorted as the lab keeps them.
std::vector<std::string> nexj_rights(const LabState& state) {
  std::vector<std::string> out;
  for (const LabExchangeServer& server : state.servers())
    for (const LabAdPermission& p : state.ad_permissions(server.distinguished_name))
      out.push_back(server.name + " " + p.extended_right + " " + p.user);
  for (const LabDatabase& database : state.databases())
    for (const LabAdPermission& p : state.ad_permissions(database.distinguished_name))
      out.push_back(database.name + " " + p.extended_right + " " + p.user);
  return out;
}

const std::vector<std::string> kNexjRights = {
    "EXCH01 ms-Exch-EPI-Impersonation nexj-sync", "EXCH02 ms-Exch-EPI-Impersonation nexj-sync",
    "DB01 ms-Exch-EPI-May-Impersonate nexj-sync", "DB02 ms-Exch-EPI-May-Impersonate nexj-sync"};

TEST_CASE("NexJ's commands on Exchange 2016: the rights and the policy, line 4 fails as there",
          "[lab][nexj-commands]") {
  NexjRun run;
  run_nexj(run, "Exchange2016", "Microsoft.Exchange.Management.PowerShell.SnapIn");
  CHECK(nexj_rights(*run.state) == kNexjRights);
  // Line 4 names 2010's parameters: binding fails before the cmdlet runs, nothing is set.
  std::vector<LabThrottlingPolicy> policies = run.state->throttling_policies();
  REQUIRE(policies.size() == 1);
  CHECK(policies[0].name == "NexjsaPolicy");
  CHECK(policies[0].scope == "Regular");
  CHECK(policies[0].ews_limits.empty());
  CHECK(*run.state->throttling_association("nexj-sync") == "NexjsaPolicy");
  const std::string line4 =
      "Set-ThrottlingPolicy NexjsaPolicy -EWSMaxConcurrency $null -EWSPercentTimeInAD $null "
      "-EWSPercentTimeInCAS $null -EWSPercentTimeInMailboxRPC $null -EWSMaxSubscriptions $null "
      "-EWSFastSearchTimeoutInSeconds $null -EWSFindCountLimit $null";
  CHECK(decode_clixml(run.result.stderr_bytes) ==
        "Set-ThrottlingPolicy : A parameter cannot be found that matches parameter name "
        "'EWSPercentTimeInAD'.\n"
        "At line:5 char:60\n"
        "+ " +
            line4 +
            "\n"
            "+ " +
            std::string(59, ' ') + std::string(19, '~') +
            "\n"
            "    + CategoryInfo          : InvalidArgument: (:) [Set-ThrottlingPolicy], "
            "ParameterBindingException\n"
            "    + FullyQualifiedErrorId : NamedParameterNotFound,Microsoft.Exchange.Management."
            "SystemConfigurationTasks.SetThrottlingPolicy\n");
  CHECK(run.result.stdout_bytes.empty());
  CHECK(run.result.exit_code == 0);  // the last line succeeded
  // On EWS: the account impersonates through the rights; an empty policy lifts no throttling
  // (its limits inherit the defaults).
  CHECK(run.state->may_impersonate("nexj-sync@example.local", "jsmith@example.com"));
  std::optional<ThrottlingPolicy> throttled = run.state->throttling_for("nexj-sync@example.local");
  REQUIRE(throttled);
  CHECK(throttled->max_concurrency == 27u);
  CHECK(throttled->budget_limited);
}

TEST_CASE("NexJ's commands on Exchange 2010: all five lines succeed, the EWS limits unlimited",
          "[lab][nexj-commands]") {
  NexjRun run;
  run_nexj(run, "Exchange2010", "Microsoft.Exchange.Management.PowerShell.E2010");
  INFO(decode_clixml(run.result.stderr_bytes));
  CHECK(run.result.stderr_bytes.empty());
  CHECK(run.result.exit_code == 0);
  CHECK(nexj_rights(*run.state) == kNexjRights);
  std::vector<LabThrottlingPolicy> policies = run.state->throttling_policies();
  REQUIRE(policies.size() == 1);
  CHECK(policies[0].name == "NexjsaPolicy");
  // $null on 2010's UInt32 limits is unlimited; Get-ThrottlingPolicy prints them as $null.
  CHECK(policies[0].ews_limits ==
        std::map<std::string, std::string>{{"EWSFastSearchTimeoutInSeconds", "Unlimited"},
                                           {"EWSFindCountLimit", "Unlimited"},
                                           {"EWSMaxConcurrency", "Unlimited"},
                                           {"EWSMaxSubscriptions", "Unlimited"},
                                           {"EWSPercentTimeInAD", "Unlimited"},
                                           {"EWSPercentTimeInCAS", "Unlimited"},
                                           {"EWSPercentTimeInMailboxRPC", "Unlimited"}});
  CHECK(*run.state->throttling_association("nexj-sync") == "NexjsaPolicy");
  ShellCommandResult printed = run_shell_command(
      *run.state, "deploy-admin", "powershell", {"-NoProfile", "-NonInteractive", "-Command", "-"},
      "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n"
      "ConvertTo-Json -Compress -InputObject @(Get-ThrottlingPolicy | Select-Object Name, "
      "EWSMaxConcurrency, EWSPercentTimeInCAS)\n");
  CHECK(
      printed.stdout_bytes ==
      "[{\"Name\":\"NexjsaPolicy\",\"EWSMaxConcurrency\":null,\"EWSPercentTimeInCAS\":null}]\r\n");
  CHECK(run.state->may_impersonate("nexj-sync@example.local", "jsmith@example.com"));
  CHECK_FALSE(run.state->throttling_for("nexj-sync@example.local"));  // throttling lifted
}

}  // namespace nexj_test
}  // namespace sd::lab
