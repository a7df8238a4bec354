// plan against an Exchange that fails: every fault the lab injects (FaultOptions), at 30% and
// at 100%, through the CLI; then, through the same mailbox checks with short limits, the faults
// the CLI cannot show in seconds: a stalled answer ends only at the client's read timeout (60 s,
// and the lab holds a stall for 30 s; the CLI has no option for either), and a server that
// throttles every request only at max_throttled_wait (30 minutes).
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "runtime/exchange/mailbox_checks.h"
#include "runtime/http/https_url.h"
#include "tests/cli/exchange_support.h"

using namespace sd::test;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kUserFolders{"calendar", "tasks", "contacts"};

// A lab directory for the quickstart's hosts with `mailboxes` and the service account, which
// may impersonate all of them and is not throttled (the faults are what is tested here).
std::string unthrottled_directory(const std::vector<std::string>& mailboxes) {
  return quickstart_lab_directory(mailboxes, "impersonation: all, throttling: unlimited");
}

// `count` logins: user1, user2, ...
std::vector<std::string> user_logins(size_t count) {
  std::vector<std::string> out;
  for (size_t i = 1; i <= count; ++i) out.push_back("user" + std::to_string(i));
  return out;
}

// plan_args() with --json before `more`.
std::vector<std::string> json_plan_args(const Workspace& w,
                                        const std::vector<std::string>& more = {}) {
  std::vector<std::string> flags{"--json"};
  flags.insert(flags.end(), more.begin(), more.end());
  return plan_args(w, flags);
}

struct FaultRun {
  size_t resolved = 0, failed = 0;  // users
};

// Every link of `plan` either carries the lab's folder id or, with all the user's links, is
// unknown with "gave up after 5 attempts: <why>": never a wrong id.
FaultRun check_ids_or_gave_up(RunningLab& lab, const nlohmann::json& plan,
                              const std::vector<std::string>& logins, const std::string& why) {
  std::map<std::string, nlohmann::json> links = folder_links(plan);
  REQUIRE(links.size() == 3 * logins.size());
  FaultRun out;
  for (const std::string& login : logins) {
    const std::string smtp = login + "@example.com";
    const nlohmann::json& first = links["nexj.folder_link/" + login + "/calendar"];
    const bool resolved = first["action"] == "create";
    ++(resolved ? out.resolved : out.failed);
    for (const char* folder : {"calendar", "tasks", "contacts"}) {
      const nlohmann::json& a = links["nexj.folder_link/" + login + "/" + folder];
      INFO(a.dump());
      if (resolved) {
        CHECK(a["action"] == "create");
        CHECK(field_after(a, "folderId") == lab_folder_id(lab, smtp, folder));
      } else {
        CHECK(a["action"] == "unknown");
        CHECK(a["reason"] == unknown_reason(smtp, "gave up after 5 attempts: " + why));
        CHECK(a["reason"] == first["reason"]);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("exchange faults: injected faults at 30% end in the right ids or a clear reason",
          "[e2e][exchange-e2e]") {
  const std::vector<std::string> logins = user_logins(32);
  sd::lab::FaultOptions faults;
  faults.seed = 4;
  std::string why;           // how a user that gave up is explained
  bool may_give_up = false;  // retries can run out (5 attempts at 30%: rarely)
  bool counted = true;       // the lab counts the fault in stats().faults
  std::string no_answer;     // the summary's part on requests that got no answer, as a regex
  SECTION("ErrorInternalServerError on HTTP 500") {
    faults.error_rate = 0.3;
    why = "the server failed internally (ErrorInternalServerError)";
    may_give_up = true;
  }
  SECTION("ErrorServerBusy") {
    faults.busy_rate = 0.3;
    faults.busy_back_off = std::chrono::milliseconds(100);
  }
  SECTION("HTTP 503 with Retry-After") {
    faults.http503_rate = 0.3;
  }
  SECTION("connection reset") {
    faults.reset_rate = 0.3;
    why = "exch01.example.local:443: the connection closed before the response";
    may_give_up = true;
    no_answer = R"((; \d+ requests? got no answer \(\d+\.\d\d s waited on them in all\))?)";
  }
  SECTION("latency") {
    faults.latency = std::chrono::milliseconds(40);
    counted = false;
  }
  RunningLab lab(unthrottled_directory(emails_of(logins)), faults);
  Workspace w("examples/quickstart.yaml");
  use_csv_users(w, logins);

  CliRun plan = run_in_lab(lab, json_plan_args(w, {"--ews-concurrency", "32"}));
  INFO(plan.err);
  REQUIRE(plan.code == 0);
  FaultRun result = check_ids_or_gave_up(lab, parse_plan(plan), logins, why);
  if (!may_give_up) CHECK(result.failed == 0);
  if (counted) CHECK(lab.server().stats().faults > 0);  // the faults did happen
  const std::string failed_part =
      result.failed ? "; " + std::to_string(result.failed) + " could not be checked" : "";
  CHECK(std::regex_match(ews_summary(plan.err),
                         std::regex(R"(Exchange: asked 32 mailboxes on 1 server in \d+\.\d\d s)" +
                                    failed_part + R"(; (not throttled|throttled \d+ times?, )" +
                                    R"(\d+\.\d\d s spent throttled))" + no_answer)));
}

// Hidden (run it with [exchange-stall-cli]): a stalled answer ends only when the lab gives up on
// it (30 s) or at the client's read timeout (60 s), and the CLI has no option to shorten either:
// this took 92 s. The tests at the end cover stalls with a short read timeout instead.
TEST_CASE("exchange faults: stalled answers at 30% through the CLI", "[.][exchange-stall-cli]") {
  const std::vector<std::string> logins = user_logins(32);
  sd::lab::FaultOptions faults;
  faults.stall_rate = 0.3;
  faults.seed = 4;
  RunningLab lab(unthrottled_directory(emails_of(logins)), faults);
  Workspace w("examples/quickstart.yaml");
  use_csv_users(w, logins);
  CliRun plan = run_in_lab(lab, json_plan_args(w, {"--ews-concurrency", "32"}));
  INFO(plan.err);
  REQUIRE(plan.code == 0);
  CHECK(lab.server().stats().faults > 0);
  FaultRun result = check_ids_or_gave_up(
      lab, parse_plan(plan), logins,
      "exch01.example.local:443: the connection closed in the middle of the response");
  CHECK(result.resolved + result.failed == 32);
  const std::string failed_part =
      result.failed ? "; " + std::to_string(result.failed) + " could not be checked" : "";
  CHECK(std::regex_match(ews_summary(plan.err),
                         std::regex(R"(Exchange: asked 32 mailboxes on 1 server in \d+\.\d\d s)" +
                                    failed_part + "; not throttled")));
}

TEST_CASE("exchange faults: every request failing leaves every user unknown, apply refuses",
          "[e2e][exchange-e2e]") {
  sd::lab::FaultOptions faults;
  std::string why;
  std::optional<uint64_t> requests;  // what the lab sees for the plan, when it is exact
  std::string no_answer;             // the summary's end
  bool and_apply = false;            // apply refuses the same way whatever the kind: once is enough
  SECTION("ErrorInternalServerError") {
    and_apply = true;
    faults.error_rate = 1.0;
    why = "gave up after 5 attempts: the server failed internally (ErrorInternalServerError)";
    requests = 3 * 5;  // 3 users, 5 attempts each
  }
  SECTION("connection reset") {
    faults.reset_rate = 1.0;
    why =
        "gave up after 5 attempts: exch01.example.local:443: the connection closed before the "
        "response";
    requests = 3 * 5;
    no_answer = R"(; 15 requests got no answer \(\d+\.\d\d s waited on them in all\))";
  }
  RunningLab lab(
      unthrottled_directory({"jsmith@example.com", "mlee@example.com", "akumar@example.com"}),
      faults);
  Workspace w("examples/quickstart.yaml");

  CliRun plan = run_in_lab(lab, json_plan_args(w));
  INFO(plan.out << plan.err);
  CHECK(plan.code == 1);  // every user unknown: the plan cannot be applied
  CHECK(std::regex_match(ews_summary(plan.err),
                         std::regex(R"(Exchange: asked 3 mailboxes on 1 server in \d+\.\d\d s; )"
                                    R"(3 could not be checked; not throttled)" +
                                    no_answer)));
  if (requests) CHECK(lab.server().stats().requests == *requests);
  nlohmann::json doc = parse_plan(plan);
  CHECK(doc["summary"]["unknown"] == 6);
  CHECK(doc["applyable"] == false);
  for (const auto& [address, a] : folder_links(doc)) {
    INFO(address);
    const std::string login = address.substr(17, address.rfind('/') - 17);
    CHECK(a["action"] == "unknown");
    CHECK(a["reason"] == unknown_reason(login + "@example.com", why));
  }

  if (!and_apply) return;
  CliRun apply = run_in_lab(lab, apply_args(w));
  INFO(apply.out << apply.err);
  CHECK(apply.code == 1);
  CHECK(contains(apply.out, "nexj.folder_link/jsmith/{calendar,contacts,tasks}  " +
                                unknown_reason("jsmith@example.com", why)));
  CHECK(
      contains(apply.err,
               "syncdeploy: error: cannot apply: 6 objects could not be read; nothing was changed "
               "(see the plan above)\n"));
  CHECK_FALSE(file_exists(w.path(kStore)));
  CHECK_FALSE(file_exists(w.path(kQuickstartEnvironmentFile)));
}

namespace {

// The quickstart's EWS endpoint, reaching the lab, with a short read timeout and backoff.
sd::EwsEndpoint endpoint(RunningLab& lab) {
  sd::EwsEndpoint e;
  e.url = "https://exch01.example.local/EWS/Exchange.asmx";
  e.ca_file = lab.server().ca_file();
  e.user = kQuickstartServiceAccount;
  e.password = "sync-pw";
  auto connect_to = sd::http::parse_connect_to(lab.env().at("SYNCDEPLOY_CONNECT_TO"));
  REQUIRE(connect_to.ok());
  e.connect_to = *connect_to;
  e.connect_timeout = 5s;
  e.read_timeout = 500ms;
  e.scheduling.concurrency = 32;
  e.scheduling.base_delay = 20ms;
  e.scheduling.seed = 1;
  return e;
}

struct Checked {
  sd::MailboxCheckReport report;
  sd::ObservedState observed;
};

Checked check(const std::vector<std::string>& smtps, const sd::EwsEndpoint& e) {
  std::vector<sd::MailboxToCheck> users;
  for (const std::string& smtp : smtps) users.push_back({smtp, "EXCH01", kUserFolders});
  Checked out;
  out.report = sd::check_mailboxes(
      users, {{"EXCH01", e}}, [](const sd::EwsEndpoint& ep) { return sd::EwsClient::create(ep); },
      e.scheduling.concurrency, out.observed);
  return out;
}

}  // namespace

TEST_CASE("exchange faults: stalled answers at 30% end at the read timeout, never a wrong id",
          "[e2e][exchange-e2e][exchange-faults]") {
  const std::vector<std::string> smtps = emails_of(user_logins(32));
  sd::lab::FaultOptions faults;
  faults.stall_rate = 0.3;
  faults.seed = 9;
  RunningLab lab(unthrottled_directory(smtps), faults);
  Checked c = check(smtps, endpoint(lab));
  CHECK(c.report.asked == 32);
  CHECK(lab.server().stats().faults > 0);
  size_t failed = 0;
  for (const std::string& smtp : smtps) {
    const sd::MailboxObservation& o = c.observed.mailboxes.at(smtp);
    INFO(smtp << ": " << o.reason);
    if (o.status == sd::MailboxObservation::Status::Ok) {
      REQUIRE(o.folder_ids.size() == 3);
      for (const std::string& folder : kUserFolders)
        CHECK(o.folder_ids.at(folder) ==
              lab.server().state().distinguished_folder(smtp, folder)->id);
    } else {
      ++failed;
      CHECK(o.status == sd::MailboxObservation::Status::Unknown);
      CHECK(o.reason ==
            "gave up after 5 attempts: exch01.example.local:443: read timed out after 500 ms");
      CHECK(o.folder_ids.empty());
    }
  }
  CHECK(c.report.failed == failed);
  CHECK(c.report.scheduling.retries > 0);  // the stalls were retried
}

TEST_CASE("exchange faults: every answer stalled: every user unknown with the timeout",
          "[e2e][exchange-e2e][exchange-faults]") {
  const std::vector<std::string> smtps = emails_of(user_logins(3));
  sd::lab::FaultOptions faults;
  faults.stall_rate = 1.0;
  RunningLab lab(unthrottled_directory(smtps), faults);
  Checked c = check(smtps, endpoint(lab));
  CHECK(c.report.failed == 3);
  for (const std::string& smtp : smtps) {
    const sd::MailboxObservation& o = c.observed.mailboxes.at(smtp);
    CHECK(o.status == sd::MailboxObservation::Status::Unknown);
    CHECK(o.reason ==
          "gave up after 5 attempts: exch01.example.local:443: read timed out after 500 ms");
  }
  CHECK(lab.server().stats().requests == 15);  // 3 users, 5 attempts each
}

TEST_CASE(
    "exchange faults: a server that stalls every answer is given up after 16, whatever "
    "the number of users",
    "[e2e][exchange-e2e][exchange-faults]") {
  const std::vector<std::string> smtps = emails_of(user_logins(1000));
  sd::lab::FaultOptions faults;
  faults.stall_rate = 1.0;
  RunningLab lab(unthrottled_directory(smtps), faults);
  const auto started = std::chrono::steady_clock::now();
  Checked c = check(smtps, endpoint(lab));
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(c.report.failed == 1000);
  // A round or two of timeouts (32 in flight, 500 ms each), not 5 attempts for each user.
  CHECK(took < 10s);
  CHECK(lab.server().stats().requests <= 64);
  CHECK(c.report.endpoints_stopped == 1);
  const std::string stopped =
      "exch01.example.local:443: not asked again in this run: 16 requests in a row got no answer "
      "(read timed out after 500 ms)";
  for (const std::string& smtp : smtps) {
    const sd::MailboxObservation& o = c.observed.mailboxes.at(smtp);
    INFO(smtp << ": " << o.reason);
    CHECK(o.status == sd::MailboxObservation::Status::Unknown);
    // Those in flight when it stopped too: their next attempt is refused the same way.
    CHECK(o.reason == stopped);
  }
  CHECK(std::regex_match(c.report.summary(),
                         std::regex(R"(Exchange: asked 1000 mailboxes on 1 server in \d+\.\d\d s; )"
                                    R"(1000 could not be checked; not throttled; \d+ requests got )"
                                    R"(no answer \(\d+\.\d\d s waited on them in all\); )"
                                    R"(1 server not asked again)")));
}

TEST_CASE(
    "exchange faults: a slow server: the mailbox phase ends at its deadline, the rest unknown",
    "[e2e][exchange-e2e][exchange-faults]") {
  const std::vector<std::string> smtps = emails_of(user_logins(200));
  sd::lab::FaultOptions faults;
  faults.latency = 100ms;  // every answer; 4 at a time: 40 a second
  RunningLab lab(unthrottled_directory(smtps), faults);
  sd::EwsEndpoint e = endpoint(lab);
  e.scheduling.concurrency = 4;
  e.scheduling.deadline = std::chrono::steady_clock::now() + 1s;
  e.scheduling.deadline_why = "past the test's 1 s";
  const auto started = std::chrono::steady_clock::now();
  Checked c = check(smtps, e);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  size_t ok = 0;
  for (const std::string& smtp : smtps) {
    const sd::MailboxObservation& o = c.observed.mailboxes.at(smtp);
    if (o.status == sd::MailboxObservation::Status::Ok) {
      ++ok;
      continue;
    }
    INFO(smtp);
    CHECK(o.status == sd::MailboxObservation::Status::Unknown);
    CHECK(o.reason == "exch01.example.local:443: not asked: past the test's 1 s");
  }
  CHECK(ok > 0);    // what was asked in time was answered
  CHECK(ok < 100);  // and the rest was not asked
  CHECK(c.report.failed == 200 - ok);
}

TEST_CASE("exchange faults: the mailbox phase's budget scales with its work", "[mailboxes]") {
  CHECK(sd::mailbox_phase_budget(0, 8) == 5min);
  CHECK(sd::mailbox_phase_budget(1000, 8) == 5min + 125s);
  CHECK(sd::mailbox_phase_budget(100000, 8) == 5min + 12500s);
  CHECK(sd::mailbox_phase_budget(3, 0) == 5min + 3s);  // no connection count: one
}

TEST_CASE("exchange faults: a server that throttles every request: given up after the limit",
          "[e2e][exchange-e2e][exchange-faults]") {
  const std::vector<std::string> smtps = emails_of(user_logins(3));
  sd::lab::FaultOptions faults;
  std::string why;
  SECTION("ErrorServerBusy") {
    faults.busy_rate = 1.0;
    faults.busy_back_off = 100ms;
    why = "the server is busy and throttled the request (ErrorServerBusy)";
  }
  SECTION("HTTP 503") {
    faults.http503_rate = 1.0;
    why = "HTTP 503 Service Unavailable with Retry-After: 1";
  }
  RunningLab lab(unthrottled_directory(smtps), faults);
  sd::EwsEndpoint e = endpoint(lab);
  e.scheduling.max_throttled_wait = 1500ms;
  Checked c = check(smtps, e);
  CHECK(c.report.failed == 3);
  CHECK(c.report.scheduling.throttled >= 3);
  CHECK(c.report.scheduling.throttled_time >= 900ms);  // the endpoint really waited
  for (const std::string& smtp : smtps) {
    const sd::MailboxObservation& o = c.observed.mailboxes.at(smtp);
    INFO(o.reason);
    CHECK(o.status == sd::MailboxObservation::Status::Unknown);
    CHECK(o.reason.starts_with("gave up after the server throttled the request for "));
    CHECK(o.reason.ends_with(": " + why));
  }
}

TEST_CASE("exchange faults: a slow Exchange gets progress lines while its mailboxes are asked",
          "[e2e][exchange-e2e][progress]") {
  const std::vector<std::string> logins = user_logins(12);
  sd::lab::FaultOptions faults;
  faults.latency = std::chrono::milliseconds(40);
  RunningLab lab(unthrottled_directory(emails_of(logins)), faults);
  Workspace w("examples/quickstart.yaml");
  use_csv_users(w, logins);
  const std::map<std::string, std::string> env = lab.env_with(kDemoSecrets);
  for (bool terminal : {false, true}) {
    sd::cli::Environment environment;
    environment.get_env = [env](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    environment.stderr_is_terminal = terminal;
    environment.progress_interval = std::chrono::milliseconds(100);
    std::ostringstream out, err;
    // One connection, 40 ms an answer: about half a second of asking.
    const std::vector<std::string> args =
        plan_args(w, {"--json", "--ews-concurrency", "1", "--refresh"});
    const int code = sd::cli::run(args, out, err, environment);
    INFO(err.str());
    CHECK(code == 0);
    const std::string said = err.str();
    const std::regex running(terminal
                                 ? R"(\r\x1b\[KExchange: asked \d+ of 12 mailboxes in \d+ s)"
                                 : R"((^|\n)Exchange: asked \d+ of 12 mailboxes in \d+ s[^\n]*\n)");
    CHECK(std::regex_search(said, running));
    // The summary comes last, on a line of its own (on a terminal, in place of the running one).
    CHECK(std::regex_search(said, std::regex(std::string(terminal ? R"(\r\x1b\[K)" : R"(\n)") +
                                             R"(Exchange: asked 12 mailboxes on 1 server in )")));
  }
}
