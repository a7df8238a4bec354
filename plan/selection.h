// `--only PREFIX`: limiting a plan (or a diff, or an apply) to part of the deployment.
// A prefix selects an address when it is the address or a leading part of it that ends at a
// separator: "nexj" selects "nexj.target/EXCH01", "nexj.folder_link/jsmith" selects
// "nexj.folder_link/jsmith/calendar" but not "nexj.folder_link/jsmithe/calendar".
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "plan/observed_state.h"
#include "plan/resource.h"

namespace sd {

// True when some prefix selects the address (all addresses when there are no prefixes). In
// the type part a prefix ends at '.' or '/'; in the name part only at '/' ("nexj.target/EXCH"
// does not select "nexj.target/EXCH.old"). The name part compares without case for types
// whose names ignore case (ResourceType::names_ignore_case).
[[nodiscard]] bool selects(std::span<const std::string> prefixes, std::string_view address);
// The same for an object known by type and name, without building its address.
[[nodiscard]] bool selects(std::span<const std::string> prefixes, const ResourceType& type,
                           std::string_view name);

// True when some prefix can select objects of `type` (all types when there are no prefixes).
[[nodiscard]] bool selects_type(std::span<const std::string> prefixes, const ResourceType& type);

// Each prefix must start with "nexj" or "exchange" and be able to select something:
// "--only nexj.tar selects nothing: use a type such as nexj.target, or nexj, exchange".
// `given_as` names where the prefixes come from in messages ("--only", or a saved plan's "only").
[[nodiscard]] Status check_prefixes(std::span<const std::string> prefixes,
                                    std::string_view given_as = "--only");

// The selected resources, dependencies renumbered. A dependency on a resource outside the
// selection is dropped: what the selection needs outside itself is assumed to be in place
// (that is what limiting a plan means; a plan of everything would order it first).
[[nodiscard]] DesiredState select_desired(DesiredState desired,
                                          std::span<const std::string> prefixes);

// The selected objects, and the failed or unread types that the prefixes can select (an
// unread type outside the selection must not make selected actions Unknown). Indexed.
[[nodiscard]] ObservedState select_observed(ObservedState observed,
                                            std::span<const std::string> prefixes);

}  // namespace sd
