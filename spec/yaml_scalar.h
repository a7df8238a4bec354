// YAML scalars in the spec's own style, for what syncdeploy writes as spec text (import) or
// suggests pasting into one (the review list's hints).
#pragma once

#include <string>
#include <string_view>

namespace sd {

// A YAML scalar for `text`: plain where that reads back as the same string (YAML 1.2 core
// schema), else double-quoted with escapes. Exact for any valid UTF-8.
[[nodiscard]] std::string yaml_scalar(std::string_view text);

}  // namespace sd
