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

bool JsonSaxBuilder::key(json::string_t& k) {
  if (skipping_ == 0) {
    skip_next_ = keep && !keep(open_.size(), k);
    key_ = std::move(k);
  }
  return true;
}

bool JsonSaxBuilder::parse_error(size_t position, const std::string&,
                                 const nlohmann::detail::exception& e) {
  syntax_error = true;
  error_byte = position;
  error_text = e.what();
  return false;
}

// Where a new value goes: the root, the end of the open array, or the open object's key.
JsonSaxBuilder::json* JsonSaxBuilder::place(json v) {
  if (open_.empty()) {
    root = std::move(v);
    return &root;
  }
  json& parent = *open_.back();
  if (parent.is_array()) {
    parent.push_back(std::move(v));
    return &parent.back();
  }
  const bool starts_stream =
      open_.size() == 1 && v.is_array() && !streamed.empty() && key_ == streamed;
  json& slot = parent[key_];
  slot = std::move(v);
  if (starts_stream) {
    stream_ = &slot;
    ++streamed_arrays;
  }
  return &slot;
}

bool JsonSaxBuilder::value(json v) {
  if (skipping_ == 0 && !skip_next_) {
    place(std::move(v));
    hand_off();
  }
  skip_next_ = false;
  return true;
}

bool JsonSaxBuilder::open(json v) {
  if (skipping_ > 0 || skip_next_) {
    ++skipping_;
    skip_next_ = false;
    return true;
  }
  open_.push_back(place(std::move(v)));
  return true;
}

bool JsonSaxBuilder::close() {
  if (skipping_ > 0) {
    --skipping_;
  } else if (!open_.empty()) {
    if (open_.back() == stream_) stream_ = nullptr;  // the streamed array ends
    open_.pop_back();
    hand_off();
  }
  return true;
}

void JsonSaxBuilder::hand_off() {
  if (!stream_ || open_.empty() || open_.back() != stream_ || stream_->empty()) return;
  json element = std::move(stream_->back());
  stream_->get_ref<json::array_t&>().pop_back();
  if (take_element) take_element(taken_++, std::move(element));
}

Status parse_json_sax(const std::string& file, std::string_view text, JsonSaxBuilder& sax) {
  if (std::optional<size_t> at = too_deep_at(text))
    return make_error("nesting is deeper than " + std::to_string(kMaxJsonDepth) + " levels",
                      json_location(file, text, *at));
  if (!nlohmann::json::sax_parse(text.begin(), text.end(), &sax)) {
    if (sax.syntax_error)
      return make_error("not valid JSON: " + json_parse_error_text(sax.error_text),
                        json_location(file, text, sax.error_byte));
    return make_error("not valid JSON", Location{file, 0, 0});
  }
  return ok_status();
}

}  // namespace sd
