// An apply killed with SIGKILL at any point is completed by the next one, with nothing done
// twice and nothing lost: the live state then equals that of a run never interrupted. The
// checkpoints are the places where a crash matters (around the journal's records, inside the
// store's transaction, between the environment file's backup and its rename).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "tests/cli/apply_support.h"
#include "tests/cli/lab_support.h"

extern char** environ;

using namespace sd::test;

namespace {

const char* kAcmeProdSpec = "examples/acme-prod.yaml";
const std::vector<std::string> kExtra = {"users/advisors.csv"};

struct LiveState {
  std::string store, environment;
};

LiveState live_state(const Workspace& w) {
  return {dump_store(w.path("state/nexj-config.db")),
          read_text(w.path("env/acme-prod.environment")).value_or("(missing)")};
}

// Runs apply in a new process (tests/crash/crash_apply.cc, started with posix_spawn, so that
// nothing of this process's threads is inherited) that kills itself at the `kill_at`-th
// checkpoint (1-based). Returns true if it was killed, false if the apply finished first.
bool apply_killed_at(const Workspace& w, int kill_at) {
  std::vector<std::string> args = {SYNCDEPLOY_CRASH_APPLY, std::to_string(kill_at)};
  for (std::string& a : apply_args(w)) args.push_back(std::move(a));
  std::vector<std::string> env;
  for (const auto& [name, value] : RunningLab::shared().env_with(kDemoSecrets))
    env.push_back(name + "=" + value);
  // The sanitizers' settings, if any, as the test process has them.
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).find("SAN_OPTIONS=") != std::string_view::npos) env.push_back(*e);
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  for (std::string& e : env) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);

  posix_spawn_file_actions_t files;
  REQUIRE(::posix_spawn_file_actions_init(&files) == 0);
  // What the child prints goes to a file of the workspace, shown if it fails.
  const std::string log = w.path("crash_apply.log");
  REQUIRE(::posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                             0600) == 0);
  REQUIRE(::posix_spawn_file_actions_adddup2(&files, 1, 2) == 0);
  pid_t child = -1;
  int spawned = ::posix_spawn(&child, argv[0], &files, nullptr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&files);
  REQUIRE(spawned == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  if (WIFSIGNALED(status)) {
    REQUIRE(WTERMSIG(status) == SIGKILL);
    return true;
  }
  INFO(read_text(log).value_or("(no output)"));
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return false;
}

// Kill schedules, by round: rounds [0, c) kill at every checkpoint once alone; rounds [c, 3c)
// kill the resuming applies too, at points that move with the first one (c: the checkpoints of a
// clean run). Each part is a test case of its own, so that CTest runs them side by side.
enum class Rounds { Once, ThreeKills, TwoKills };

void converges_after_kills(Rounds part) {
  Workspace clean(kAcmeProdSpec, kExtra);
  int checkpoints = 0;
  CliRun reference =
      clean.run_with_checkpoints(apply_args(clean), [&](std::string_view) { ++checkpoints; });
  INFO(reference.out << reference.err);
  REQUIRE(reference.code == 0);
  const LiveState expected = live_state(clean);
  REQUIRE(checkpoints >= 10);

  const int first = static_cast<int>(part) * checkpoints;
  int kills = 0;
  for (int round = first; round < first + checkpoints; ++round) {
    std::vector<int> schedule{1 + round % checkpoints};
    if (part == Rounds::TwoKills)
      schedule.push_back(1 + (round * 5) % checkpoints);
    else if (part == Rounds::ThreeKills)
      schedule = {schedule[0], 1 + (round * 7) % checkpoints, 1 + (round * 11) % checkpoints};
    Workspace w(kAcmeProdSpec, kExtra);
    for (int kill_at : schedule) {
      INFO("kill at checkpoint " << kill_at << " of " << checkpoints << ", round " << round);
      if (apply_killed_at(w, kill_at)) ++kills;
    }
    CliRun last = w.run(apply_args(w));
    INFO(last.out << last.err);
    REQUIRE((last.code == 0));
    LiveState now = live_state(w);
    CHECK(now.store == expected.store);
    CHECK(now.environment == expected.environment);
    CHECK(w.run({"plan", w.spec(), "--only", "nexj", "--detailed-exitcode"}).code == 0);
  }
  // The first kill of every round lands (each checkpoint is reached); the resuming applies
  // pass fewer checkpoints, so some of their kills come too late.
  if (part == Rounds::Once)
    CHECK(kills == checkpoints);
  else
    CHECK(kills > checkpoints);
}

}  // namespace

TEST_CASE("apply killed at every checkpoint converges to a clean run's state", "[apply][crash]") {
  converges_after_kills(Rounds::Once);
}

TEST_CASE("apply killed, and its resuming applies killed twice, converges", "[apply][crash]") {
  converges_after_kills(Rounds::ThreeKills);
}

TEST_CASE("apply killed, and its resuming apply killed once, converges", "[apply][crash]") {
  converges_after_kills(Rounds::TwoKills);
}
