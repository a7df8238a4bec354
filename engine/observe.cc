#include "engine/observe.h"

namespace sd::engine {

ObservedState observe_all(std::span<LiveSystem* const> systems, const DesiredState& desired,
                          std::string_view not_read) {
  ObservedState observed;
  for (LiveSystem* system : systems) system->observe(desired, observed);
  for (const ResourceType* type : all_resource_types()) {
    bool managed = false;
    for (LiveSystem* system : systems) managed = managed || system->manages(*type);
    if (!managed) observed.failed_types.emplace(std::string(type->name), std::string(not_read));
  }
  return observed;  // make_plan indexes it
}

}  // namespace sd::engine
