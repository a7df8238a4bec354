// Desired channels and one observe -> plan step for the environment file's tests.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plan/desired_state.h"
#include "plan/plan.h"
#include "runtime/nexj/environment_file.h"

namespace sd::testing {

inline constexpr std::string_view kDeployment = "test";

// A desired channel with the given fields (the rest Unset).
inline Resource channel(const ResourceType& type, std::string name,
                        std::vector<std::pair<std::string_view, Value>> fields) {
  Resource r;
  r.type = &type;
  r.name = std::move(name);
  r.values.assign(type.fields.size(), Value{Unset{}});
  for (auto& [field, value] : fields) {
    int i = field_index(type, field);
    REQUIRE(i >= 0);
    r.values[static_cast<size_t>(i)] = std::move(value);
  }
  return r;
}

inline DesiredState desired_of(std::vector<Resource> resources) {
  return DesiredState{std::string(kDeployment), std::move(resources), {}, {}};
}

inline Plan observe_and_plan(EnvironmentFile& env, const DesiredState& desired) {
  ObservedState observed;
  env.observe(desired, observed);
  return make_plan(desired, std::move(observed), {});
}

// The plan's creates and updates.
inline std::vector<uint32_t> changes_of(const Plan& plan) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < plan.actions.size(); ++i)
    if (plan.actions[i].kind == ActionKind::Create || plan.actions[i].kind == ActionKind::Update)
      out.push_back(static_cast<uint32_t>(i));
  return out;
}

}  // namespace sd::testing
