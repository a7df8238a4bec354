// What the live systems hold, as read by the runtime (or given with `plan --observed FILE`).
// Reads have three outcomes (design decision 2): present, absent, or unknown with the error.
// A failed read is never taken for absent. File format: docs/observed-state-format.md.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/error.h"
#include "compiler/resource.h"

namespace sd {

enum class Presence { Present, Absent, Unknown };

struct ObservedResource {
  const ResourceType* type = nullptr;
  std::string name;
  Presence presence = Presence::Present;
  std::string error;          // why it is Unknown
  std::vector<Value> values;  // one per type->fields; Unset where the read did not say
};

struct ObservedState {
  std::vector<ObservedResource> resources;
  // Types whose read failed as a whole: every object of that type is Unknown with this error.
  std::map<std::string, std::string, std::less<>> failed_types;
  // Types that were not read at all (e.g. no runtime for them yet). Their objects are Unknown.
  // Empty in a complete observation. An empty ObservedState (no file) means "nothing exists".
  std::vector<std::string> unread_types;

  // Lookup by address_key(); built by index().
  std::unordered_map<std::string, uint32_t> by_address;
  void index();

  // Present/Absent/Unknown of the object at `address` of `type` (Absent if not listed and its
  // type was read), and the resource when listed.
  [[nodiscard]] Presence presence_of(const ResourceType& type, const std::string& address,
                                     const ObservedResource** found, std::string* error) const;
};

// Parses the observed-state JSON document. Errors name `file` and the JSON path.
[[nodiscard]] Result<ObservedState> parse_observed_state(const std::string& file,
                                                         std::string_view text);

// The JSON document for `state` (what the runtime will write; round-trips with the parser).
[[nodiscard]] std::string observed_state_to_json(const ObservedState& state);

}  // namespace sd
