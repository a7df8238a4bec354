// plan and apply reading Exchange, end to end: the CLI in-process against labs of our own
// (directory, impersonation, throttling, certificates, credentials), with exact reasons, exit
// codes, and the folder ids that land in the store compared with what the lab holds. Injected
// faults: exchange_faults_test.cc.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "base/sqlite_database.h"
#include "tests/cli/exchange_support.h"

using namespace sd::test;

namespace {

const char* kNoMailbox = "no such mailbox (ErrorNonExistentMailbox)";
const char* kDenied =
    "the service account may not impersonate this mailbox (not in the impersonation scope, or the "
    "role is not assigned) (ErrorImpersonateUserDenied)";

// The one "Exchange: asked ..." line of stderr, or "" when there is none; checks there is no
// second one.
std::string single_ews_summary(const std::string& err) {
  std::string found;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("Exchange: asked ")) continue;
    CHECK(found.empty());  // one line per command
    found = line;
  }
  return found;
}

}  // namespace

TEST_CASE("exchange e2e: a user without a mailbox and one outside the impersonation scope",
          "[e2e][exchange-e2e]") {
  // akumar has no mailbox; mlee has one the account may not impersonate.
  RunningLab lab(quickstart_lab_directory({"jsmith@example.com", "mlee@example.com"},
                                          "impersonation: [jsmith@example.com]"));
  Workspace w("examples/quickstart.yaml");
  const std::string akumar_reason = std::string("akumar@example.com cannot sync: ") + kNoMailbox;
  const std::string mlee_reason = std::string("mlee@example.com cannot sync: ") + kDenied;

  CliRun plan = run_in_lab(lab, plan_args(w));
  INFO(plan.out << plan.err);
  CHECK(plan.code == 5);
  CHECK(std::regex_match(single_ews_summary(plan.err),
                         std::regex(R"(Exchange: asked 3 mailboxes on 1 server in \d+\.\d\d s; )"
                                    R"(2 cannot sync; not throttled)")));
  // One line for a user's folder links: the reason is the same for each.
  CHECK(contains(plan.out, "nexj.folder_link/akumar/{calendar,tasks}  " + akumar_reason + "\n"));
  CHECK(contains(plan.out, "nexj.folder_link/mlee/calendar  " + mlee_reason + "\n"));

  nlohmann::json doc = parse_plan(run_in_lab(lab, plan_args(w, {"--json"})));
  CHECK(doc["summary"]["cannotSync"] == 3);
  CHECK(doc["summary"]["blocked"] == 3);
  CHECK(doc["applyable"] == true);  // everything else can be made
  std::map<std::string, nlohmann::json> links = folder_links(doc);
  REQUIRE(links.size() == 6);
  for (const char* folder : {"calendar", "tasks"}) {
    const nlohmann::json& a = links["nexj.folder_link/akumar/" + std::string(folder)];
    CHECK(a["action"] == "blocked");
    CHECK(a["reason"] == akumar_reason);
    CHECK(a["changes"].empty());
  }
  CHECK(links["nexj.folder_link/mlee/calendar"]["action"] == "blocked");
  CHECK(links["nexj.folder_link/mlee/calendar"]["reason"] == mlee_reason);
  for (const char* folder : {"calendar", "tasks", "contacts"}) {
    const nlohmann::json& a = links["nexj.folder_link/jsmith/" + std::string(folder)];
    CHECK(a["action"] == "create");
    CHECK(field_after(a, "folderId") == lab_folder_id(lab, "jsmith@example.com", folder));
  }

  // apply makes everything else and says who was left out.
  CliRun first = run_in_lab(lab, apply_args(w));
  INFO(first.out << first.err);
  CHECK(first.code == 5);
  CHECK(contains(first.out, "Apply complete: 9 done, 0 failed, 0 skipped.\n"));
  CHECK(contains(first.out,
                 "3 folder links were not made because the user cannot sync (see the plan "
                 "above).\n"));
  const std::vector<std::string> jsmith_only{stored_link(lab, "jsmith", "calendar"),
                                             stored_link(lab, "jsmith", "contacts"),
                                             stored_link(lab, "jsmith", "tasks")};
  CHECK(stored_links(w.path(kStore)) == jsmith_only);

  // Again: the blocked users are asked again, still blocked, and nothing is written.
  const std::string store_before = dump_store(w.path(kStore));
  const std::string environment_before = *read_text(w.path(kQuickstartEnvironmentFile));
  CliRun second = run_in_lab(lab, apply_args(w));
  INFO(second.out << second.err);
  CHECK(second.code == 5);
  CHECK(second.out.ends_with("Nothing else to do.\n"));
  CHECK(contains(second.out, "nexj.folder_link/mlee/calendar  " + mlee_reason + "\n"));
  CHECK(std::regex_match(single_ews_summary(second.err),
                         std::regex(R"(Exchange: asked 2 mailboxes on 1 server in \d+\.\d\d s; )"
                                    R"(2 cannot sync; not throttled)")));
  CHECK(dump_store(w.path(kStore)) == store_before);
  CHECK(*read_text(w.path(kQuickstartEnvironmentFile)) == environment_before);

  // Exchange is fixed (the next issue's cmdlets will do this): the links appear, with ids.
  REQUIRE(lab.server().state().set_impersonation(kQuickstartServiceAccount, true, {}).ok());
  REQUIRE(lab.server().state().add_mailbox("akumar@example.com", "Anil Kumar").ok());
  CliRun fixed = run_in_lab(lab, apply_args(w));
  INFO(fixed.out << fixed.err);
  CHECK(fixed.code == 0);
  CHECK(contains(fixed.out, "Apply complete: 3 done, 0 failed, 0 skipped.\n"));
  CHECK(stored_links(w.path(kStore)) ==
        std::vector<std::string>{
            stored_link(lab, "akumar", "calendar"), stored_link(lab, "akumar", "tasks"),
            stored_link(lab, "jsmith", "calendar"), stored_link(lab, "jsmith", "contacts"),
            stored_link(lab, "jsmith", "tasks"), stored_link(lab, "mlee", "calendar")});
  CliRun settled = run_in_lab(lab, apply_args(w));
  CHECK(settled.code == 0);
  CHECK(settled.out == "No changes. Live state matches the spec (deployment 'quickstart').\n");
  CHECK(settled.err.empty());
}

TEST_CASE("exchange e2e: folder ids already stored are not fetched again, --refresh asks all",
          "[e2e][exchange-e2e]") {
  RunningLab lab(
      quickstart_lab_directory({"jsmith@example.com", "mlee@example.com", "akumar@example.com"}));
  Workspace w("examples/quickstart.yaml");
  CliRun applied = run_in_lab(lab, apply_args(w));
  INFO(applied.out << applied.err);
  REQUIRE(applied.code == 0);
  const uint64_t after_apply = lab.server().stats().requests;
  CHECK(after_apply == 3);  // one GetFolder per user

  CliRun replan = run_in_lab(lab, plan_args(w, {"--detailed-exitcode"}));
  INFO(replan.out << replan.err);
  CHECK(replan.code == 0);
  CHECK(replan.err.empty());  // no "Exchange: asked" line
  CHECK(lab.server().stats().requests == after_apply);

  CliRun refreshed = run_in_lab(lab, plan_args(w, {"--detailed-exitcode", "--refresh"}));
  INFO(refreshed.out << refreshed.err);
  CHECK(refreshed.code == 0);
  CHECK(refreshed.out.starts_with("No changes."));
  CHECK(std::regex_match(
      refreshed.err,
      std::regex(R"(Exchange: asked 3 mailboxes on 1 server in \d+\.\d\d s; not throttled\n)")));
  CHECK(lab.server().stats().requests == after_apply + 3);

  SECTION("a link whose id was lost is asked for again, that user only") {
    sd::test::sql_exec(w.path(kStore),
                       "UPDATE sync_folder_link SET folder_id = NULL WHERE login = 'mlee'");
    const uint64_t before = lab.server().stats().requests;
    CliRun plan = run_in_lab(lab, plan_args(w, {"--json"}));
    CHECK(std::regex_match(
        plan.err,
        std::regex(R"(Exchange: asked 1 mailbox on 1 server in \d+\.\d\d s; not throttled\n)")));
    CHECK(lab.server().stats().requests == before + 1);
    std::map<std::string, nlohmann::json> links = folder_links(parse_plan(plan));
    const nlohmann::json& mlee = links["nexj.folder_link/mlee/calendar"];
    CHECK(mlee["action"] == "update");
    CHECK(field_after(mlee, "folderId") == lab_folder_id(lab, "mlee@example.com", "calendar"));
    CHECK(run_in_lab(lab, apply_args(w)).code == 0);
    CHECK(stored_links(w.path(kStore))[5] == stored_link(lab, "mlee", "calendar"));
  }
  SECTION("a stale id is kept until --refresh finds the real one") {
    sd::test::sql_exec(w.path(kStore),
                       "UPDATE sync_folder_link SET folder_id = 'AAMkAstale' WHERE login = "
                       "'jsmith' AND folder = 'tasks'");
    CHECK(run_in_lab(lab, plan_args(w, {"--detailed-exitcode"})).code == 0);
    CliRun plan = run_in_lab(lab, plan_args(w, {"--json", "--refresh"}));
    std::map<std::string, nlohmann::json> links = folder_links(parse_plan(plan));
    const nlohmann::json& tasks = links["nexj.folder_link/jsmith/tasks"];
    CHECK(tasks["action"] == "update");
    CHECK(field_after(tasks, "folderId") == lab_folder_id(lab, "jsmith@example.com", "tasks"));
    CHECK(links["nexj.folder_link/jsmith/calendar"]["action"] == "no-op");
    CHECK(run_in_lab(lab, apply_args(w, {"--refresh"})).code == 0);
    CHECK(contains(dump_store(w.path(kStore)), lab_folder_id(lab, "jsmith@example.com", "tasks")));
    CHECK_FALSE(contains(dump_store(w.path(kStore)), "AAMkAstale"));
  }
}

namespace {

// Every folder link of `plan` is a create carrying the lab's folder id; returns how many.
size_t check_all_ids(RunningLab& lab, const nlohmann::json& plan) {
  size_t count = 0, wrong = 0;
  for (const nlohmann::json& a : plan["actions"]) {
    if (a["type"] != "nexj.folder_link") continue;
    ++count;
    const std::string name = a["name"].get<std::string>();
    const std::string login = name.substr(0, name.find('/'));
    const std::string folder = name.substr(name.find('/') + 1);
    const std::string want = lab_folder_id(lab, login + "@example.com", folder);
    if (a["action"] != "create" || field_after(a, "folderId") != want) {
      if (++wrong <= 5) FAIL_CHECK(a.dump() << "\nwanted folderId " << want);
    }
  }
  CHECK(wrong == 0);
  return count;
}

}  // namespace

TEST_CASE("exchange e2e: 1,000 users, every folder id resolved", "[e2e][exchange-e2e]") {
  const std::vector<std::string> logins = numbered_users(1000);
  RunningLab lab(
      quickstart_lab_directory(emails_of(logins), "impersonation: all, throttling: unlimited"));
  Workspace w("examples/quickstart.yaml");
  use_csv_users(w, logins);

  CliRun plan = run_in_lab(lab, plan_args(w, {"--json"}));
  INFO(plan.err);
  REQUIRE(plan.code == 0);
  CHECK(std::regex_match(single_ews_summary(plan.err),
                         std::regex(R"(Exchange: asked 1000 mailboxes on 1 server in \d+\.\d\d s; )"
                                    R"(not throttled)")));
  nlohmann::json doc = parse_plan(plan);
  CHECK(check_all_ids(lab, doc) == 3000);
  CHECK(doc["summary"]["create"] == 3006);  // 3,000 links, the channels, target and options
  CHECK(lab.server().stats().requests == 1000);
  CHECK(lab.server().stats().throttled == 0);
}

TEST_CASE("exchange e2e: 1,000 users under the default throttling policy", "[e2e][exchange-e2e]") {
  const std::vector<std::string> logins = numbered_users(1000);
  RunningLab lab(quickstart_lab_directory(
      emails_of(logins), "impersonation: all",
      "throttling: {maxConcurrency: 27, burst: 50, rechargePerSecond: 500}\n"));
  Workspace w("examples/quickstart.yaml");
  use_csv_users(w, logins);

  CliRun plan = run_in_lab(lab, plan_args(w, {"--json"}));
  INFO(plan.err);
  REQUIRE(plan.code == 0);
  CHECK(check_all_ids(lab, parse_plan(plan)) == 3000);

  const sd::lab::LabStats stats = lab.server().stats();
  CHECK(stats.throttled > 0);
  CHECK(stats.requests == 1000 + stats.throttled);  // each busy answer was retried once more
  std::smatch m;
  const std::string summary = single_ews_summary(plan.err);
  REQUIRE(
      std::regex_match(summary, m,
                       std::regex(R"(Exchange: asked 1000 mailboxes on 1 server in \d+\.\d\d )"
                                  R"(s; throttled (\d+) times, (\d+\.\d\d) s spent throttled)")));
  CHECK(std::stoull(m[1]) == stats.throttled);  // the client saw every busy answer
  CHECK(std::stod(m[2]) > 0);
}

namespace {

// SYNCDEPLOY_CONNECT_TO sending each host of `hosts` to `lab`, and crm.example.local to `crm`.
std::string connect_to(RunningLab& lab, const std::vector<std::string>& hosts,
                       const std::string& crm) {
  const std::string at = "127.0.0.1:" + std::to_string(lab.server().port());
  std::string out = "crm.example.local:443=" + crm;
  for (const std::string& host : hosts) out += "," + host + ":443=" + at;
  return out;
}

const nlohmann::json& check_named(const nlohmann::json& plan, const std::string& name) {
  for (const nlohmann::json& c : plan["checks"])
    if (c["name"] == name) return c;
  FAIL("no check " << name << " in " << plan["checks"].dump());
  static nlohmann::json none;
  return none;
}

}  // namespace

TEST_CASE("exchange e2e: preconditions", "[e2e][exchange-e2e]") {
  RunningLab lab(
      quickstart_lab_directory({"jsmith@example.com", "mlee@example.com", "akumar@example.com"}));
  Workspace w("examples/quickstart.yaml");
  const std::string lab_address = "127.0.0.1:" + std::to_string(lab.server().port());

  SECTION("nexj.url on a closed port: a failed check, and apply changes nothing") {
    const std::map<std::string, std::string> env{
        {"SYNCDEPLOY_CONNECT_TO", connect_to(lab, {"exch01.example.local"}, "127.0.0.1:1")}};
    nlohmann::json doc = parse_plan(run_in_lab(lab, plan_args(w, {"--json"}), env));
    const nlohmann::json& nexj = check_named(doc, "TLS of nexj.url (crm.example.local)");
    CHECK(nexj["status"] == "failed");
    CHECK(nexj["detail"] == "crm.example.local:443: connection refused");
    CHECK(check_named(doc, "TLS of EWS on exch01 (exch01.example.local)")["status"] == "ok");
    CHECK(doc["applyable"] == false);
    // The mailboxes were still read: the plan shows the ids it would use.
    CHECK(field_after(folder_links(doc)["nexj.folder_link/mlee/calendar"], "folderId") ==
          lab_folder_id(lab, "mlee@example.com", "calendar"));

    CliRun apply = run_in_lab(lab, apply_args(w), env);
    INFO(apply.out << apply.err);
    CHECK(apply.code == 1);
    CHECK(apply.out.empty());
    CHECK(
        contains(apply.err,
                 "syncdeploy: error: precondition failed: TLS of nexj.url (crm.example.local): "
                 "crm.example.local:443: connection refused\n"
                 "syncdeploy: error: cannot apply: 1 precondition failed; nothing was changed\n"));
    CHECK_FALSE(file_exists(w.path(kStore)));
    CHECK_FALSE(file_exists(w.path(kQuickstartEnvironmentFile)));
  }
  SECTION("a certificate that does not name the host") {
    std::string spec = *read_text(w.spec());
    spec = replaced_once(spec, "url: https://crm.example.local/nexj",
                         "url: https://crm2.example.local/nexj");
    w.write("quickstart.yaml", spec);
    const std::map<std::string, std::string> env{
        {"SYNCDEPLOY_CONNECT_TO",
         connect_to(lab, {"exch01.example.local", "crm2.example.local"}, lab_address)}};
    nlohmann::json doc = parse_plan(run_in_lab(lab, plan_args(w, {"--json"}), env));
    const nlohmann::json& nexj = check_named(doc, "TLS of nexj.url (crm2.example.local)");
    CHECK(nexj["status"] == "failed");
    CHECK(nexj["detail"] ==
          "crm2.example.local:443: the certificate is for exch01.example.local, "
          "crm.example.local, localhost, 127.0.0.1, not crm2.example.local");
    CHECK(run_in_lab(lab, apply_args(w), env).code == 1);
    CHECK_FALSE(file_exists(w.path(kStore)));
  }
  SECTION("exchange.caFile and nexj.caFile name the lab's CA: no SSL_CERT_FILE needed") {
    std::filesystem::copy_file(lab.server().ca_file(), w.path("lab-ca.pem"));
    std::string spec = *read_text(w.spec());
    spec = replaced_once(spec, "  servers:\n", "  caFile: lab-ca.pem\n  servers:\n");
    w.write("quickstart.yaml", spec);
    std::map<std::string, std::string> env = lab.env_with(kDemoSecrets);
    env.erase("SSL_CERT_FILE");

    // exchange.caFile only: EWS verifies and the users resolve; NexJ has no CA to verify with.
    CliRun plan = run_cli(plan_args(w, {"--json"}), env);
    nlohmann::json doc = parse_plan(plan);
    CHECK(check_named(doc, "TLS of EWS on exch01 (exch01.example.local)")["status"] == "ok");
    const nlohmann::json& nexj = check_named(doc, "TLS of nexj.url (crm.example.local)");
    CHECK(nexj["status"] == "failed");
    CHECK(nexj["detail"] ==
          "crm.example.local:443: certificate verify failed (self-signed certificate in "
          "certificate chain)");
    CHECK(field_after(folder_links(doc)["nexj.folder_link/akumar/tasks"], "folderId") ==
          lab_folder_id(lab, "akumar@example.com", "tasks"));

    spec = replaced_once(spec, "  environmentFile:", "  caFile: lab-ca.pem\n  environmentFile:");
    w.write("quickstart.yaml", spec);
    CliRun apply = run_cli(apply_args(w), env);
    INFO(apply.out << apply.err);
    CHECK(apply.code == 0);
    CHECK(stored_links(w.path(kStore)).size() == 6);
    CHECK(stored_links(w.path(kStore))[0] == stored_link(lab, "akumar", "calendar"));
  }
  SECTION("no CA at all: both checks fail verification and the users are unknown") {
    std::map<std::string, std::string> env = lab.env_with(kDemoSecrets);
    env.erase("SSL_CERT_FILE");
    CliRun plan = run_cli(plan_args(w, {"--json"}), env);
    CHECK(plan.code == 1);  // failed preconditions: the plan cannot be applied
    CHECK(std::regex_match(single_ews_summary(plan.err),
                           std::regex(R"(Exchange: asked 3 mailboxes on 1 server in \d+\.\d\d s; )"
                                      R"(3 could not be checked; not throttled)")));
    nlohmann::json doc = parse_plan(plan);
    const std::string verify_failed =
        "certificate verify failed (self-signed certificate in certificate chain)";
    CHECK(check_named(doc, "TLS of nexj.url (crm.example.local)")["detail"] ==
          "crm.example.local:443: " + verify_failed);
    const nlohmann::json& ews = check_named(doc, "TLS of EWS on exch01 (exch01.example.local)");
    CHECK(ews["status"] == "failed");
    CHECK(ews["detail"] == "exch01.example.local:443: " + verify_failed);
    for (const auto& [address, a] : folder_links(doc)) {
      const std::string login = address.substr(17, address.rfind('/') - 17);
      CHECK(a["action"] == "unknown");
      // The server whose check failed is not asked at all.
      CHECK(a["reason"] ==
            unknown_reason(login + "@example.com",
                           "not asked: the TLS check of TLS of EWS on exch01 "
                           "(exch01.example.local) failed: exch01.example.local:443: " +
                               verify_failed));
    }
    CHECK(lab.server().stats().requests == 0);
    CHECK(run_cli(apply_args(w), env).code == 1);
    CHECK_FALSE(file_exists(w.path(kStore)));
  }
}

TEST_CASE("exchange e2e: a wrong service account password", "[e2e][exchange-e2e]") {
  const std::string bad_credentials =
      "exch01.example.local:443: cannot authenticate nexj-sync@example.local with kerberos: "
      "cannot get credentials for nexj-sync@EXAMPLE.LOCAL: wrong password or key for "
      "nexj-sync@EXAMPLE.LOCAL";
  const std::map<std::string, std::string> wrong{{"NEXJ_SYNC_PASSWORD", "not-the-password"}};
  SECTION("the KDC refuses it before any request; the latch answers for every mailbox") {
    RunningLab lab(
        quickstart_lab_directory({"jsmith@example.com", "mlee@example.com", "akumar@example.com"}));
    Workspace w("examples/quickstart.yaml");
    CliRun plan = run_in_lab(lab, plan_args(w, {"--json", "--ews-concurrency", "1"}), wrong);
    INFO(plan.err);
    CHECK(plan.code == 1);
    CHECK(lab.server().stats().requests == 0);
    std::map<std::string, nlohmann::json> links = folder_links(parse_plan(plan));
    REQUIRE(links.size() == 6);
    for (const auto& [address, a] : links) {
      const std::string login = address.substr(17, address.rfind('/') - 17);
      CHECK(a["action"] == "unknown");
      CHECK(a["reason"] == unknown_reason(login + "@example.com", bad_credentials));
    }
    CliRun apply = run_in_lab(lab, apply_args(w), wrong);
    CHECK(apply.code == 1);
    CHECK(contains(apply.err, "cannot apply: 6 objects could not be read"));
    CHECK_FALSE(file_exists(w.path(kStore)));
  }
  SECTION("Basic, 32 users: only the requests already in flight reach the server") {
    const std::vector<std::string> logins = numbered_users(32);
    RunningLab lab(quickstart_lab_directory(emails_of(logins)));
    Workspace w("examples/quickstart.yaml");
    use_csv_users(w, logins);
    // Basic: the server's 401 is what refuses the password, so requests are in flight.
    std::string spec = *read_text(w.spec());
    spec = replaced_once(spec, "    auth: kerberos                          # EWS too",
                         "    auth: basic                             # EWS too");
    w.write("quickstart.yaml", spec);
    CliRun plan = run_in_lab(lab, plan_args(w, {"--json"}), wrong);
    CHECK(plan.code == 1);
    CHECK(lab.server().stats().requests >= 1);
    CHECK(lab.server().stats().requests <= 8);  // --ews-concurrency's default
    nlohmann::json doc = parse_plan(plan);
    CHECK(doc["summary"]["unknown"] == 96);
    CHECK(std::regex_match(single_ews_summary(plan.err),
                           std::regex(R"(Exchange: asked 32 mailboxes on 1 server in \d+\.\d\d )"
                                      R"(s; 32 could not be checked; not throttled)")));
  }
}
