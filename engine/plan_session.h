// Plan: the spec against live state (or an observed-state file, or nothing), as plan, diff,
// graph and export need it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/exchange_reads.h"
#include "engine/loaded_input.h"
#include "engine/world.h"
#include "plan/plan.h"

namespace sd::engine {

enum class LiveRead {
  Never,           // nothing exists (graph: structure only)
  FromFileOrLive,  // the observed-state file when given, else the live systems and Exchange
};

struct PlanRequest {
  std::string spec;
  std::string observed;           // an observed-state file; empty: read live state
  std::vector<std::string> only;  // address prefixes (--only)
  LiveRead live = LiveRead::FromFileOrLive;
  bool read_secrets = true;  // false: no secret is read, Exchange is neither read nor asked
  // With read_secrets false, on live state: the plan says so in a failed check (it cannot be
  // applied), and its Exchange objects are unknown for that reason (plan --without-secrets).
  bool say_without_secrets = false;
  ExchangeReadOptions exchange;
};

// The name of the failed check a plan made without secrets has (PlanRequest::say_without_secrets).
inline constexpr std::string_view kWithoutSecretsCheck = "secrets";

[[nodiscard]] Result<Plan> plan_deployment(World& world, const PlanRequest& request);

// A plan saved with `plan -out FILE`, read back whole for `show`: the file and nothing else (no
// spec, secret, environment or live system). Errors name the file (plan/plan_reader.h).
[[nodiscard]] Result<Plan> load_saved_plan(const World& world, const std::string& path);

// The plan of `desired` (built from `input`) against `observed`, limited to `only`.
[[nodiscard]] Plan plan_against(const LoadedInput& input, DesiredState desired,
                                ObservedState observed, const std::vector<std::string>& only);

}  // namespace sd::engine
