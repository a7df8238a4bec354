// An apply killed with SIGKILL at any point is completed by the next one, with nothing done
// twice and nothing lost: the live state then equals that of a run never interrupted. The
// checkpoints are the places where a crash matters (around the journal's records, inside the
// store's transaction, between the environment file's backup and its rename).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/cli/apply_support.h"

using namespace sd::test;

namespace {

const char* kSpec = "examples/acme-prod.yaml";
const std::vector<std::string> kExtra = {"users/advisors.csv"};

struct LiveState {
  std::string store, environment;
};

LiveState live_state(const Workspace& w) {
  return {dump_store(w.path("state/nexj-config.db")),
          read_text(w.path("env/acme-prod.environment")).value_or("(missing)")};
}

std::vector<std::string> apply_args(const Workspace& w) {
  return {"apply", w.spec(), "--only", "nexj", "--auto-approve"};
}

// Runs apply in a child process that kills itself at the `kill_at`-th checkpoint (1-based).
// Returns true if it was killed, false if the apply finished first.
bool apply_killed_at(const Workspace& w, int kill_at) {
  // The Exchange lab serves from threads of this process. Right after an apply ends (killed or
  // not) they are still closing its connections and freeing memory; a fork at that moment can
  // leave the child a lock no thread of its own will release (libasan's allocator has no fork
  // handler), and the child hangs. Let them finish first.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int reached = 0;
    CliRun run = w.run_with_checkpoints(apply_args(w), [&](std::string_view) {
      if (++reached == kill_at) ::raise(SIGKILL);
    });
    ::_exit(run.code);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  if (WIFSIGNALED(status)) {
    REQUIRE(WTERMSIG(status) == SIGKILL);
    return true;
  }
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return false;
}

}  // namespace

TEST_CASE("apply killed at every checkpoint, twice over, converges to a clean run's state",
          "[apply][crash]") {
  Workspace clean(kSpec, kExtra);
  int checkpoints = 0;
  CliRun reference =
      clean.run_with_checkpoints(apply_args(clean), [&](std::string_view) { ++checkpoints; });
  INFO(reference.out << reference.err);
  REQUIRE(reference.code == 0);
  const LiveState expected = live_state(clean);
  REQUIRE(checkpoints >= 10);

  int kills = 0;
  for (int round = 0; round < 3 * checkpoints; ++round) {
    // Every checkpoint once alone; then twice more with the resuming applies killed too, at
    // points that move with the first one.
    std::vector<int> schedule{1 + round % checkpoints};
    if (round >= 2 * checkpoints)
      schedule.push_back(1 + (round * 5) % checkpoints);
    else if (round >= checkpoints)
      schedule = {schedule[0], 1 + (round * 7) % checkpoints, 1 + (round * 11) % checkpoints};
    Workspace w(kSpec, kExtra);
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
  CHECK(kills >= 50);
}
