// The typed spec from a schema-valid document, with documented defaults applied.
#pragma once

#include "base/error.h"
#include "spec/spec.h"

namespace sd {

struct Document;  // spec/document.h

// `doc` must have passed check_schema(); shapes are not checked again. CSV files named in
// users.csv are recorded in Users::csvFiles but not read here.
[[nodiscard]] Spec read_spec(const Document& doc);

}  // namespace sd
