// Reading JSON documents that users hand in (observed states, saved plans): the words and
// positions their error messages use.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace sd {

// What kind of JSON value `j` is: "a string", "an array", "null"...
[[nodiscard]] const char* json_kind(const nlohmann::json& j);

// The line:column of byte offset `byte` (as nlohmann reports it, one past the byte) in `text`.
[[nodiscard]] Location json_location(const std::string& file, std::string_view text, size_t byte);

// JSON handed in nests this deep at the most: deeper is a mistake or an attack (the readers and
// nlohmann's dump() recurse).
inline constexpr size_t kMaxJsonDepth = 64;

// The byte offset (one past it, as nlohmann counts) of the first '[' or '{' that nests deeper
// than `max_depth`, outside strings; nothing when the text stays within it. One pass, no
// allocation: checked before parsing.
[[nodiscard]] std::optional<size_t> too_deep_at(std::string_view text,
                                                size_t max_depth = kMaxJsonDepth);

// A short excerpt of a value for an error message: a string quoted and cut, a number or
// boolean as written, or the kind of a container ("an array"). Never the whole of a large or
// deep value.
[[nodiscard]] std::string json_excerpt(const nlohmann::json& j);

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error
// ..." without its prefix and position ("syntax error ..."): the Location says where.
[[nodiscard]] std::string json_parse_error_text(std::string_view what);

// The errors of one file, at most 20: a broken 300,000-line file must not print 300,000
// errors. Past the limit, one more says that only the first ones are shown.
class InputErrors {
 public:
  static constexpr size_t kMax = 20;
  explicit InputErrors(std::string file) : file_(std::move(file)) {}
  void add(std::string message, std::string subject = {}) {
    if (errors_.size() < kMax)
      errors_.push_back(make_error(std::move(message), Location{file_, 0, 0}, std::move(subject)));
    else
      truncated_ = true;
  }
  [[nodiscard]] bool empty() const { return errors_.empty(); }
  [[nodiscard]] std::vector<Error> take() {
    if (truncated_)
      errors_.push_back(
          make_error("too many errors; the first " + std::to_string(kMax) + " are shown",
                     Location{file_, 0, 0}));
    return std::move(errors_);
  }

 private:
  std::string file_;
  std::vector<Error> errors_;
  bool truncated_ = false;
};

}  // namespace sd
