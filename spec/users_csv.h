// Bulk user lists: CSV with a header row naming the columns login,email[,target][,folders].
// A hand-written parser: yaml-cpp takes seconds for 100k entries, this takes milliseconds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "spec/spec.h"

namespace sd {

// Appends one User per data row of `text` to `out`. `file` is the path shown in errors;
// `source` is the CSV's 1-based index in Users::csvFiles. Missing target/folders take the
// defaults of `users`. Returns every row error found (file:line:col and column name).
[[nodiscard]] std::vector<Error> parse_users_csv(const std::string& file, std::string_view text,
                                                 uint16_t source, const Users& users,
                                                 std::vector<User>& out);

}  // namespace sd
