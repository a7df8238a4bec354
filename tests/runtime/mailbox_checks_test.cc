// How the answers of the users asked over EWS land in the observed state (which users are
// asked: tests/plan/folder_links_test.cc).
#include "runtime/exchange/mailbox_checks.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

using namespace sd;

namespace {

// Answers from a table; records what it was asked.
class FakeEws : public EwsClient {
 public:
  std::map<std::string, MailboxFolders> answers;
  // Owned by the test: check_mailboxes destroys the client before it returns.
  std::shared_ptr<std::vector<std::string>> asked = std::make_shared<std::vector<std::string>>();
  http::SchedulerStats scheduling;
  std::mutex mutex;

  MailboxFolders get_folders(const std::string& smtp,
                             const std::vector<std::string>& folders) override {
    std::lock_guard lock(mutex);
    asked->push_back(smtp + ":" + std::to_string(folders.size()));
    auto found = answers.find(smtp);
    if (found != answers.end()) return found->second;
    MailboxFolders ok;
    ok.status = MailboxFolders::Status::Ok;
    for (const std::string& f : folders) ok.folder_ids[f] = "id-" + smtp + "-" + f;
    return ok;
  }
  Result<std::string> find_or_create_folder(const std::string&, const std::string&,
                                            const std::string&) override {
    return make_error("not used");
  }
  Result<std::vector<ews::ResolvedName>> resolve_names(const std::string&) override {
    return make_error("not used");
  }
  http::SchedulerStats stats() const override { return scheduling; }
};

}  // namespace

TEST_CASE("mailbox checks: answers become observations, per user", "[mailboxes]") {
  auto fake = std::make_unique<FakeEws>();
  FakeEws* ews = fake.get();  // valid until check_mailboxes returns
  std::shared_ptr<std::vector<std::string>> asked = ews->asked;
  MailboxFolders none;
  none.status = MailboxFolders::Status::NoMailbox;
  none.reason = "no such mailbox (ErrorNonExistentMailbox)";
  ews->answers["ghost@acme.com"] = none;
  MailboxFolders broken;
  broken.status = MailboxFolders::Status::Failed;
  broken.reason = "bad credentials for nexj-sync@acme.local (HTTP 401)";
  ews->answers["x@acme.com"] = broken;
  ews->scheduling.throttled = 3;
  ews->scheduling.throttled_time = std::chrono::milliseconds(1250);

  std::vector<MailboxToCheck> users = {{"JSmith@acme.com", "EXCH01", {"calendar", "tasks"}},
                                       {"ghost@acme.com", "EXCH01", {"calendar"}},
                                       {"x@acme.com", "EXCH01", {"calendar"}},
                                       {"far@acme.com", "EXCH09", {"calendar"}}};
  std::map<std::string, EwsEndpoint> endpoints;
  endpoints["EXCH01"].url = "https://exch01.acme.local/EWS/Exchange.asmx";
  int opened = 0;
  ObservedState o;
  MailboxCheckReport report = check_mailboxes(
      users, endpoints,
      [&](const EwsEndpoint&) -> Result<std::unique_ptr<EwsClient>> {
        ++opened;
        return std::unique_ptr<EwsClient>(std::move(fake));
      },
      4, o);
  CHECK(opened == 1);
  CHECK(asked->size() == 3);
  REQUIRE(o.mailboxes.size() == 4);
  const MailboxObservation& jsmith = o.mailboxes.at("jsmith@acme.com");
  CHECK(jsmith.status == MailboxObservation::Status::Ok);
  CHECK(jsmith.folder_ids.at("tasks") == "id-JSmith@acme.com-tasks");
  CHECK(o.mailboxes.at("ghost@acme.com").status == MailboxObservation::Status::CannotSync);
  CHECK(o.mailboxes.at("x@acme.com").status == MailboxObservation::Status::Unknown);
  CHECK(o.mailboxes.at("x@acme.com").reason ==
        "bad credentials for nexj-sync@acme.local (HTTP 401)");
  CHECK(o.mailboxes.at("far@acme.com").reason ==
        "target EXCH09 has no Exchange server in the spec");
  CHECK(report.asked == 4);
  CHECK(report.cannot_sync == 1);
  CHECK(report.failed == 2);
  report.elapsed = std::chrono::milliseconds(2310);
  CHECK(report.summary() ==
        "Exchange: asked 4 mailboxes on 1 server in 2.31 s; 1 cannot sync; 2 could not be "
        "checked; throttled 3 times, 1.25 s spent throttled");
}

TEST_CASE("mailbox checks: an endpoint that cannot be opened fails its users only", "[mailboxes]") {
  std::vector<MailboxToCheck> users = {{"a@acme.com", "EXCH01", {"calendar"}}};
  std::map<std::string, EwsEndpoint> endpoints;
  endpoints["EXCH01"].url = "https://exch01.acme.local/EWS/Exchange.asmx";
  ObservedState o;
  MailboxCheckReport report = check_mailboxes(
      users, endpoints,
      [](const EwsEndpoint&) -> Result<std::unique_ptr<EwsClient>> {
        return make_error("cannot read CA file certs/x.pem: No such file or directory");
      },
      8, o);
  CHECK(o.mailboxes.at("a@acme.com").status == MailboxObservation::Status::Unknown);
  CHECK(o.mailboxes.at("a@acme.com").reason ==
        "cannot read CA file certs/x.pem: No such file or directory");
  report.elapsed = std::chrono::milliseconds(5);
  CHECK(report.summary() ==
        "Exchange: asked 1 mailbox on 1 server in 0.01 s; 1 could not be checked; not throttled");
}

TEST_CASE("mailbox checks: the progress line says how far, how fast, and how long is left",
          "[mailboxes][progress]") {
  using std::chrono::milliseconds;
  CHECK(MailboxProgress{1200, 20000, milliseconds(12'000), milliseconds(600)}.line() ==
        "Exchange: asked 1200 of 20000 mailboxes in 12 s (100/s); 0.60 s throttled; about 3 min "
        "left");
  CHECK(MailboxProgress{0, 5, milliseconds(1'000), milliseconds(0)}.line() ==
        "Exchange: asked 0 of 5 mailboxes in 1 s");
  CHECK(MailboxProgress{0, 1, milliseconds(10'000), milliseconds(9'500)}.line() ==
        "Exchange: asked 0 of 1 mailbox in 10 s; 9.50 s throttled");
  CHECK(MailboxProgress{4, 4, milliseconds(2'000), milliseconds(0)}.line() ==
        "Exchange: asked 4 of 4 mailboxes in 2 s (2/s)");
  CHECK(MailboxProgress{100, 100000, milliseconds(10'000), milliseconds(0)}.line() ==
        "Exchange: asked 100 of 100000 mailboxes in 10 s (10/s); about 2 h 47 min left");
}

namespace {

// Answers one mailbox every 20 ms, counting what it was asked as its scheduler would.
class SlowEws : public FakeEws {
 public:
  std::shared_ptr<std::atomic<uint64_t>> sent = std::make_shared<std::atomic<uint64_t>>(0);
  MailboxFolders get_folders(const std::string& smtp,
                             const std::vector<std::string>& folders) override {
    ++*sent;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return FakeEws::get_folders(smtp, folders);
  }
  http::SchedulerStats stats() const override {
    http::SchedulerStats s;
    s.requests = sent->load();
    return s;
  }
};

}  // namespace

TEST_CASE("mailbox checks: progress is reported while they run, never past the total",
          "[mailboxes][progress]") {
  auto fake = std::make_unique<SlowEws>();
  std::vector<MailboxToCheck> users;
  for (int i = 0; i < 10; ++i)
    users.push_back({"user" + std::to_string(i) + "@acme.com", "EXCH01", {"calendar"}});
  std::map<std::string, EwsEndpoint> endpoints;
  endpoints["EXCH01"].url = "https://exch01.acme.local/EWS/Exchange.asmx";
  std::mutex mutex;
  std::vector<MailboxProgress> seen;
  MailboxProgressReporting reporting;
  reporting.interval = std::chrono::milliseconds(30);
  reporting.report = [&](const MailboxProgress& now) {
    std::lock_guard lock(mutex);
    seen.push_back(now);
  };
  ObservedState o;
  MailboxCheckReport report = check_mailboxes(
      users, endpoints,
      [&](const EwsEndpoint&) -> Result<std::unique_ptr<EwsClient>> {
        return std::unique_ptr<EwsClient>(std::move(fake));
      },
      1, o, reporting);
  CHECK(report.asked == 10);
  std::lock_guard lock(mutex);
  REQUIRE(seen.size() >= 2);  // about 200 ms of checks, a report every 30 ms
  for (size_t i = 0; i < seen.size(); ++i) {
    CHECK(seen[i].total == 10);
    CHECK(seen[i].asked <= 10);
    if (i > 0) CHECK(seen[i].asked >= seen[i - 1].asked);
    if (i > 0) CHECK(seen[i].elapsed > seen[i - 1].elapsed);
  }
  CHECK(seen.back().asked > seen.front().asked);
}
