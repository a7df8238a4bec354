#include "base/json_input.h"

#include <algorithm>

#include "base/text_checks.h"

namespace sd {

const char* json_kind(const nlohmann::json& j) {
  using nlohmann::json;
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a fractional number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

Location json_location(const std::string& file, std::string_view text, size_t byte) {
  size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  Location loc{file, 1, 1};
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

std::string json_parse_error_text(std::string_view what) {
  if (size_t p = what.find("parse error"); p != std::string_view::npos) {
    what.remove_prefix(p);
    if (size_t colon = what.find(": "); colon != std::string_view::npos)
      what.remove_prefix(colon + 2);
  }
  return std::string(what);
}

std::optional<size_t> too_deep_at(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i + 1;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

std::string json_excerpt(const nlohmann::json& j) {
  if (j.is_string()) return quoted(j.get_ref<const std::string&>(), 40);
  if (j.is_number() || j.is_boolean() || j.is_null()) return j.dump();
  return json_kind(j);
}

}  // namespace sd
