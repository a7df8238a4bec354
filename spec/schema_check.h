// Validation of a spec document against schema/spec.schema.json (JSON Schema draft 7,
// embedded in the binary) with valijson, errors mapped to file:line:col.
#pragma once

#include <vector>

#include "base/error.h"

namespace sd {

struct Document;  // spec/document.h

// Every schema violation in `doc`, most specific first per node, sorted. Empty when valid.
[[nodiscard]] std::vector<Error> check_schema(const Document& doc);

}  // namespace sd
