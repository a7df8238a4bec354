// The executor against fake live systems and a real journal: order, batches, failures that
// skip their dependents and only them, refused steps, and what the journal holds.
#include "runtime/apply_executor.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "base/sqlite_database.h"

namespace sd {
namespace {

class FakeSystem : public LiveSystem {
 public:
  FakeSystem(std::string name, std::set<const ResourceType*> types)
      : name_(std::move(name)), types_(std::move(types)) {}
  std::string describe() const override { return name_; }
  bool manages(const ResourceType& type) const override { return types_.count(&type) > 0; }
  void observe(const DesiredState&, ObservedState&) override {}
  std::vector<ActionResult> apply(const Plan& plan, std::span<const uint32_t> actions,
                                  const SecretValues&) override {
    batches.emplace_back(actions.begin(), actions.end());
    std::vector<ActionResult> out;
    for (uint32_t a : actions) {
      std::string address = plan.actions[a].address();
      if (failing.count(address)) {
        out.push_back({false, address + " refused by the fake"});
      } else {
        out.push_back({});
      }
    }
    return out;
  }
  std::vector<std::vector<uint32_t>> batches;
  std::set<std::string> failing;

 private:
  std::string name_;
  std::set<const ResourceType*> types_;
};

Action make_action(const ResourceType& type, std::string name, std::vector<uint32_t> deps = {}) {
  Action a;
  a.kind = ActionKind::Create;
  a.type = &type;
  a.name = std::move(name);
  a.depends_on = std::move(deps);
  return a;
}

// channel(0) <- target(1) <- links(2..); global options last, independent of the target.
Plan plan_with_links(size_t links) {
  Plan plan;
  plan.deployment = "test";
  plan.spec_digest = "sha256:00";
  plan.actions.push_back(make_action(types::kHttpChannel, "ExchangeEWSSender1"));
  plan.actions.push_back(make_action(types::kTarget, "EXCH01", {0}));
  for (size_t i = 0; i < links; ++i)
    plan.actions.push_back(
        make_action(types::kFolderLink, "user" + std::to_string(i) + "/calendar", {1}));
  plan.actions.push_back(make_action(types::kGlobalOptions, "exchange"));
  return plan;
}

struct Fixture {
  std::string dir;
  std::unique_ptr<SqlDatabase> db;
  std::unique_ptr<Journal> journal;
  FakeSystem environment{"environment file", {&types::kHttpChannel}};
  FakeSystem store{"configuration store",
                   {&types::kTarget, &types::kFolderLink, &types::kGlobalOptions}};
  Fixture() {
    char pattern[] = "/tmp/sd-executor-XXXXXX";
    dir = ::mkdtemp(pattern);
    auto opened = open_sqlite(dir + "/journal.db", SqlOpenMode::ReadWriteCreate);
    REQUIRE(opened.ok());
    db = std::move(opened).value();
    auto j = open_journal(*db, [] { return int64_t{1795000000}; });
    REQUIRE(j.ok());
    journal = std::move(j).value();
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
  ExecutionReport run(const Plan& plan, std::vector<RefusedAction> refused = {}) {
    ExecutionRequest request;
    request.plan = &plan;
    request.plan_id = "0123456789abcdef";
    request.holder = "test";
    std::set<uint32_t> refused_set;
    for (const RefusedAction& r : refused) refused_set.insert(r.action);
    for (uint32_t i = 0; i < plan.actions.size(); ++i)
      if (!refused_set.count(i)) request.to_do.push_back(i);
    request.refused = std::move(refused);
    std::vector<LiveSystem*> systems{&environment, &store};
    auto report = execute_plan(request, systems, {}, *journal);
    REQUIRE(report.ok());
    return std::move(report).value();
  }
  std::string query(const std::string& sql) {
    auto stmt = db->prepare(sql);
    REQUIRE(stmt.ok());
    std::string out;
    while (true) {
      auto row = (*stmt)->step();
      REQUIRE(row.ok());
      if (!*row) break;
      out += (*stmt)->column_text(0) + "\n";
    }
    return out;
  }
};

}  // namespace

TEST_CASE("executor: every action done, batched by system and dependency", "[apply_executor]") {
  Fixture f;
  Plan plan = plan_with_links(3);
  ExecutionReport report = f.run(plan);
  CHECK(report.complete());
  CHECK(report.done == 6);
  REQUIRE(f.environment.batches.size() == 1);
  // The target waits for nothing in its own system; the links wait for the target.
  REQUIRE(f.store.batches.size() == 2);
  CHECK(f.store.batches[0] == std::vector<uint32_t>{1});
  CHECK(f.store.batches[1] == std::vector<uint32_t>{2, 3, 4, 5});
}

TEST_CASE("executor: a failure skips its dependents and only them", "[apply_executor]") {
  Fixture f;
  f.store.failing.insert("nexj.target/EXCH01");
  Plan plan = plan_with_links(2);
  ExecutionReport report = f.run(plan);
  CHECK_FALSE(report.complete());
  CHECK(report.done == 2);  // the channel and the global options
  CHECK(report.failed == 1);
  CHECK(report.skipped == 2);
  REQUIRE(report.actions.size() == 5);
  CHECK(report.actions[1].outcome == Outcome::Failed);
  CHECK(report.actions[1].error == "nexj.target/EXCH01 refused by the fake");
  CHECK(report.actions[2].outcome == Outcome::Skipped);
  CHECK(report.actions[2].error == "nexj.target/EXCH01 failed first");
  CHECK(report.actions[4].outcome == Outcome::Done);
  // The links were never handed to the store.
  for (const auto& batch : f.store.batches) CHECK(std::count(batch.begin(), batch.end(), 2u) == 0);
}

TEST_CASE("executor: a refused step skips what depends on it", "[apply_executor]") {
  Fixture f;
  Plan plan = plan_with_links(1);
  ExecutionReport report = f.run(plan, {{0, "changed since the plan was made"}});
  CHECK(report.refused == 1);
  CHECK(report.skipped == 2);  // the target, then its link
  CHECK(report.done == 1);     // the global options
  CHECK(report.actions[0].error == "changed since the plan was made");
  CHECK(report.actions[2].error == "nexj.target/EXCH01 skipped first");
  CHECK(f.environment.batches.empty());
}

TEST_CASE("executor: long runs go in batches of at most kMaxBatch", "[apply_executor]") {
  Fixture f;
  Plan plan = plan_with_links(kMaxBatch * 2 + 5);
  ExecutionReport report = f.run(plan);
  CHECK(report.complete());
  REQUIRE(f.store.batches.size() == 4);  // target, then the links in three batches
  CHECK(f.store.batches[1].size() == kMaxBatch);
  CHECK(f.store.batches[2].size() == kMaxBatch);
  CHECK(f.store.batches[3].size() == 6);  // 5 links and the global options
}

TEST_CASE("executor: the journal ends the run and leaves nothing interrupted", "[apply_executor]") {
  Fixture f;
  f.store.failing.insert("nexj.folder_link/user0/calendar");
  Plan plan = plan_with_links(2);
  ExecutionReport report = f.run(plan);
  CHECK(report.failed == 1);
  auto interrupted = f.journal->interrupted_runs("test", 0);
  REQUIRE(interrupted.ok());
  CHECK(interrupted->empty());
  CHECK(f.query("SELECT status FROM journal_runs") == "partial\n");
}

}  // namespace sd

namespace sd {

TEST_CASE("executor: a lost lock stops the run before it writes", "[apply_executor]") {
  Fixture f;
  Plan plan = plan_with_links(1);
  ExecutionRequest request;
  request.plan = &plan;
  request.plan_id = "0123456789abcdef";
  for (uint32_t i = 0; i < plan.actions.size(); ++i) request.to_do.push_back(i);
  ExecutionHooks hooks;
  hooks.renew_lock = [] { return Status(make_error("the lock was taken")); };
  std::vector<LiveSystem*> systems{&f.environment, &f.store};
  auto report = execute_plan(request, systems, {}, *f.journal, hooks);
  REQUIRE(report.ok());
  CHECK(report->stopped == "the lock was taken");
  CHECK(report->skipped == 4);
  CHECK(f.environment.batches.empty());
  CHECK(f.store.batches.empty());
  CHECK(f.query("SELECT status FROM journal_runs") == "partial\n");
}

}  // namespace sd
