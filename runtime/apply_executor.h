// Executes a plan's actions against the live systems, in plan order, with the journal
// recording each batch's intent before and its outcome after (design decision 6). An action
// whose dependency failed, was skipped or was refused is skipped; independent actions go on.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/checkpoints.h"
#include "plan/plan.h"
#include "plan/saved_plan_match.h"
#include "runtime/journal.h"
#include "runtime/live_system.h"
#include "spec/secrets.h"

namespace sd {

struct ExecutionRequest {
  const Plan* plan = nullptr;
  // Indices into plan.actions to execute (Create, Update, Disable), in plan order.
  std::vector<uint32_t> to_do;
  // Actions of a saved plan that must not run; what depends on them is skipped.
  std::vector<RefusedAction> refused;
  // Actions of a saved plan whose effect a fresh read found already live.
  std::vector<uint32_t> already_done;
  std::string plan_id;  // plan_id() of the plan, for the journal
  std::string holder;   // who runs it, for the journal
};

struct ExecutedAction {
  uint32_t action = 0;  // index into plan.actions
  Outcome outcome = Outcome::Done;
  std::string error;
};

struct ExecutionReport {
  std::vector<ExecutedAction> actions;  // every requested action, in plan order
  size_t done = 0, already_done = 0, failed = 0, skipped = 0, refused = 0;
  int64_t run = 0;  // the journal's run id
  // Set when the run stopped early (the journal or the lock failed): nothing after it ran.
  std::string stopped;
  [[nodiscard]] bool complete() const { return failed + skipped + refused == 0 && stopped.empty(); }
};

struct ExecutionHooks {
  Checkpoints checkpoints;
  // Called before every batch; an error stops the run (a lost lock must stop writes).
  std::function<Status()> renew_lock;
  // Progress for long runs: before each batch, the actions finished so far, how many are to do
  // in all, and the live system the batch goes to (describe()); once more at the end, with
  // `system` empty.
  std::function<void(size_t finished, size_t total, std::string_view system)> progress;
};

// Largest batch handed to a live system at once: one store transaction, one journal record.
inline constexpr size_t kMaxBatch = 20000;

// Runs `request` against `systems`. Errors of single actions are in the report; a failure of
// the journal itself stops the run (nothing is done that the journal did not record first)
// and is returned as an error only when nothing could be started.
[[nodiscard]] Result<ExecutionReport> execute_plan(const ExecutionRequest& request,
                                                   std::span<LiveSystem* const> systems,
                                                   const SecretValues& secrets, Journal& journal,
                                                   const ExecutionHooks& hooks = {});

}  // namespace sd
