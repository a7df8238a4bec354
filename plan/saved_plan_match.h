// Applying a saved plan (design decision 5): the saved actions are matched, by address, with a
// plan made now from the same spec and freshly read live state. A step runs only if the object
// it touches is as it was when the plan was made and it would do exactly what the plan says
// (a folder id asked during apply aside: Action::filled_at_apply).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "plan/plan.h"
#include "plan/saved_plan.h"

namespace sd {

struct RefusedAction {
  uint32_t action = 0;  // index into the fresh plan's actions
  std::string reason;   // e.g. "changed since the plan was made"
};

struct SavedPlanMatch {
  std::vector<uint32_t> to_do;         // fresh plan indices, in plan order
  std::vector<RefusedAction> refused;  // in plan order
  std::vector<uint32_t> already_done;  // the saved change is live already (e.g. a killed apply)
  std::vector<std::string> vanished;   // saved changes whose object is no longer found at all
  // Saved links whose mailboxes were asked during apply (folderIdAtApply) and whose user
  // turned out unable to sync: left out, as a plan that had asked would have blocked them.
  std::vector<uint32_t> cannot_sync;
  size_t not_in_plan = 0;  // changes the fresh plan has that the saved plan does not: left alone
};

// Errors: the saved plan has actions that could not be decided (unknown, blocked), or is of
// another deployment.
[[nodiscard]] Result<SavedPlanMatch> match_saved_plan(const SavedPlan& saved, const Plan& fresh);

}  // namespace sd
