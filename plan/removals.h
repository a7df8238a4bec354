// The actions of the spec's `remove:` list. Each object found live is removed after what the
// spec creates and changes on its side (the new impersonation or policy is in place before
// the old goes), an assignment before its scope and an association before its policy. A
// removal that would break what stays is blocked with the reason instead.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan.h"

namespace sd {

// Appends one action per `desired.removals` entry: Remove when present, NoOp when absent,
// Unknown when it could not be read, Blocked when something that stays uses it. Marks each
// object found in `named` (indices into observed.resources), so it is not listed as unmanaged.
void add_removal_actions(const DesiredState& desired, const ObservedState& observed,
                         std::vector<Action>& actions, std::vector<uint8_t>& named);

}  // namespace sd
