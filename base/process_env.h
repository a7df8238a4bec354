// The process environment, as the optional-returning lookup the CLI and secret sources take.
#pragma once

#include <optional>
#include <string>

namespace sd {

// The variable's value, or nothing when it is not set (set but empty gives "").
[[nodiscard]] std::optional<std::string> process_env(const std::string& name);

}  // namespace sd
