// Values in JSON: the JSON plan and the observed-state file. Apart from value.h so that only
// the readers and writers of those files parse nlohmann/json.
#pragma once

#include <nlohmann/json.hpp>

#include "plan/value.h"

namespace sd {

// JSON form used by the JSON plan and the observed-state file: null, bool, number, string,
// array of strings, {"sensitive": true, "fingerprint": "..."}. Unset has no JSON form.
[[nodiscard]] nlohmann::json value_to_json(const Value& v);
// Inverse of value_to_json; returns false for shapes that are not a Value.
[[nodiscard]] bool value_from_json(const nlohmann::json& j, Value& out);

}  // namespace sd
