#include "plan/adoption.h"

namespace sd {
namespace {
constexpr std::string_view kAdoptAsIs = "adopt (matches)";
constexpr std::string_view kAdoptAndChange = "adopt and change: ";
}  // namespace

void mark_adoption(Plan& plan) {
  plan.adopting = true;
  for (Action& a : plan.actions) {
    if (a.desired < 0 || a.observed < 0) continue;  // not named, or not found live
    if (a.kind == ActionKind::NoOp)
      a.reason = kAdoptAsIs;
    else if (a.kind == ActionKind::Update)
      a.reason = std::string(kAdoptAndChange) + a.reason;
  }
}

std::string adoption_line(const Plan& plan) {
  if (!plan.adopting) return {};
  size_t as_is = 0, changed = 0;
  // By the reasons mark_adoption() gave: a plan read back from its JSON has them too.
  for (const Action& a : plan.actions) {
    as_is += a.kind == ActionKind::NoOp && a.reason == kAdoptAsIs;
    changed += a.kind == ActionKind::Update && a.reason.starts_with(kAdoptAndChange);
  }
  if (as_is + changed == 0) return {};
  return "First plan of this deployment (no apply of it has ended): " + std::to_string(as_is) +
         (as_is == 1 ? " object" : " objects") + " found live adopted as they are, " +
         std::to_string(changed) + " adopted and changed; nothing that exists is made again.";
}

}  // namespace sd
