// Rules the schema cannot express: references resolve, names are unique, emails are valid and
// unique, version-dependent rules, https, regular expressions compile.
#pragma once

#include <vector>

#include "base/error.h"
#include "spec/spec.h"

namespace sd {

struct Document;  // spec/document.h

// Every rule violation in `spec`; locations through `doc` (inline objects) or the CSV origin.
[[nodiscard]] std::vector<Error> check_semantics(const Spec& spec, const Document& doc);

}  // namespace sd
