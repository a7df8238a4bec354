// Reading JSON documents that users hand in (observed states, saved plans): the words and
// positions their error messages use.
#pragma once

#include <functional>
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

// A JSON document built from nlohmann's SAX events (json::sax_parse), smaller in memory than
// json::parse's when asked: members that `keep` refuses are left out, and the elements of the
// root's array member named `streamed` are handed to `take_element` one by one, as each ends,
// instead of being kept (that array stays empty in `root`). A 300,000-action plan is then never
// one DOM. Parse it with parse_json_sax().
class JsonSaxBuilder {
 public:
  using json = nlohmann::json;
  // Whether the member `key` of an object `depth` containers deep is kept (the root's members
  // are at depth 1, their members at 2...). Empty: every member is kept.
  std::function<bool(size_t depth, std::string_view key)> keep;
  std::string streamed;
  // Called with each element of `streamed` (counted from 0 over the document, in case the
  // member is given twice) once it is complete. May throw: the parse stops there.
  std::function<void(size_t index, json element)> take_element;

  json root;
  size_t streamed_arrays = 0;  // how many times the root gave its member `streamed`
  bool syntax_error = false;
  size_t error_byte = 0;
  std::string error_text;

  // nlohmann's SAX interface.
  bool null() { return value(nullptr); }
  bool boolean(bool b) { return value(b); }
  bool number_integer(json::number_integer_t n) { return value(n); }
  bool number_unsigned(json::number_unsigned_t n) { return value(n); }
  bool number_float(json::number_float_t n, const json::string_t&) { return value(n); }
  bool string(json::string_t& s) { return value(std::move(s)); }
  bool binary(json::binary_t&) { return value(nullptr); }  // JSON text has none
  bool start_object(size_t) { return open(json::object()); }
  bool start_array(size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k);
  bool parse_error(size_t position, const std::string&, const nlohmann::detail::exception& e);

 private:
  json* place(json v);
  bool value(json v);
  bool open(json v);
  bool close();
  void hand_off();  // the streamed array's element, when it is complete

  std::vector<json*> open_;  // the containers being filled; only the last one grows
  std::string key_;
  bool skip_next_ = false;  // the next value belongs to a dropped member
  size_t skipping_ = 0;     // depth inside a dropped container
  json* stream_ = nullptr;  // the streamed array, while it is open
  size_t taken_ = 0;        // elements handed off so far
};

// Parses `text` into `sax`, after the depth check (too_deep_at): errors name `file` and the
// line and column, for text too deep or not JSON. What `sax` throws is not caught here.
[[nodiscard]] Status parse_json_sax(const std::string& file, std::string_view text,
                                    JsonSaxBuilder& sax);

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
