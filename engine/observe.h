// Reading every live system at once into one observed state.
#pragma once

#include <span>
#include <string_view>

#include "plan/desired_state.h"
#include "plan/observed_state.h"
#include "runtime/live_system.h"

namespace sd::engine {

// What the Exchange-side objects say when Exchange management was not read.
inline constexpr const char* kExchangeNotRead =
    "Exchange management was not read (limit the plan to the NexJ side with --only nexj)";

// What they say when the plan was made without secrets (plan --without-secrets).
inline constexpr const char* kExchangeNotReadWithoutSecrets =
    "Exchange was not read: the plan was made without secrets (--without-secrets)";

// Observes every system; types no system manages are marked failed with `not_read`, so that
// their objects are Unknown, never absent.
[[nodiscard]] ObservedState observe_all(std::span<LiveSystem* const> systems,
                                        const DesiredState& desired,
                                        std::string_view not_read = kExchangeNotRead);

}  // namespace sd::engine
