// Exchange management as code, end to end: the CLI in-process against a lab that starts with no
// service account, no impersonation and no throttling policy. One apply makes all seven steps
// (Exchange over WinRM first, then NexJ, then the folder links with ids the new impersonation
// lets EWS give); the next plan has nothing to do; changes made in the lab behind the tool's
// back show in diff; throttling lifted by apply is seen by EWS.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <sstream>

#include "base/sqlite_database.h"
#include "lab/state/lab_state.h"
#include "tests/cli/exchange_support.h"

using namespace sd::test;

TEST_CASE(
    "exchange management e2e: one apply of the quickstart on a fresh lab makes all seven "
    "steps, the next plan has nothing to do",
    "[e2e][exchange-management-e2e]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");

  CliRun plan = run_in_lab(lab, {"plan", w.spec()});
  INFO(plan.out << plan.err);
  REQUIRE(plan.code == 0);
  CHECK(contains(plan.out,
                 "Plan for deployment quickstart: 16 to create, 0 to update, 0 to "
                 "disable, 0 unchanged\n"));
  CHECK(contains(plan.out,
                 "  ok      EWS mailboxes: asked during apply, once the service account, "
                 "impersonation and throttling changes above are made\n"));
  for (const char* address :
       {"exchange.service_account/nexj-sync  (step 1, create: does not exist)",
        "exchange.role_assignment/nexj-sync-ApplicationImpersonation  (step 1, create: does not "
        "exist)",
        "exchange.throttling_policy/NexJSyncPolicy  (step 2, create: does not exist)",
        "exchange.throttling_association/nexj-sync  (step 2, create: does not exist)"})
    CHECK(contains(plan.out, std::string("  + ") + address + "\n"));
  CHECK(ews_summary(plan.err).empty());  // no mailbox was asked: impersonation is not there yet

  CliRun apply = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CHECK(contains(apply.out,
                 "Exchange side done (4 changed); asking Exchange for the users' mailboxes.\n"));
  CHECK(contains(apply.out, "Apply complete: 16 done, 0 failed, 0 skipped.\n"));
  CHECK(std::regex_search(ews_summary(apply.err),
                          std::regex(R"(^Exchange: asked 3 mailboxes on 1 server in )")));

  // Exchange: the account logs in, holds the role, and the policy is associated.
  sd::lab::LabState& state = lab.server().state();
  CHECK(state.authenticate("nexj-sync@example.local", "sync-pw") ==
        std::optional<std::string>("nexj-sync@example.local"));
  std::vector<sd::lab::LabRoleAssignment> assignments = state.role_assignments();
  REQUIRE(assignments.size() == 1);
  CHECK(assignments[0].name == "nexj-sync-ApplicationImpersonation");
  CHECK(assignments[0].role == "ApplicationImpersonation");
  CHECK(assignments[0].user == "nexj-sync");
  CHECK(assignments[0].custom_recipient_write_scope.empty());
  CHECK(assignments[0].enabled);
  auto association = state.throttling_association("nexj-sync");
  REQUIRE(association.ok());
  CHECK(*association == "NexJSyncPolicy");
  // NexJ: the links carry the ids EWS gave once impersonation was granted.
  CHECK(stored_links(w.path("state/nexj-config.db")) ==
        std::vector<std::string>{
            stored_link(lab, "akumar", "calendar"), stored_link(lab, "akumar", "tasks"),
            stored_link(lab, "jsmith", "calendar"), stored_link(lab, "jsmith", "contacts"),
            stored_link(lab, "jsmith", "tasks"), stored_link(lab, "mlee", "calendar")});

  CliRun again = run_in_lab(lab, {"plan", w.spec(), "--detailed-exitcode"});
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(contains(again.out, "No changes. quickstart matches the spec (16 objects checked).\n"));
}

TEST_CASE(
    "exchange management e2e: changes made in the lab behind the tool's back show in diff, "
    "and apply puts them back",
    "[e2e][exchange-management-e2e]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  REQUIRE(run_in_lab(lab, {"apply", w.spec(), "--auto-approve"}).code == 0);

  sd::lab::LabState& state = lab.server().state();
  sd::lab::LabThrottlingPolicy burst;
  burst.name = "NexJSyncPolicy";
  burst.ews_limits = {{"EwsMaxBurst", "300000"}};
  REQUIRE(state.set_throttling_policy(burst).ok());
  sd::lab::LabRoleAssignment disabled = state.role_assignments().at(0);
  disabled.enabled = false;
  REQUIRE(state.set_role_assignment(disabled).ok());

  CliRun diff = run_in_lab(lab, {"diff", w.spec()});
  INFO(diff.out << diff.err);
  CHECK(diff.code == 2);
  CHECK(contains(diff.out, "exchange.role_assignment/nexj-sync-ApplicationImpersonation"));
  CHECK(contains(diff.out, "enabled: live false, spec true"));
  CHECK(contains(diff.out, "exchange.throttling_policy/NexJSyncPolicy"));
  CHECK(contains(diff.out, "ewsMaxBurst: live 300000, spec unlimited"));

  CliRun repair = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(repair.out << repair.err);
  CHECK(repair.code == 0);
  CHECK(contains(repair.out, "Apply complete: 2 done, 0 failed, 0 skipped.\n"));
  CHECK(state.role_assignments().at(0).enabled);
  CHECK(run_in_lab(lab, {"diff", w.spec()}).code == 0);
}

TEST_CASE(
    "exchange management e2e: a filter with quotes and a subexpression reaches Exchange "
    "exactly as written, and limits impersonation",
    "[e2e][exchange-management-e2e]") {
  // jsmith is a member of the group the scope's filter names; mlee is not.
  RunningLab lab(fresh_lab_directory(
      {},
      "  - {smtp: jsmith@example.com, memberOf: [\"CN=O'Brien $(Remove-Mailbox jsmith) "
      "Users,OU=Groups,DC=example,DC=local\"]}\n  - {smtp: mlee@example.com}\n  - {smtp: "
      "akumar@example.com}\n"));
  Workspace w("examples/quickstart.yaml");
  std::string spec = *read_text(w.spec());
  const std::string from =
      "  impersonation:                            # step 1: "
      "ApplicationImpersonation for the whole organization\n    method: rbac\n";
  size_t at = spec.find(from);
  REQUIRE(at != std::string::npos);
  spec.replace(at, from.size(),
               "  impersonation:\n    method: rbac\n    scope:\n      name: NexJ Synced Users\n"
               "      recipientFilter: \"MemberOfGroup -eq 'CN=O''Brien $(Remove-Mailbox "
               "jsmith) Users,OU=Groups,DC=example,DC=local'\"\n");
  w.write("quickstart.yaml", spec);

  CliRun apply = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(apply.out << apply.err);
  // mlee and akumar are outside the scope: their links are left out (exit 5), jsmith's made.
  CHECK(apply.code == 5);
  sd::lab::LabState& state = lab.server().state();
  std::vector<sd::lab::LabManagementScope> scopes = state.management_scopes();
  REQUIRE(scopes.size() == 1);
  CHECK(scopes[0].name == "NexJ Synced Users");
  CHECK(scopes[0].recipient_filter ==
        "MemberOfGroup -eq 'CN=O''Brien $(Remove-Mailbox jsmith) Users,OU=Groups,DC=example,"
        "DC=local'");
  CHECK(state.has_mailbox("jsmith@example.com"));  // nothing but the cmdlets ran
  CHECK(state.may_impersonate("nexj-sync@example.local", "jsmith@example.com"));
  CHECK_FALSE(state.may_impersonate("nexj-sync@example.local", "mlee@example.com"));
  CHECK(stored_links(w.path("state/nexj-config.db")) ==
        std::vector<std::string>{stored_link(lab, "jsmith", "calendar"),
                                 stored_link(lab, "jsmith", "contacts"),
                                 stored_link(lab, "jsmith", "tasks")});
}

TEST_CASE(
    "exchange management e2e: throttling lifted by apply is seen by EWS: the same "
    "1,000-user refresh needs no backoff after apply where it needed it before",
    "[e2e][exchange-management-e2e]") {
  std::vector<std::string> logins, mailboxes;
  char login[16];
  for (int i = 1; i <= 1000; ++i) {
    std::snprintf(login, sizeof login, "u%04d", i);
    logins.push_back(login);
    mailboxes.push_back(std::string(login) + "@example.com");
  }
  // The account exists and may impersonate everyone; only the throttling policy is missing.
  RunningLab lab(
      fresh_lab_directory(mailboxes,
                          "throttling: {maxConcurrency: 27, burst: 100, rechargePerSecond: 400}\n"
                          "roleAssignments: [{name: nexj-sync-ApplicationImpersonation, role: "
                          "ApplicationImpersonation, user: nexj-sync}]\n",
                          "  - {upn: nexj-sync@example.local, password: sync-pw}\n"));
  Workspace w("examples/quickstart.yaml");
  use_csv_users(w, logins, "calendar");
  const std::regex throttled(R"(^Exchange: asked 1000 mailboxes on 1 server in \d+\.\d\d s; )"
                             R"(throttled \d+ times, \d+\.\d\d s spent throttled$)");
  const std::regex not_throttled(
      R"(^Exchange: asked 1000 mailboxes on 1 server in \d+\.\d\d s; not throttled$)");

  // Before: the NexJ side alone, every mailbox asked under the lab's default policy.
  CliRun before = run_in_lab(lab, {"plan", w.spec(), "--only", "nexj", "--refresh"});
  INFO(before.out << before.err);
  CHECK(before.code == 0);
  CHECK(std::regex_match(ews_summary(before.err), throttled));

  CliRun apply = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CHECK(std::regex_match(ews_summary(apply.err), not_throttled));

  CliRun after = run_in_lab(lab, {"plan", w.spec(), "--only", "nexj", "--refresh"});
  INFO(after.out << after.err);
  CHECK(after.code == 0);
  CHECK(std::regex_match(ews_summary(after.err), not_throttled));
}

TEST_CASE(
    "exchange management e2e: a plan saved before impersonation exists applies all seven "
    "steps, its links get the folder ids Exchange gives during apply",
    "[e2e][exchange-management-e2e]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  const std::string plan_file = w.path("plan.json");
  CliRun plan = run_in_lab(lab, {"plan", w.spec(), "-out", plan_file});
  INFO(plan.out << plan.err);
  REQUIRE(plan.code == 0);
  std::string saved = *read_text(plan_file);
  size_t marked = 0;
  for (size_t at = saved.find("\"folderIdAtApply\":true"); at != std::string::npos;
       at = saved.find("\"folderIdAtApply\":true", at + 1))
    ++marked;
  CHECK(marked == 6);  // the six links, and nothing else

  CliRun apply = run_in_lab(lab, {"apply", plan_file});
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CHECK(contains(apply.out,
                 "Exchange side done (4 changed); asking Exchange for the users' mailboxes.\n"));
  CHECK(contains(apply.out, "Apply complete: 16 done, 0 failed, 0 skipped.\n"));
  CHECK(stored_links(w.path("state/nexj-config.db")) ==
        std::vector<std::string>{
            stored_link(lab, "akumar", "calendar"), stored_link(lab, "akumar", "tasks"),
            stored_link(lab, "jsmith", "calendar"), stored_link(lab, "jsmith", "contacts"),
            stored_link(lab, "jsmith", "tasks"), stored_link(lab, "mlee", "calendar")});
  CHECK(run_in_lab(lab, {"plan", w.spec(), "--detailed-exitcode"}).code == 0);
}

TEST_CASE(
    "exchange management e2e: an Exchange step that still differs once it ran stops the apply "
    "before the NexJ side, with the summary (exit 3), the next apply finishes",
    "[e2e][exchange-management-e2e]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  sd::lab::LabState& state = lab.server().state();
  // As if Exchange had not caught up (replication) or someone undid it at once: the role
  // assignment reads disabled right after the Exchange batch made it.
  bool undone = false;
  CliRun apply = run_cli_with_checkpoints({"apply", w.spec(), "--auto-approve"},
                                          lab.env_with(kDemoSecrets), [&](std::string_view where) {
                                            if (where != "batch applied" || undone) return;
                                            std::vector<sd::lab::LabRoleAssignment> made =
                                                state.role_assignments();
                                            if (made.empty())
                                              return;  // the batch that makes it is yet to come
                                            made[0].enabled = false;
                                            REQUIRE(state.set_role_assignment(made[0]).ok());
                                            undone = true;
                                          });
  INFO(apply.out << apply.err);
  CHECK(apply.code == 3);
  CHECK(contains(apply.out, "Apply incomplete: 4 done, 0 failed, 12 skipped.\n"));
  CHECK(contains(apply.out,
                 "  skipped  nexj.folder_link/jsmith/calendar: not run: the Exchange side came "
                 "first\n"));
  CHECK(without_ews_summary(apply.err) ==
        "syncdeploy: error: the apply stopped: "
        "exchange.role_assignment/nexj-sync-ApplicationImpersonation still differs after it was "
        "changed: 1 field differs: enabled\n");
  CHECK(state.role_assignments().at(0).name == "nexj-sync-ApplicationImpersonation");
  CHECK(stored_links(w.path("state/nexj-config.db")).empty());  // nothing of the NexJ side

  CliRun again = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(contains(again.out, "Apply complete: 13 done, 0 failed, 0 skipped.\n"));
  CHECK(stored_links(w.path("state/nexj-config.db")).size() == 6);
}

TEST_CASE(
    "exchange management e2e: a precondition that fails when checked again after the Exchange "
    "side stops the rest (exit 3)",
    "[e2e][exchange-management-e2e]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  // The CA the tool trusts is a copy that the test replaces mid-apply with the lab's server
  // certificate alone (not a CA): from then on no TLS check of the lab's hosts can verify.
  const std::string ca = w.path("trusted-ca.pem");
  std::filesystem::copy_file(lab.server().ca_file(), ca);
  const std::string chain = *read_text(lab.dir() + "/lab-certs/lab-server.pem");
  const std::string kEnd = "-----END CERTIFICATE-----\n";
  REQUIRE(chain.find(kEnd) != std::string::npos);
  const std::string leaf = chain.substr(0, chain.find(kEnd) + kEnd.size());
  std::map<std::string, std::string> env = lab.env_with(kDemoSecrets);
  env["SSL_CERT_FILE"] = ca;
  bool replaced = false;
  CliRun apply = run_cli_with_checkpoints({"apply", w.spec(), "--auto-approve"}, env,
                                          [&](std::string_view where) {
                                            if (where != "batch applied" || replaced) return;
                                            w.write("trusted-ca.pem", leaf);
                                            replaced = true;
                                          });
  INFO(apply.out << apply.err);
  CHECK(apply.code == 3);
  CHECK(contains(apply.out, "Apply incomplete: 4 done, 0 failed, 12 skipped.\n"));
  CHECK(contains(apply.err,
                 "syncdeploy: error: the apply stopped: precondition failed when checked again: "
                 "TLS of nexj.url (crm.example.local): "));
  CHECK(stored_links(w.path("state/nexj-config.db")).empty());
}

TEST_CASE(
    "exchange management e2e: a selection that changes only a throttling policy still asks "
    "the mailboxes during apply, after it",
    "[e2e][exchange-management-e2e]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  for (const char* kind : {"exchange.throttling_policy", "exchange.management_scope"}) {
    CliRun plan = run_in_lab(lab, {"plan", w.spec(), "--only", kind, "--only", "nexj.folder_link"});
    INFO(kind << "\n" << plan.out << plan.err);
    CHECK(plan.code == (std::string(kind) == "exchange.throttling_policy" ? 0 : 1));
    // The quickstart names no scope: then nothing of Exchange changes, and the mailboxes are
    // asked now (the service account does not exist yet, so they cannot be checked).
    const bool policy = std::string(kind) == "exchange.throttling_policy";
    CHECK(contains(plan.out, "EWS mailboxes: asked during apply") == policy);
    CHECK(ews_summary(plan.err).empty() == policy);
  }
}

TEST_CASE(
    "exchange management e2e: answers from Exchange that do not decrypt stop plan and apply "
    "before anything is changed",
    "[e2e][exchange-management-e2e]") {
  sd::lab::FaultOptions faults;
  faults.corrupt_seal_rate = 1;  // every sealed answer of /PowerShell has a byte flipped
  RunningLab lab(fresh_quickstart_directory(), faults);
  Workspace w("examples/quickstart.yaml");
  const std::string why =
      "exch01.example.local:80: cannot decrypt the answer of HTTP/exch01.example.local: ";

  CliRun plan = run_in_lab(lab, {"plan", w.spec()});
  INFO(plan.out << plan.err);
  CHECK(plan.code == 1);  // the plan is written, and says it cannot be applied
  CHECK(contains(plan.err,
                 "syncdeploy: error: the plan cannot be applied: 10 objects could not "
                 "be read\n"));
  CHECK(contains(plan.out, "This plan cannot be applied as is: 10 objects could not be read.\n"));
  CHECK(contains(plan.out,
                 "  ? exchange.service_account/nexj-sync  could not be read: WinRM "
                 "http://exch01.example.local/PowerShell/: " +
                     why +
                     "the message was altered on the way or is not from the "
                     "server ("));

  CliRun apply = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(apply.out << apply.err);
  CHECK(apply.code == 1);  // refused: what could not be read is not acted on
  CHECK(contains(apply.out + apply.err, why));
  CHECK_FALSE(lab.server().state().authenticate("nexj-sync@example.local", "sync-pw"));
  CHECK(lab.server().state().role_assignments().empty());
  CHECK_FALSE(std::filesystem::exists(w.path("env/quickstart.environment")));
}
