#include "runtime/journal.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <numeric>

#include "base/sqlite_database.h"
#include "tests/base/result_support.h"
#include "tests/base/sqlite_support.h"
#include "tests/base/temp_dir_support.h"
#include "tests/runtime/journal_support.h"

using namespace sd;
using sd::testing::three_actions;

namespace {

using sd::test::kT0;
using sd::test::open_db;
using sd::test::TempDir;

// Every row of a query with `columns` columns, joined by '|', NULL as "NULL".
std::vector<std::string> rows(SqlDatabase& db, const std::string& sql, int columns) {
  auto stmt = db.prepare(sql);
  REQUIRE(stmt.ok());
  std::vector<std::string> out;
  for (;;) {
    Result<bool> row = (*stmt)->step();
    REQUIRE(row.ok());
    if (!*row) break;
    std::string line;
    for (int c = 0; c < columns; ++c)
      line += (c ? "|" : "") + ((*stmt)->is_null(c) ? "NULL" : (*stmt)->column_text(c));
    out.push_back(line);
  }
  return out;
}

using sd::test::message;

}  // namespace

TEST_CASE("Journal records a run's lifecycle as exact rows", "[journal]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  int64_t now = kT0;
  auto journal = open_journal(*db, [&] { return now++; });
  REQUIRE(journal.ok());
  Journal& j = **journal;

  Result<int64_t> run = j.begin_run(three_actions());
  REQUIRE(run.ok());
  CHECK(*run == 1);
  CHECK(rows(*db, "SELECT * FROM journal_runs", 11) ==
        std::vector<std::string>{"1|acme-prod|plan-1|sha256:9f2c41d07e5b|alice@build-7 pid 4242|"
                                 "2026-11-24T21:49:04Z|NULL|running|NULL|3|" +
                                 three_actions().actions});

  std::vector<uint32_t> first = {0, 1};
  Result<int64_t> batch = j.record_intent(*run, first, "NexJ https://crm.acme");
  REQUIRE(batch.ok());
  CHECK(
      rows(*db, "SELECT * FROM journal_batches", 8) ==
      std::vector<std::string>{"1|1|NexJ https://crm.acme|0-1|2|intent|2026-11-24T21:49:05Z|NULL"});

  std::vector<ActionOutcome> exceptions = {{1, Outcome::AlreadyDone, ""}};
  REQUIRE(j.record_outcome(*run, *batch, exceptions).ok());
  CHECK(rows(*db, "SELECT state, finished FROM journal_batches", 2) ==
        std::vector<std::string>{"done|2026-11-24T21:49:06Z"});

  std::vector<ActionOutcome> skipped = {{2, Outcome::Skipped, "depends on action 1"}};
  REQUIRE(j.record_not_attempted(*run, skipped).ok());
  CHECK(rows(*db, "SELECT * FROM journal_exceptions ORDER BY action", 5) ==
        std::vector<std::string>{"1|1|1|already done|", "1|2|NULL|skipped|depends on action 1"});

  CHECK(j.interrupted_runs("acme-prod", 0).value().size() == 1);
  REQUIRE(j.finish_run(*run, "partial").ok());
  CHECK(rows(*db, "SELECT status, finished, resumed_by FROM journal_runs", 3) ==
        std::vector<std::string>{"partial|2026-11-24T21:49:07Z|NULL"});
  CHECK(j.interrupted_runs("acme-prod", 0).value().empty());

  // A finished run takes nothing more.
  CHECK(message(j.record_intent(*run, first, "x")) == "journal: run 1 is partial, not running");
  CHECK(message(j.finish_run(*run, "done")) == "journal: run 1 is partial, not running");
  CHECK(message(j.finish_run(99, "done")) == "journal: there is no run 99");
}

TEST_CASE("Journal refuses inconsistent records and keeps nothing of them", "[journal]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  auto journal = open_journal(*db, [] { return kT0; });
  REQUIRE(journal.ok());
  Journal& j = **journal;

  RunStart wrong = three_actions();
  wrong.action_count = 4;
  CHECK(message(j.begin_run(wrong)) ==
        "journal: the action list has 3 lines but action_count is 4");
  CHECK(j.begin_run(wrong).errors().front().where.file == dir.path + "/j.db");

  int64_t run = j.begin_run(three_actions()).value();
  std::vector<uint32_t> out_of_range = {1, 3};
  CHECK(message(j.record_intent(run, out_of_range, "s")) ==
        "journal: action 3 is not in run 1 (3 actions)");
  std::vector<uint32_t> twice = {1, 0, 1};
  CHECK(message(j.record_intent(run, twice, "s")) ==
        "journal: a batch lists the same action twice");
  CHECK(message(j.record_intent(run, {}, "s")) == "journal: a batch needs at least one action");
  CHECK(rows(*db, "SELECT count(*) FROM journal_batches", 1) == std::vector<std::string>{"0"});

  std::vector<uint32_t> batch_actions = {0, 1};
  int64_t batch = j.record_intent(run, batch_actions, "s").value();
  std::vector<ActionOutcome> not_in_batch = {{0, Outcome::Failed, "boom"},
                                             {2, Outcome::Failed, ""}};
  CHECK(message(j.record_outcome(run, batch, not_in_batch)) ==
        "journal: action 2 is not in batch 1 of run 1");
  std::vector<ActionOutcome> done = {{0, Outcome::Done, ""}};
  CHECK(message(j.record_outcome(run, batch, done)) ==
        "journal: action 0 is listed as an exception but its outcome is done");
  CHECK(message(j.record_outcome(run, 7, {})) == "journal: there is no batch 7 of run 1");
  // Nothing of the refused calls stayed: the batch is still an intent, no exception rows.
  CHECK(rows(*db, "SELECT state FROM journal_batches", 1) == std::vector<std::string>{"intent"});
  CHECK(rows(*db, "SELECT count(*) FROM journal_exceptions", 1) == std::vector<std::string>{"0"});

  std::vector<ActionOutcome> failed = {{0, Outcome::Failed, "boom"}};
  REQUIRE(j.record_outcome(run, batch, failed).ok());
  CHECK(message(j.record_outcome(run, batch, {})) ==
        "journal: batch 1 of run 1 already has its outcome");
  std::vector<ActionOutcome> again = {{0, Outcome::Skipped, "x"}};
  CHECK(message(j.record_not_attempted(run, again))
            .starts_with("journal: cannot record the outcome of action 0 of run 1: "));
  std::vector<ActionOutcome> a_done = {{2, Outcome::Done, ""}};
  CHECK(message(j.record_not_attempted(run, a_done)) ==
        "journal: action 2 is done; done actions are recorded with their batch");
  CHECK(message(j.finish_run(run, "running")) ==
        "journal: a run ends as done or partial, not 'running'");
}

TEST_CASE("Journal finds interrupted runs and closes them", "[journal]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  int64_t now = kT0;
  auto journal = open_journal(*db, [&] { return now; });
  REQUIRE(journal.ok());
  Journal& j = **journal;

  RunStart ten = three_actions();
  ten.actions.clear();
  for (int i = 0; i < 10; ++i) ten.actions += "create x/" + std::to_string(i) + "\n";
  ten.action_count = 10;
  int64_t killed = j.begin_run(ten).value();
  std::vector<uint32_t> first = {0, 1, 2, 3}, second = {4, 5, 6}, third = {9};
  REQUIRE(j.record_outcome(killed, j.record_intent(killed, first, "s").value(), {}).ok());
  REQUIRE(j.record_intent(killed, second, "s").ok());
  REQUIRE(j.record_intent(killed, third, "s").ok());
  int64_t other_deployment = j.begin_run(three_actions("acme-test")).value();
  int64_t finished = j.begin_run(three_actions()).value();
  REQUIRE(j.finish_run(finished, "done").ok());

  now = kT0 + 60;
  int64_t resuming = j.begin_run(three_actions()).value();
  auto found = j.interrupted_runs("acme-prod", resuming);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  const InterruptedRun& r = found->front();
  CHECK(r.id == killed);
  CHECK(r.plan_id == "plan-1");
  CHECK(r.started == "2026-11-24T21:49:03Z");
  CHECK(r.holder == "alice@build-7 pid 4242");
  CHECK(r.action_count == 10);
  CHECK(r.finished == 4);
  CHECK(r.in_flight == 4);
  CHECK(j.interrupted_runs("acme-test", 0).value().front().id == other_deployment);

  std::vector<int64_t> to_close = {killed};
  REQUIRE(j.close_interrupted(to_close, resuming).ok());
  CHECK(rows(*db, "SELECT status, finished, resumed_by FROM journal_runs WHERE id = 1", 3) ==
        std::vector<std::string>{"interrupted|NULL|" + std::to_string(resuming)});
  CHECK(j.interrupted_runs("acme-prod", resuming).value().empty());
  CHECK(message(j.close_interrupted(to_close, resuming)) ==
        "journal: run 1 is interrupted, not running");
}

TEST_CASE("Journal migrates once and refuses a newer schema", "[journal]") {
  TempDir dir;
  const std::string path = dir.path + "/store.db.journal.db";
  CHECK(default_journal_path(dir.path + "/store.db") == path);
  {
    auto db = open_db(path);
    REQUIRE(open_journal(*db, [] { return kT0; }).ok());
    REQUIRE((*open_journal(*db, [] { return kT0; }))->begin_run(three_actions()).ok());
  }
  {
    // Reopened later: the migration row keeps its first time, the run is still there.
    auto db = open_db(path);
    REQUIRE(open_journal(*db, [] { return kT0 + 3600; }).ok());
    CHECK(rows(*db, "SELECT * FROM journal_version", 2) ==
          std::vector<std::string>{"1|2026-11-24T21:49:03Z"});
    CHECK(rows(*db, "SELECT count(*) FROM journal_runs", 1) == std::vector<std::string>{"1"});
  }
  {
    // An up-to-date journal opens read-only: no migration, so no write.
    auto db = open_db(path, SqlOpenMode::ReadOnly);
    auto journal = open_journal(*db);
    REQUIRE(journal.ok());
    CHECK((*journal)->interrupted_runs("acme-prod", 0).value().size() == 1);
  }
  {
    auto db = open_db(path);
    REQUIRE(db->exec("INSERT INTO journal_version VALUES (2, '2030-01-01T00:00:00Z')").ok());
    auto journal = open_journal(*db);
    REQUIRE_FALSE(journal.ok());
    CHECK(journal.errors().front().format() ==
          path +
              ": error: the journal has schema version 2; this syncdeploy knows up to version 1: "
              "use a newer syncdeploy");
  }
}

TEST_CASE("Journal names outcomes and formats times", "[journal]") {
  CHECK(to_string(Outcome::Done) == "done");
  CHECK(to_string(Outcome::AlreadyDone) == "already done");
  CHECK(to_string(Outcome::Failed) == "failed");
  CHECK(to_string(Outcome::Skipped) == "skipped");
  CHECK(to_string(Outcome::Refused) == "refused");
  CHECK(format_utc(kT0) == "2026-11-24T21:49:03Z");
  CHECK(format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(system_clock_seconds() > kT0 - 10LL * 365 * 86400);
}

TEST_CASE("Journal stores 300,000 actions as one list and one batch row", "[journal]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  auto journal = open_journal(*db);
  REQUIRE(journal.ok());
  Journal& j = **journal;

  constexpr uint32_t kCount = 300'000;
  RunStart big = three_actions();
  big.actions.clear();
  big.actions.reserve(kCount * 44);
  for (uint32_t i = 0; i < kCount; ++i)
    big.actions += "create nexj.folder_link/user" + std::to_string(1000000 + i) + "/calendar\n";
  big.action_count = kCount;
  REQUIRE(big.actions.size() > 12'000'000);
  std::vector<uint32_t> all(kCount);
  std::iota(all.begin(), all.end(), 0u);

  // Compact by construction (one row per batch, ranges not rows), which is what keeps it fast;
  // the time itself is measured by bench/apply_100k.sh, not asserted here.
  int64_t run = j.begin_run(big).value();
  int64_t batch = j.record_intent(run, all, "Exchange").value();
  REQUIRE(j.record_outcome(run, batch, {}).ok());

  CHECK(rows(*db, "SELECT length(actions) FROM journal_runs", 1) ==
        std::vector<std::string>{std::to_string(big.actions.size())});
  CHECK(rows(*db, "SELECT actions, action_count, state FROM journal_batches", 3) ==
        std::vector<std::string>{"0-299999|300000|done"});

  // Gaps and single actions: ranges where consecutive, order kept.
  std::vector<uint32_t> gaps(all.begin(), all.begin() + 10000);
  gaps.push_back(10002);
  gaps.push_back(7 + kCount - 10);
  gaps.push_back(kCount - 1);
  int64_t second = j.record_intent(run, gaps, "NexJ").value();
  CHECK(rows(*db, "SELECT actions FROM journal_batches WHERE id = " + std::to_string(second), 1) ==
        std::vector<std::string>{"0-9999,10002,299997,299999"});
  std::vector<ActionOutcome> failed = {{10002, Outcome::Failed, "x"}, {9999, Outcome::Failed, "y"}};
  CHECK(j.record_outcome(run, second, failed).ok());
}
