// Reading JSON documents that users hand in (observed states, saved plans): the words and
// positions their error messages use.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace sd {

// What kind of JSON value `j` is: "a string", "an array", "null"...
[[nodiscard]] const char* json_kind(const nlohmann::json& j);

// The line:column of byte offset `byte` (as nlohmann reports it, one past the byte) in `text`.
[[nodiscard]] Location json_location(const std::string& file, std::string_view text, size_t byte);

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
