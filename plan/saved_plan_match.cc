#include "plan/saved_plan_match.h"

#include <algorithm>
#include <unordered_map>

#include "plan/plan_identity.h"

namespace sd {
namespace {

bool is_change(ActionKind k) {
  return changes_live(k);
}

}  // namespace

Result<SavedPlanMatch> match_saved_plan(const SavedPlan& saved, const Plan& fresh) {
  if (saved.deployment != fresh.deployment)
    return make_error("the saved plan is for deployment '" + saved.deployment +
                      "', the spec is for '" + fresh.deployment + "'");
  size_t undecided = 0;
  for (const SavedAction& a : saved.actions)
    if (a.kind == ActionKind::Unknown || (a.kind == ActionKind::Blocked && !a.cannot_sync))
      ++undecided;
  if (undecided)
    return make_error("the saved plan has " + std::to_string(undecided) +
                      " actions it could not decide (unknown or blocked); it cannot be applied: "
                      "fix their cause and make a new plan");

  std::unordered_map<std::string, uint32_t> by_address;
  by_address.reserve(fresh.actions.size());
  for (uint32_t i = 0; i < fresh.actions.size(); ++i)
    by_address.emplace(fresh.actions[i].address(), i);

  SavedPlanMatch out;
  std::vector<uint8_t> planned(fresh.actions.size(), 0);  // the saved plan changes it
  for (const SavedAction& s : saved.actions) {
    if (!is_change(s.kind)) continue;
    auto it = by_address.find(s.address);
    if (it != by_address.end()) planned[it->second] = 1;
    if (it == by_address.end()) {
      out.vanished.push_back(s.address);
      continue;
    }
    uint32_t i = it->second;
    const Action& now = fresh.actions[i];
    if (now.kind == ActionKind::NoOp) {
      out.already_done.push_back(i);
    } else if (s.filled_at_apply && now.kind == ActionKind::Blocked && now.cannot_sync) {
      out.cannot_sync.push_back(i);  // the plan could not know: its mailboxes were not asked
    } else if (now.kind == ActionKind::Blocked || now.kind == ActionKind::Unknown) {
      out.refused.push_back(
          {i, std::string(now.kind == ActionKind::Blocked ? "blocked now: " : "unknown now: ") +
                  now.reason});
    } else if (observed_fingerprint(fresh, now) != s.observed_fingerprint) {
      out.refused.push_back({i, "changed since the plan was made"});
    } else if (action_fingerprint(now, s.observed_fingerprint, s.filled_at_apply) !=
               s.fingerprint) {
      out.refused.push_back(
          {i, now.type == &types::kFolderLink
                  ? "the change now differs from the saved plan's (Exchange gave another "
                    "folder id?)"
                  : "the change now differs from the saved plan's (a secret changed since?)"});
    } else {
      out.to_do.push_back(i);
    }
  }
  // Drift that appeared after the plan was made is not the saved plan's to change.
  for (uint32_t i = 0; i < fresh.actions.size(); ++i)
    if (!planned[i] && is_change(fresh.actions[i].kind)) ++out.not_in_plan;
  std::sort(out.to_do.begin(), out.to_do.end());
  std::sort(out.already_done.begin(), out.already_done.end());
  std::sort(out.cannot_sync.begin(), out.cannot_sync.end());
  std::sort(out.refused.begin(), out.refused.end(),
            [](const RefusedAction& a, const RefusedAction& b) { return a.action < b.action; });
  return out;
}

}  // namespace sd
