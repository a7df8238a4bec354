#include "runtime/apply_lock.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <climits>
#include <filesystem>
#include <regex>
#include <thread>

#include "base/sqlite_database.h"
#include "tests/base/result_support.h"
#include "tests/base/sqlite_support.h"
#include "tests/base/temp_dir_support.h"

using namespace sd;

namespace {

using sd::test::kT0;
using sd::test::open_db;
using sd::test::TempDir;

// A clock that only moves when the lock sleeps, and a record of the sleeps.
struct FakeTime {
  int64_t now = kT0;
  std::vector<int64_t> sleeps;
  LeaseOptions options(int64_t wait_seconds, int64_t duration_seconds = 300) {
    LeaseOptions o;
    o.wait_seconds = wait_seconds;
    o.duration_seconds = duration_seconds;
    o.clock = [this] { return now; };
    o.sleep = [this](int64_t ms) {
      sleeps.push_back(ms);
      now += ms / 1000;
    };
    return o;
  }
};

std::string host_name() {
  char buffer[HOST_NAME_MAX + 1] = {};
  REQUIRE(::gethostname(buffer, sizeof buffer - 1) == 0);
  return buffer;
}

// The lease's host: the host name and this process's pid namespace.
std::string this_host() {
  char target[64] = {};
  ssize_t n = ::readlink("/proc/self/ns/pid", target, sizeof target - 1);
  REQUIRE(n > 0);
  return host_name() + " " + std::string(target, static_cast<size_t>(n));
}

// Writes a lease as another process would have.
void plant_lease(SqlDatabase& db, const std::string& host, int64_t pid,
                 const std::string& expires) {
  REQUIRE(open_journal(db).ok());  // the lease table comes with the journal's schema
  auto stmt = db.prepare(
      "INSERT INTO apply_leases VALUES ('acme-prod', '00000000deadbeef', ?, ?, ?, "
      "'2026-11-24T21:00:00Z', ?)");
  REQUIRE(stmt.ok());
  (*stmt)->bind_text(1, "bob@" + host + " pid " + std::to_string(pid));
  (*stmt)->bind_text(2, host);
  (*stmt)->bind_int(3, pid);
  (*stmt)->bind_text(4, expires);
  REQUIRE((*stmt)->step().ok());
}

std::string locked_message(const LeaseInfo& held) {
  return "deployment 'acme-prod' is locked by " + held.holder + " since " + held.started +
         " (lock ID " + held.id + ", expires " + held.expires +
         "); wait for it, or if that apply is dead run: syncdeploy force-unlock SPEC " + held.id;
}

using sd::test::message;

}  // namespace

TEST_CASE("ApplyLock takes, shows and releases a lease", "[apply_lock]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  // No lease table yet: nothing is locked, and reading does not create it.
  CHECK_FALSE(current_lease(*db, "acme-prod").value().has_value());
  CHECK(message(force_unlock(*db, "acme-prod", "x")) == "deployment 'acme-prod' is not locked");

  FakeTime time;
  auto lock = ApplyLock::acquire(*db, "acme-prod", time.options(0));
  REQUIRE(lock.ok());
  const LeaseInfo& info = lock->info();
  CHECK(std::regex_match(info.id, std::regex("[0-9a-f]{16}")));
  CHECK(info.deployment == "acme-prod");
  CHECK(info.host == this_host());
  CHECK(info.pid == ::getpid());
  CHECK(std::regex_match(info.holder,
                         std::regex(".+@" + host_name() + " pid " + std::to_string(::getpid()))));
  CHECK(info.started == "2026-11-24T21:49:03Z");
  CHECK(info.expires == "2026-11-24T21:54:03Z");

  auto shown = current_lease(*db, "acme-prod");
  REQUIRE(shown.ok());
  REQUIRE(shown->has_value());
  CHECK((*shown)->id == info.id);
  CHECK((*shown)->holder == info.holder);
  CHECK((*shown)->expires == info.expires);
  CHECK_FALSE(current_lease(*db, "acme-test").value().has_value());

  time.now += 100;
  REQUIRE(lock->renew().ok());
  CHECK(lock->info().expires == "2026-11-24T21:55:43Z");
  CHECK(current_lease(*db, "acme-prod").value()->expires == "2026-11-24T21:55:43Z");

  REQUIRE(lock->release().ok());
  CHECK_FALSE(current_lease(*db, "acme-prod").value().has_value());
  CHECK(lock->release().ok());
  CHECK(message(lock->renew()) == "the lock of deployment 'acme-prod' is not held");
}

TEST_CASE("ApplyLock refuses a held lease with the holder's details", "[apply_lock]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  FakeTime time;
  auto first = ApplyLock::acquire(*db, "acme-prod", time.options(0));
  REQUIRE(first.ok());
  auto second = ApplyLock::acquire(*db, "acme-prod", time.options(0));
  REQUIRE_FALSE(second.ok());
  CHECK(second.errors().front().message == locked_message(first->info()));
  CHECK(time.sleeps.empty());
  // Other deployments are not affected.
  CHECK(ApplyLock::acquire(*db, "acme-test", time.options(0)).ok());

  // Waiting that ends before the lease expires: one sleep per second, then the same refusal.
  auto waited = ApplyLock::acquire(*db, "acme-prod", time.options(3));
  CHECK(message(waited) == locked_message(first->info()));
  CHECK(time.sleeps == std::vector<int64_t>{1000, 1000, 1000});
}

TEST_CASE("ApplyLock waits for a lease to expire, then takes it", "[apply_lock]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  FakeTime time;
  auto first = ApplyLock::acquire(*db, "acme-prod", time.options(0, 5));
  REQUIRE(first.ok());
  auto second = ApplyLock::acquire(*db, "acme-prod", time.options(60));
  REQUIRE(second.ok());
  // Expires at T0+5; taken when the clock is past it.
  CHECK(time.sleeps.size() == 6);
  CHECK(second->info().started == "2026-11-24T21:49:09Z");
  CHECK(second->info().id != first->info().id);

  // The first apply learns it lost the lease, and its release leaves the new lease alone.
  CHECK(message(first->renew()) == "the lock of deployment 'acme-prod' was taken by " +
                                       second->info().holder + " (lock ID " + second->info().id +
                                       "); this apply stops");
  REQUIRE(first->release().ok());
  CHECK(current_lease(*db, "acme-prod").value()->id == second->info().id);
}

TEST_CASE("ApplyLock takes over a lease of a dead process on this host only", "[apply_lock]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);  // reaped: the pid no longer exists

  FakeTime time;
  SECTION("dead on this host: taken at once") {
    plant_lease(*db, this_host(), child, "2099-01-01T00:00:00Z");
    auto lock = ApplyLock::acquire(*db, "acme-prod", time.options(0));
    REQUIRE(lock.ok());
    CHECK(lock->info().id != "00000000deadbeef");
    CHECK(current_lease(*db, "acme-prod").value()->pid == ::getpid());
  }
  SECTION("on another host the pid means nothing here: not taken") {
    plant_lease(*db, "build-9", child, "2099-01-01T00:00:00Z");
    auto lock = ApplyLock::acquire(*db, "acme-prod", time.options(0));
    CHECK(message(lock) ==
          "deployment 'acme-prod' is locked by bob@build-9 pid " + std::to_string(child) +
              " since 2026-11-24T21:00:00Z (lock ID 00000000deadbeef, expires "
              "2099-01-01T00:00:00Z); wait for it, or if that apply is dead run: syncdeploy "
              "force-unlock SPEC 00000000deadbeef");
  }
  SECTION("alive on this host: not taken") {
    plant_lease(*db, this_host(), ::getppid(), "2099-01-01T00:00:00Z");
    CHECK_FALSE(ApplyLock::acquire(*db, "acme-prod", time.options(0)).ok());
  }
  SECTION("another host but expired: taken") {
    plant_lease(*db, "build-9", 1, "2026-11-24T21:49:02Z");
    CHECK(ApplyLock::acquire(*db, "acme-prod", time.options(0)).ok());
  }
}

TEST_CASE("ApplyLock force-unlock checks the ID and stops the old holder", "[apply_lock]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  FakeTime time;
  auto lock = ApplyLock::acquire(*db, "acme-prod", time.options(0));
  REQUIRE(lock.ok());
  const std::string id = lock->info().id;
  CHECK(message(force_unlock(*db, "acme-prod", "0123456789abcdef")) ==
        "deployment 'acme-prod' is locked with ID " + id + ", not 0123456789abcdef");
  CHECK(message(force_unlock(*db, "acme-test", id)) == "deployment 'acme-test' is not locked");
  REQUIRE(force_unlock(*db, "acme-prod", id).ok());
  CHECK_FALSE(current_lease(*db, "acme-prod").value().has_value());
  CHECK(message(lock->renew()) ==
        "the lock of deployment 'acme-prod' was removed (force-unlock); this apply stops");
}

TEST_CASE("ApplyLock releases on destruction, but not from a moved-from object", "[apply_lock]") {
  TempDir dir;
  auto db = open_db(dir.path + "/j.db");
  FakeTime time;
  {
    auto taken = ApplyLock::acquire(*db, "acme-prod", time.options(0));
    REQUIRE(taken.ok());
    std::optional<ApplyLock> kept;
    {
      ApplyLock moved_from(std::move(taken).value());
      kept.emplace(std::move(moved_from));
    }
    CHECK(current_lease(*db, "acme-prod").value().has_value());
    kept.reset();
    CHECK_FALSE(current_lease(*db, "acme-prod").value().has_value());
  }
}

TEST_CASE("ApplyLock contends across separate connections to one file", "[apply_lock]") {
  TempDir dir;
  const std::string path = dir.path + "/j.db";
  auto db1 = open_db(path);
  auto db2 = open_db(path);
  FakeTime time;
  auto first = ApplyLock::acquire(*db1, "acme-prod", time.options(0));
  REQUIRE(first.ok());
  CHECK(message(ApplyLock::acquire(*db2, "acme-prod", time.options(0))) ==
        locked_message(first->info()));
  REQUIRE(first->release().ok());
  auto second = ApplyLock::acquire(*db2, "acme-prod", time.options(0));
  REQUIRE(second.ok());
  CHECK(current_lease(*db1, "acme-prod").value()->id == second->info().id);
  REQUIRE(second->release().ok());

  // Several connections at once, as several processes would: exactly one wins.
  constexpr int kContenders = 4;
  std::vector<std::unique_ptr<SqlDatabase>> dbs;
  for (int i = 0; i < kContenders; ++i) dbs.push_back(open_db(path));
  std::vector<std::optional<ApplyLock>> won(kContenders);
  std::vector<std::string> lost(kContenders);
  std::atomic<int> ready = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kContenders; ++i)
    threads.emplace_back([&, i] {
      LeaseOptions options;  // real clock: wait 0 never sleeps
      ++ready;
      while (ready < kContenders) std::this_thread::yield();
      auto lock = ApplyLock::acquire(*dbs[i], "acme-prod", options);
      if (lock.ok())
        won[i].emplace(std::move(lock).value());
      else
        lost[i] = lock.errors().front().message;
    });
  for (auto& t : threads) t.join();
  int winners = 0;
  for (int i = 0; i < kContenders; ++i) {
    if (won[i])
      ++winners;
    else
      CHECK(lost[i].starts_with("deployment 'acme-prod' is locked by "));
  }
  CHECK(winners == 1);
}
