// The SQLite files of the runtime (the configuration store, the journal, the lock's lease)
// written through a VFS that fails on command: a full disk or an I/O error while writing the
// rollback journal or the database, or a failed fsync. Each gives an error naming the file,
// keeps the last committed state whole and readable (no journal file left behind), and the
// next attempt without the fault succeeds.
#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>

#include "base/disk_files.h"
#include "base/sqlite_database.h"
#include "base/sqlite_fault_vfs.h"
#include "plan/desired_state.h"
#include "runtime/apply_lock.h"
#include "runtime/journal.h"
#include "runtime/nexj/config_store.h"
#include "spec/load_spec.h"
#include "tests/base/sqlite_support.h"
#include "tests/base/temp_dir_support.h"
#include "tests/cli/apply_support.h"
#include "tests/runtime/journal_support.h"

using namespace sd;
using sd::test::dump_store;
using sd::test::TempDir;
using sd::testing::three_actions;

namespace {

using sd::test::kT0;
using sd::test::open_db;

struct Fault {
  SqliteFileOp op;
  SqliteFileKind kind;
  int error_number;
  std::string says;  // what SQLite makes of it
};

// Every way a write transaction's I/O can fail: the rollback journal written as pages change,
// then at commit its fsync, the database's pages and their fsync.
const std::vector<Fault>& faults() {
  static const std::vector<Fault> all = {
      {SqliteFileOp::Write, SqliteFileKind::Journal, ENOSPC, "database or disk is full"},
      {SqliteFileOp::Write, SqliteFileKind::Journal, EIO, "disk I/O error"},
      {SqliteFileOp::Sync, SqliteFileKind::Journal, EIO, "disk I/O error"},
      {SqliteFileOp::Write, SqliteFileKind::Database, ENOSPC, "database or disk is full"},
      {SqliteFileOp::Write, SqliteFileKind::Database, EIO, "disk I/O error"},
      {SqliteFileOp::Sync, SqliteFileKind::Database, EIO, "disk I/O error"},
  };
  return all;
}

std::string describe(const Fault& f) {
  static const char* const kOps[] = {"read", "write", "truncate", "sync"};
  static const char* const kKinds[] = {"any file", "the database", "the rollback journal"};
  return std::string(kOps[static_cast<int>(f.op)]) + " of " + kKinds[static_cast<int>(f.kind)] +
         " fails with errno " + std::to_string(f.error_number);
}

// Nothing but the database: a rollback journal left behind would be rolled back by the next
// opener, so the write would not have been all or nothing on its own.
void check_only_the_database(const std::string& path) {
  CHECK(std::filesystem::exists(path));
  CHECK_FALSE(std::filesystem::exists(path + "-journal"));
}

DesiredState quickstart() {
  Result<LoadedSpec> loaded = load_spec("examples/quickstart.yaml", DiskFiles());
  if (!loaded.ok()) FAIL(format_all(loaded.errors()));
  return build_desired_state(loaded->spec, {});
}

Plan plan_for(ConfigStore& store, const DesiredState& desired) {
  ObservedState observed;
  store.observe(desired, observed);
  return make_plan(desired, std::move(observed), {});
}

std::vector<uint32_t> store_changes(const Plan& plan, const ConfigStore& store) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < plan.actions.size(); ++i)
    if (store.manages(*plan.actions[i].type) && plan.actions[i].kind != ActionKind::NoOp)
      out.push_back(i);
  return out;
}

// A journal file opened through a VFS of its own, and a clock the test moves.
struct FaultyJournalFile {
  TempDir dir{"sdjournalfault"};
  std::string path = dir.file("journal.db");
  SqliteFaultVfs vfs;
  std::unique_ptr<SqlDatabase> db =
      open_db(path, SqlOpenMode::ReadWriteCreate, {.vfs = vfs.name()});
  int64_t now = kT0;
};

}  // namespace

TEST_CASE("configuration store: a failing write fails the whole apply and keeps the store",
          "[config_store][faults]") {
  const DesiredState desired = quickstart();
  for (const Fault& fault : faults()) {
    DYNAMIC_SECTION(describe(fault)) {
      TempDir dir("sdstorefault");
      const std::string path = dir.file("store.db");
      SqliteFaultVfs vfs;
      auto opened = open_config_store_for_writing(path, {}, SqliteOptions{5000, vfs.name()});
      REQUIRE(opened.ok());
      ConfigStore& store = **opened;
      // The targets first, in an apply of their own: the state the faulty apply must keep.
      Plan plan = plan_for(store, desired);
      std::vector<uint32_t> todo = store_changes(plan, store);
      REQUIRE(todo.size() > 2);
      std::vector<uint32_t> first(todo.begin(), todo.begin() + 1);
      for (const ActionResult& r : store.apply(plan, first, {})) REQUIRE(r.error == "");
      const std::string before = dump_store(path);

      vfs.fail(fault.op, 1, fault.error_number, fault.kind);
      std::vector<uint32_t> rest(todo.begin() + 1, todo.end());
      std::vector<ActionResult> failed = store.apply(plan, rest, {});
      REQUIRE(vfs.fired() == 1);
      REQUIRE(failed.size() == rest.size());
      for (const ActionResult& r : failed) {
        CHECK_FALSE(r.ok);
        CHECK_THAT(r.error, Catch::StartsWith("configuration store " + path + ": "));
        CHECK_THAT(r.error, Catch::EndsWith(fault.says));
      }
      check_only_the_database(path);
      CHECK(dump_store(path) == before);

      // The next apply, without the fault, does what this one could not.
      Plan again = plan_for(store, desired);
      std::vector<uint32_t> left = store_changes(again, store);
      CHECK(left.size() == rest.size());
      for (const ActionResult& r : store.apply(again, left, {})) CHECK(r.error == "");
      CHECK(store_changes(plan_for(store, desired), store).empty());
      check_only_the_database(path);
    }
  }
}

TEST_CASE("journal: a failing write loses no record and the next one is kept",
          "[journal][faults]") {
  for (const Fault& fault : faults()) {
    DYNAMIC_SECTION(describe(fault)) {
      FaultyJournalFile file;
      const std::string& path = file.path;
      SqliteFaultVfs& vfs = file.vfs;
      auto opened = open_journal(*file.db, [&] { return file.now++; });
      REQUIRE(opened.ok());
      Journal& journal = **opened;
      Result<int64_t> run = journal.begin_run(three_actions());
      REQUIRE(run.ok());
      const std::string before = dump_store(path);

      // An intent, an outcome and the end of a run, each through the fault.
      const uint32_t actions[] = {0, 1, 2};
      vfs.fail(fault.op, 1, fault.error_number, fault.kind);
      Result<int64_t> intent = journal.record_intent(*run, actions, "configuration store x");
      REQUIRE(vfs.fired() == 1);
      REQUIRE_FALSE(intent.ok());
      CHECK(intent.errors().front().where.file == path);
      CHECK(intent.errors().front().message == "a statement failed: " + fault.says);
      check_only_the_database(path);
      CHECK(dump_store(path) == before);

      intent = journal.record_intent(*run, actions, "configuration store x");
      REQUIRE(intent.ok());
      const std::string with_intent = dump_store(path);
      vfs.fail(fault.op, 1, fault.error_number, fault.kind);
      Status outcome = journal.record_outcome(*run, *intent, {});
      REQUIRE_FALSE(outcome.ok());
      CHECK(outcome.errors().front().format() ==
            path + ": error: a statement failed: " + fault.says);
      CHECK(dump_store(path) == with_intent);
      REQUIRE(journal.record_outcome(*run, *intent, {}).ok());

      vfs.fail(fault.op, 1, fault.error_number, fault.kind);
      REQUIRE_FALSE(journal.finish_run(*run, "done").ok());
      CHECK(journal.interrupted_runs("acme-prod", 0).value().size() == 1);  // still running
      REQUIRE(journal.finish_run(*run, "done").ok());
      CHECK(journal.interrupted_runs("acme-prod", 0).value().empty());
      check_only_the_database(path);
    }
  }
}

TEST_CASE("lock: a failing write neither takes nor loses the lease", "[apply_lock][faults]") {
  for (const Fault& fault : faults()) {
    DYNAMIC_SECTION(describe(fault)) {
      FaultyJournalFile file;
      const std::string& path = file.path;
      SqliteFaultVfs& vfs = file.vfs;
      SqlDatabase* db = file.db.get();
      int64_t& now = file.now;
      LeaseOptions options;
      options.clock = [&] { return now; };
      REQUIRE(open_journal(*db, options.clock).ok());  // the lease table, before the fault

      vfs.fail(fault.op, 1, fault.error_number, fault.kind);
      Result<ApplyLock> refused = ApplyLock::acquire(*db, "acme-prod", options);
      REQUIRE(vfs.fired() == 1);
      REQUIRE_FALSE(refused.ok());
      CHECK(refused.errors().front().format() ==
            path + ": error: a statement failed: " + fault.says);
      check_only_the_database(path);
      CHECK_FALSE(current_lease(*db, "acme-prod").value().has_value());

      Result<ApplyLock> lock = ApplyLock::acquire(*db, "acme-prod", options);
      REQUIRE(lock.ok());
      CHECK(lock->info().expires == "2026-11-24T21:54:03Z");

      now += 60;
      vfs.fail(fault.op, 1, fault.error_number, fault.kind);
      Status renewed = lock->renew();
      REQUIRE_FALSE(renewed.ok());
      CHECK(renewed.errors().front().format() ==
            path + ": error: a statement failed: " + fault.says);
      check_only_the_database(path);
      // The lease on disk is the one before, and still ours: the next renewal succeeds.
      CHECK(current_lease(*db, "acme-prod").value()->expires == "2026-11-24T21:54:03Z");
      REQUIRE(lock->renew().ok());
      CHECK(current_lease(*db, "acme-prod").value()->expires == "2026-11-24T21:55:03Z");
      REQUIRE(lock->release().ok());
    }
  }
}
