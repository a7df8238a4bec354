// What the live systems hold for this deployment that the spec does not name and the plan
// leaves alone: shown for review ("unmanaged: review"), never silently kept and never removed
// unasked. Each comes with what to write to adopt it or how to remove it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plan/observed_state.h"

namespace sd {

// Indices into `observed.resources` of the objects that concern the deployment, are present,
// are not named by `desired` (`named[j]` is 1 for those that are) and get no action
// (`acted[j]`): Exchange objects of the service account (the read lists only those), mail
// channels, HTTP channels that point at EWS or that a target names, enabled targets and folder
// links, user options, global options. In step order, then by name.
[[nodiscard]] std::vector<uint32_t> find_unmanaged(const DesiredState& desired,
                                                   const ObservedState& observed,
                                                   const std::vector<uint8_t>& named,
                                                   const std::vector<uint8_t>& acted);

// True when `url` points at EWS (its path holds /EWS/, any case): an HTTP channel to Exchange.
[[nodiscard]] bool is_ews_url(std::string_view url);

// One line for the reviewer: what to write in the spec to manage `o`, and how to remove it. It
// depends on the type and name only, so a plan read back from its JSON says the same.
[[nodiscard]] std::string unmanaged_hint(const ObservedResource& o);

}  // namespace sd
