// The engine's apply against a fake world: the two phases in their order, confirmation, the
// preconditions, an Exchange side that fails, recovery of a killed run, and saved plans applied
// exactly, refused where live state moved. No disk but the journal, no network, no stdout.
#include "engine/apply_session.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "base/sqlite_database.h"
#include "engine/plan_session.h"
#include "render/render.h"
#include "runtime/journal.h"
#include "tests/engine/fake_world_support.h"

using namespace sd;
using sd::engine::ApplyOutcome;
using sd::engine::ApplyRequest;
using sd::test::FakeWorld;
using sd::test::RecordingConversation;
using Ending = ApplyOutcome::Ending;

namespace {

const char* kQuickstart = "examples/quickstart.yaml";

ApplyRequest auto_approved(const std::string& input) {
  ApplyRequest request;
  request.input = input;
  request.auto_approve = true;
  return request;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// Where `entry` first appears in the log; the log's size when it does not.
size_t first(const std::vector<std::string>& log, const std::string& prefix) {
  auto it = std::find_if(log.begin(), log.end(),
                         [&](const std::string& e) { return e.starts_with(prefix); });
  return static_cast<size_t>(it - log.begin());
}

size_t last(const std::vector<std::string>& log, const std::string& prefix) {
  size_t at = log.size();
  for (size_t i = 0; i < log.size(); ++i)
    if (log[i].starts_with(prefix)) at = i;
  return at;
}

Plan plan_now(FakeWorld& w) {
  engine::PlanRequest request;
  request.spec = w.spec_path();
  Result<Plan> plan = engine::plan_deployment(w, request);
  REQUIRE(plan.ok());
  return std::move(plan).value();
}

// What the fake systems hold now, one line per object.
std::string live(const FakeWorld& w) {
  std::string out;
  for (const test::FakeSystem* system : {&w.exchange, &w.nexj})
    for (const auto& [address, object] : system->objects) {
      out += address;
      for (size_t f = 0; f < object.second.size(); ++f)
        if (!is_unset(object.second[f]))
          out += " " + std::string(object.first->fields[f].name) + "=" +
                 display_value(object.second[f], object.first->fields[f].compare);
      out += "\n";
    }
  return out;
}

}  // namespace

TEST_CASE("engine apply: the Exchange side first, then the mailboxes, then NexJ", "[engine]") {
  FakeWorld w(kQuickstart);
  RecordingConversation c;
  ApplyOutcome outcome = engine::apply_deployment(w, auto_approved(w.spec_path()), c);
  INFO(joined(w.log));
  REQUIRE(outcome.ending == Ending::Applied);
  CHECK(outcome.report.complete());
  CHECK(outcome.report.done == 16);

  // Before apply the mailboxes could not be asked: the plan deferred them.
  const std::vector<std::string>& log = w.log;
  CHECK(first(log, "exchange create") < first(log, "mailboxes asked"));
  CHECK(last(log, "exchange create") < first(log, "mailboxes asked"));
  CHECK(first(log, "mailboxes asked: 3") < first(log, "nexj create"));
  CHECK(std::count_if(log.begin(), log.end(),
                      [](const std::string& e) { return e.starts_with("mailboxes asked"); }) == 1);
  CHECK(c.said ==
        std::vector<std::string>{"plan: 16 create, 0 update", "starting", "exchange side done: 4"});
  // The links carry the ids Exchange gave once the account could impersonate.
  CHECK(live(w).find("nexj.folder_link/jsmith/calendar target=\"EXCH01\" "
                     "email=\"jsmith@example.com\" enabled=true "
                     "folderId=\"calendar-of-jsmith@example.com\"") != std::string::npos);

  // Applied as planned: the next plan finds nothing to do.
  Plan again = plan_now(w);
  CHECK_FALSE(again.summary.has_changes());
  CHECK(again.summary.unknown == 0);
  CHECK(again.summary.blocked == 0);

  RecordingConversation second;
  CHECK(engine::apply_deployment(w, auto_approved(w.spec_path()), second).ending ==
        Ending::NothingToDo);
  CHECK(second.said == std::vector<std::string>{"no changes"});
}

TEST_CASE("engine apply: nothing is changed unless confirmed", "[engine]") {
  for (auto answer :
       {engine::ApplyConversation::Answer::No, engine::ApplyConversation::Answer::CannotAsk}) {
    FakeWorld w(kQuickstart);
    RecordingConversation c;
    c.answer = answer;
    ApplyRequest request;
    request.input = w.spec_path();
    ApplyOutcome outcome = engine::apply_deployment(w, request, c);
    CHECK(outcome.ending == (answer == engine::ApplyConversation::Answer::No
                                 ? Ending::NotConfirmed
                                 : Ending::CannotConfirm));
    CHECK(c.said == std::vector<std::string>{"plan: 16 create, 0 update", "confirm 16"});
    CHECK(live(w).empty());
    CHECK(first(w.log, "mailboxes asked") == w.log.size());
  }
}

TEST_CASE("engine apply: a failed precondition stops it before anything", "[engine]") {
  FakeWorld w(kQuickstart);
  w.tls_fails = true;
  RecordingConversation c;
  ApplyOutcome outcome = engine::apply_deployment(w, auto_approved(w.spec_path()), c);
  CHECK(outcome.ending == Ending::PreconditionsFailed);
  CHECK(outcome.plan.summary.failed_checks == 1);
  CHECK(c.said.empty());
  CHECK(live(w).empty());
}

TEST_CASE("engine apply: when the Exchange side fails, NexJ waits and no mailbox is asked",
          "[engine]") {
  FakeWorld w(kQuickstart);
  w.exchange.fail_on = {"exchange.throttling_policy/NexJSyncPolicy"};
  RecordingConversation c;
  ApplyOutcome outcome = engine::apply_deployment(w, auto_approved(w.spec_path()), c);
  REQUIRE(outcome.ending == Ending::Applied);
  CHECK_FALSE(outcome.report.complete());
  CHECK(outcome.report.stopped ==
        "the Exchange side did not complete, so the users' mailboxes were not asked");
  CHECK(outcome.report.failed == 1);
  CHECK(outcome.report.skipped == 12 + 1);  // every NexJ step, and the policy's association
  CHECK(first(w.log, "mailboxes asked") == w.log.size());
  CHECK(first(w.log, "nexj ") == w.log.size());
  CHECK(c.said == std::vector<std::string>{"plan: 16 create, 0 update", "starting"});

  // Once Exchange takes the policy, the next apply finishes the rest.
  w.exchange.fail_on.clear();
  RecordingConversation next;
  ApplyOutcome finished = engine::apply_deployment(w, auto_approved(w.spec_path()), next);
  REQUIRE(finished.ending == Ending::Applied);
  CHECK(finished.report.complete());
  CHECK_FALSE(plan_now(w).summary.has_changes());
}

TEST_CASE("engine apply: a run that was killed is resumed, then closed", "[engine]") {
  FakeWorld w(kQuickstart);
  // A run that began and never finished, as a SIGKILL leaves it.
  const std::string journal_path = w.spec_path() + ".journal.db";
  {
    Result<std::unique_ptr<SqlDatabase>> db =
        open_sqlite(journal_path, SqlOpenMode::ReadWriteCreate);
    REQUIRE(db.ok());
    Result<std::unique_ptr<Journal>> journal = open_journal(**db);
    REQUIRE(journal.ok());
    RunStart killed{"quickstart",
                    "p-killed",
                    "sha256:x",
                    "ci pid 1",
                    "create nexj.target/EXCH01\ncreate nexj.global_options/exchange\n",
                    2};
    REQUIRE((*journal)->begin_run(killed).ok());
  }
  ApplyRequest request = auto_approved(w.spec_path());
  request.journal = journal_path;
  RecordingConversation c;
  ApplyOutcome outcome = engine::apply_deployment(w, request, c);
  REQUIRE(outcome.ending == Ending::Applied);
  CHECK(c.said.front() == "resuming plan p-killed: 0 of 2");

  // Closed by the run that completed it: the next apply has nothing to resume.
  RecordingConversation next;
  CHECK(engine::apply_deployment(w, request, next).ending == Ending::NothingToDo);
  CHECK(next.said == std::vector<std::string>{"no changes"});
}

TEST_CASE("engine apply: a saved plan runs as made, a step whose object moved is refused",
          "[engine]") {
  FakeWorld w(kQuickstart);
  RecordingConversation first_apply;
  REQUIRE(engine::apply_deployment(w, auto_approved(w.spec_path()), first_apply).ending ==
          Ending::Applied);
  // Two links go missing behind the tool's back; the plan to make them again is saved.
  w.nexj.objects.erase("nexj.folder_link/mlee/calendar");
  w.nexj.objects.erase("nexj.folder_link/akumar/tasks");
  std::ostringstream json;
  render_json(plan_now(w), json);
  const std::string plan_file = w.spec_path() + ".plan.json";
  w.put_file(plan_file, json.str());

  SECTION("applied as saved") {
    RecordingConversation c;
    ApplyOutcome outcome = engine::apply_deployment(w, auto_approved(plan_file), c);
    REQUIRE(outcome.ending == Ending::Applied);
    CHECK(outcome.report.done == 2);
    CHECK(c.said ==
          std::vector<std::string>{"saved plan: 2 to do, 0 already done, 0 refused", "starting"});
  }
  SECTION("one link made meanwhile as planned, the other made differently") {
    w.nexj.objects["nexj.folder_link/mlee/calendar"] = {
        &types::kFolderLink,
        {std::string("EXCH01"), std::string("mlee@example.com"), true,
         std::string("calendar-of-mlee@example.com")}};
    w.nexj.objects["nexj.folder_link/akumar/tasks"] = {
        &types::kFolderLink,
        {std::string("EXCH01"), std::string("someone.else@example.com"), true,
         std::string("tasks-of-akumar@example.com")}};
    RecordingConversation c;
    ApplyOutcome outcome = engine::apply_deployment(w, auto_approved(plan_file), c);
    REQUIRE(outcome.ending == Ending::Applied);
    CHECK(outcome.report.done == 0);
    CHECK(outcome.report.already_done == 1);
    CHECK(outcome.report.refused == 1);
    CHECK(c.said.front() == "saved plan: 0 to do, 1 already done, 1 refused");
    // Refused: the link stays as it was found.
    CHECK(live(w).find("nexj.folder_link/akumar/tasks target=\"EXCH01\" "
                       "email=\"someone.else@example.com\"") != std::string::npos);
  }
  SECTION("the spec changed since the plan was made") {
    w.put_file(w.spec_path(), *w.files().read(w.spec_path()) + "# edited\n");
    RecordingConversation c;
    CHECK(engine::apply_deployment(w, auto_approved(plan_file), c).ending == Ending::SpecChanged);
    CHECK(c.said.empty());
  }
}
