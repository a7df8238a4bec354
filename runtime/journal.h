// The apply journal (design decision 6): an SQLite file beside the configuration store, or at
// a path given. Before the executor changes anything it records its intent (which actions,
// committed to disk); after, their outcome. A run that started and never finished was killed:
// the next apply finds it, reads live state again (so what the killed run finished is a no-op
// now and is not done twice) and completes the rest. Schema: docs/journal-format.md.
//
// Sized for 300,000 actions: a run stores its ordered action list once, intents and outcomes
// are recorded per batch of actions, and only failed or skipped actions get a row each.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/sql.h"

namespace sd {

struct RunStart {
  std::string deployment;
  std::string plan_id;      // plan_id() of the plan being applied
  std::string spec_digest;  // "sha256:..."
  std::string holder;       // who runs it, e.g. "alice@build-7 pid 4242"
  // One line per action to do, in order: "<kind> <address>\n" ("create nexj.target/EXCH01").
  std::string actions;
  size_t action_count = 0;
};

enum class Outcome : uint8_t {
  Done,         // changed live state
  AlreadyDone,  // its effect was already live (e.g. done by a killed run)
  Failed,       // with an error
  Skipped,      // not attempted: something it depends on failed or was refused
  Refused,      // not attempted: a saved plan's object changed since the plan was made
};
[[nodiscard]] std::string_view to_string(Outcome outcome);  // "done", "already done", ...

struct ActionOutcome {
  uint32_t action = 0;  // index into the run's action list (0-based, in RunStart::actions order)
  Outcome outcome = Outcome::Done;
  std::string error;  // Failed/Skipped/Refused: why
};

// A run found without an end: the process was killed or the machine stopped.
struct InterruptedRun {
  int64_t id = 0;
  std::string plan_id;
  std::string started;  // UTC, ISO 8601
  std::string holder;
  size_t action_count = 0;
  size_t finished = 0;   // actions whose batch recorded an outcome
  size_t in_flight = 0;  // actions whose batch recorded an intent but no outcome
};

class Journal {
 public:
  virtual ~Journal() = default;
  // Records a new run and returns its id. Committed before returning.
  [[nodiscard]] virtual Result<int64_t> begin_run(const RunStart& run) = 0;
  // Intent for a batch of actions (indices into the run's list) about to be done by `system`
  // (LiveSystem::describe()). Committed before returning. Returns the batch's id.
  [[nodiscard]] virtual Result<int64_t> record_intent(int64_t run,
                                                      std::span<const uint32_t> actions,
                                                      std::string_view system) = 0;
  // Outcome of a batch: every action of it not listed in `exceptions` is Done; `exceptions`
  // lists the others (failed, already done...). Committed before returning.
  [[nodiscard]] virtual Status record_outcome(int64_t run, int64_t batch,
                                              std::span<const ActionOutcome> exceptions) = 0;
  // Actions not handed to a live system, recorded without a batch: skipped, refused, already
  // done (a saved plan's step found live), or failed before any system got it.
  [[nodiscard]] virtual Status record_not_attempted(int64_t run,
                                                    std::span<const ActionOutcome> outcomes) = 0;
  // Ends a run: status "done" (all done), "partial" (some failed, skipped or refused).
  [[nodiscard]] virtual Status finish_run(int64_t run, std::string_view status) = 0;
  // Runs of `deployment` that began and never finished, oldest first, excluding `except`.
  [[nodiscard]] virtual Result<std::vector<InterruptedRun>> interrupted_runs(
      std::string_view deployment, int64_t except) = 0;
  // Closes interrupted runs: status "interrupted", resumed by run `by`.
  [[nodiscard]] virtual Status close_interrupted(std::span<const int64_t> runs, int64_t by) = 0;
};

// Opens (creating and migrating when needed) the journal in `db`.
[[nodiscard]] Result<std::unique_ptr<Journal>> open_journal(SqlDatabase& db, WallClock clock = {});

// Whether an apply of `deployment` ever ended (done, partial, or interrupted and completed) in
// the journal in `db`, read without writing: false for a journal that has no runs table yet.
// Until then every live object the spec names is adopted, not made (engine/plan_session.cc).
[[nodiscard]] Result<bool> deployment_applied(SqlDatabase& db, std::string_view deployment);

// Where the journal lives when no path is given: beside the store, "<store>.journal.db".
[[nodiscard]] std::string default_journal_path(const std::string& store_path);

}  // namespace sd
