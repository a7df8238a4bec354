// The value model's building and reading, and PowerShell's _xHHHH_ string escaping.
#include "protocol/psrp/clixml_value.h"

#include <charconv>

#include "base/text_checks.h"

namespace sd::psrp {
namespace {

bool clixml_is_integer_tag(std::string_view tag) {
  return tag == "I32" || tag == "I64" || tag == "U32" || tag == "U64" || tag == "I16" ||
         tag == "U16" || tag == "By" || tag == "SB";
}

}  // namespace

// ---- Building ----

Value Value::nil() {
  return Value{};
}

Value Value::string(std::string_view utf8) {
  return primitive("S", utf8);
}

Value Value::boolean(bool value) {
  return primitive("B", value ? "true" : "false");
}

Value Value::i32(int32_t value) {
  return primitive("I32", std::to_string(value));
}

Value Value::i64(int64_t value) {
  return primitive("I64", std::to_string(value));
}

Value Value::primitive(std::string_view tag, std::string_view text) {
  Value value;
  value.tag = std::string(tag);
  value.text = std::string(text);
  return value;
}

Value Value::list(std::vector<Value> items, std::vector<std::string> types) {
  Value value;
  value.tag = "Obj";
  value.type_names = types.empty()
                         ? std::vector<std::string>{"System.Collections.ArrayList", "System.Object"}
                         : std::move(types);
  value.collection = Collection::List;
  value.items = std::move(items);
  return value;
}

Value Value::dictionary(std::vector<Entry> entries, std::vector<std::string> types) {
  Value value;
  value.tag = "Obj";
  value.type_names = types.empty()
                         ? std::vector<std::string>{"System.Collections.Hashtable", "System.Object"}
                         : std::move(types);
  value.collection = Collection::Dictionary;
  value.entries = std::move(entries);
  return value;
}

Value Value::enumeration(std::string_view type, std::string_view name, int32_t number) {
  Value value;
  value.tag = "Obj";
  value.type_names = {std::string(type), "System.Enum", "System.ValueType", "System.Object"};
  value.to_string = std::string(name);
  value.wrapped.push_back(i32(number));
  return value;
}

Value Value::object(std::vector<Property> extended, std::vector<std::string> types) {
  Value value;
  value.tag = "Obj";
  value.type_names = std::move(types);
  value.extended = std::move(extended);
  return value;
}

// ---- Reading ----

const Value* Value::property(std::string_view name) const {
  for (const Property& p : extended)
    if (iequals(p.name, name)) return &p.value;
  for (const Property& p : adapted)
    if (iequals(p.name, name)) return &p.value;
  // An object that wraps another (a property set, as WSMan's provider writes them) has the
  // inner object's properties too.
  for (const Value& inner : wrapped)
    if (const Value* found = inner.property(name)) return found;
  return nullptr;
}

std::string Value::display() const {
  if (tag == "B") return text == "true" ? "True" : "False";
  if (!is_object()) return text;
  if (to_string) return *to_string;
  if (!wrapped.empty()) return wrapped.front().display();
  return "";
}

std::optional<int64_t> Value::as_integer() const {
  if (is_object()) {
    if (wrapped.size() == 1) return wrapped.front().as_integer();
    return std::nullopt;
  }
  if (!clixml_is_integer_tag(tag)) return std::nullopt;
  int64_t number = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (ec != std::errc() || ptr != end) return std::nullopt;  // U64 past INT64_MAX too
  return number;
}

std::optional<bool> Value::as_bool() const {
  if (tag != "B") return std::nullopt;
  if (text == "true") return true;
  if (text == "false") return false;
  return std::nullopt;
}

}  // namespace sd::psrp
