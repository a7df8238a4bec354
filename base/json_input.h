// Reading JSON documents that users hand in (observed states, saved plans): the words and
// positions their error messages use.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/error.h"

namespace sd {

// What kind of JSON value `j` is: "a string", "an array", "null"...
[[nodiscard]] const char* json_kind(const nlohmann::json& j);

// The line:column of byte offset `byte` (as nlohmann reports it, one past the byte) in `text`.
[[nodiscard]] Location json_location(const std::string& file, std::string_view text, size_t byte);

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error
// ..." without its prefix and position ("syntax error ..."): the Location says where.
[[nodiscard]] std::string json_parse_error_text(std::string_view what);

}  // namespace sd
