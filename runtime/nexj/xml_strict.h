// The XML 1.0 well-formedness rules pugixml does not enforce, checked on the raw text so that
// the tool never accepts, edits and writes back a file a strict parser (NexJ's) would refuse:
// characters outside XML's Char (U+FFFE, U+FFFF; C0 controls are refused before), "--" inside
// a comment or a comment ending in "--->", "]]>" in character data. Duplicate attributes are
// refused where the file is parsed (environment_file.cc).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sd::xml {

struct StrictProblem {
  size_t offset = 0;    // where, in bytes
  std::string message;  // "\"--\" inside a comment"
};

// The first such problem in `text` (well-formed UTF-8 that pugixml parsed), or nothing.
[[nodiscard]] std::optional<StrictProblem> find_strict_problem(std::string_view text);

}  // namespace sd::xml
