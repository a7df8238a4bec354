// The mailbox checks plan runs (runtime/mailbox_checks.h over EwsClient::create) against lab
// faults the CLI cannot show in seconds: a stalled answer ends only at the client's read timeout
// (60 s by default, and the lab holds a stall for 30 s; the CLI has no option for either), and a
// server that throttles every request ends only at max_throttled_wait (30 minutes by default).
// Here the endpoint gets short limits, as a CLI option would give it.
#include <catch2/catch.hpp>

#include "runtime/http/https_url.h"
#include "runtime/mailbox_checks.h"
#include "tests/cli/lab_support.h"

using namespace std::chrono_literals;

namespace {

const char* kAccount = "nexj-sync@example.local";
const std::vector<std::string> kFolders{"calendar", "tasks", "contacts"};

std::vector<std::string> mailboxes(size_t count) {
  std::vector<std::string> out;
  for (size_t i = 1; i <= count; ++i) out.push_back("user" + std::to_string(i) + "@example.com");
  return out;
}

std::string directory(const std::vector<std::string>& smtps) {
  std::string out = "hostnames: [exch01.example.local]\naccounts:\n  - {upn: " +
                    std::string(kAccount) +
                    ", password: sync-pw, impersonation: all, throttling: unlimited}\n"
                    "mailboxes:\n";
  for (const std::string& smtp : smtps) out += "  - {smtp: " + smtp + "}\n";
  return out;
}

// The quickstart's EWS endpoint, reaching the lab, with a short read timeout and backoff.
sd::EwsEndpoint endpoint(sd::test::RunningLab& lab) {
  sd::EwsEndpoint e;
  e.url = "https://exch01.example.local/EWS/Exchange.asmx";
  e.ca_file = lab.server().ca_file();
  e.user = kAccount;
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
  for (const std::string& smtp : smtps) users.push_back({smtp, "EXCH01", kFolders});
  Checked out;
  out.report = sd::check_mailboxes(
      users, {{"EXCH01", e}}, [](const sd::EwsEndpoint& ep) { return sd::EwsClient::create(ep); },
      e.scheduling.concurrency, out.observed);
  return out;
}

}  // namespace

TEST_CASE("exchange faults: stalled answers at 30% end at the read timeout, never a wrong id",
          "[e2e][exchange-e2e][exchange-faults]") {
  const std::vector<std::string> smtps = mailboxes(32);
  sd::lab::FaultOptions faults;
  faults.stall_rate = 0.3;
  faults.seed = 9;
  sd::test::RunningLab lab(directory(smtps), faults);
  Checked c = check(smtps, endpoint(lab));
  CHECK(c.report.asked == 32);
  CHECK(lab.server().stats().faults > 0);
  size_t failed = 0;
  for (const std::string& smtp : smtps) {
    const sd::MailboxObservation& o = c.observed.mailboxes.at(smtp);
    INFO(smtp << ": " << o.reason);
    if (o.status == sd::MailboxObservation::Status::Ok) {
      REQUIRE(o.folder_ids.size() == 3);
      for (const std::string& folder : kFolders)
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
  const std::vector<std::string> smtps = mailboxes(3);
  sd::lab::FaultOptions faults;
  faults.stall_rate = 1.0;
  sd::test::RunningLab lab(directory(smtps), faults);
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

TEST_CASE("exchange faults: a server that throttles every request: given up after the limit",
          "[e2e][exchange-e2e][exchange-faults]") {
  const std::vector<std::string> smtps = mailboxes(3);
  sd::lab::FaultOptions faults;
  std::string why;
  SECTION("ErrorServerBusy") {
    faults.busy_rate = 1.0;
    faults.busy_back_off = 100ms;
    why = "the server is busy and throttled the request (ErrorServerBusy)";
  }
  SECTION("HTTP 503") {
    faults.http503_rate = 1.0;
    why = "HTTP 503 Service Unavailable";
  }
  sd::test::RunningLab lab(directory(smtps), faults);
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
