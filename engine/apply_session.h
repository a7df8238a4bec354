// Apply: lock, read live state, plan, confirm, execute with the journal. With a saved plan
// (plan -out), exactly that plan runs: steps whose object changed since it was made are
// refused by name (design decision 5). When the plan changes the Exchange side (the service
// account, impersonation, throttling), that part runs first; then the mailboxes are asked, the
// plan is made again, and the reviewed plan's NexJ steps run against it (two phases). A run
// that was killed is completed by the next apply, which reads live state again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/exchange_reads.h"
#include "engine/world.h"
#include "plan/plan.h"
#include "runtime/apply_executor.h"
#include "runtime/journal.h"

namespace sd::engine {

struct ApplyRequest {
  std::string input;  // a spec, or a plan saved with plan -out
  std::vector<std::string> only;
  bool auto_approve = false;
  std::string journal;       // default: beside the store
  int64_t lock_timeout = 0;  // seconds to wait for another apply's lock
  ExchangeReadOptions exchange;
};

// What the person who runs apply is told and asked while it runs, in that order. The CLI
// prints and reads the terminal; tests record.
class ApplyConversation {
 public:
  virtual ~ApplyConversation() = default;
  // A run of an earlier apply that was killed: this one completes it.
  virtual void resuming(const InterruptedRun& run) = 0;
  // Changes found now that the reviewed plan does not have: they are left alone.
  virtual void not_in_plan(size_t count, bool saved_plan) = 0;
  enum class NothingToDo {
    NoChanges,    // live state matches the spec
    NothingElse,  // but for users who cannot sync (the plan lists them)
    NothingLeft,  // a saved plan's changes are all live already
  };
  virtual void nothing_to_do(NothingToDo why, const Plan& plan, size_t already_done) = 0;
  // About to apply a saved plan: how many of its steps run, are already live, are refused.
  virtual void applying_saved_plan(const std::string& plan_file, const std::string& plan_id,
                                   size_t to_do, size_t already_done, size_t refused) = 0;
  // About to apply `plan`, made now (it is shown, and confirmed unless auto-approved).
  virtual void showing_plan(const Plan& plan) = 0;
  enum class Answer { Yes, No, CannotAsk };
  [[nodiscard]] virtual Answer confirm(const Plan& plan, size_t changes) = 0;
  // Confirmed: changes are about to be made.
  virtual void starting() = 0;
  // The first phase of a two-phase apply is done; the mailboxes are asked now.
  virtual void exchange_side_done(size_t changed) = 0;
  virtual void warning(const std::string& text) = 0;
};

struct ApplyOutcome {
  enum class Ending {
    Failed,               // `errors`; nothing was changed
    OnlyWithSavedPlan,    // --only given with a saved plan: nothing was changed
    SpecChanged,          // the spec of a saved plan changed since: make a new plan
    PreconditionsFailed,  // `plan.observed.checks` say which: nothing was changed
    CannotApply,          // `reason` (see `plan`): nothing was changed
    NothingToDo,          // said through ApplyConversation::nothing_to_do
    NotConfirmed,         // the confirmation was not given: nothing was changed
    CannotConfirm,        // confirmation needed, but it cannot be asked
    Applied,              // `report` of `plan`'s actions; `vanished` refused
  } ending = Ending::Failed;
  std::vector<Error> errors;
  Plan plan;           // the plan shown, or the one executed (a two-phase apply plans again)
  std::string reason;  // CannotApply
  std::string spec_path;
  ExecutionReport report;
  // Saved steps whose object is no longer found live: refused.
  std::vector<std::string> vanished;
  // The lock could not be released after the run (said after the outcome).
  std::string release_warning;
};

[[nodiscard]] ApplyOutcome apply_deployment(World& world, const ApplyRequest& request,
                                            ApplyConversation& conversation);

}  // namespace sd::engine
