#include "spec/schema_check.h"

// VALIJSON_USE_EXCEPTIONS comes from CMake: valijson reports a broken schema with abort()
// unless told to throw.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "base/text_checks.h"
#include "spec/document.h"
#include "spec_schema_text.h"

namespace sd {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// libstdc++'s std::regex recurses per character and overflows the stack on long input, so no
// string longer than this reaches a pattern. No field of a spec needs more.
constexpr size_t kMaxStringBytes = 4096;

// The embedded schema, parsed once: valijson's form to validate, and the JSON tree (in the
// order it is written) to look up allowed keys, enums and x-error texts for messages.
struct CompiledSchema {
  ordered_json tree;
  valijson::Schema schema;
  std::string failure;  // non-empty when the embedded schema could not be loaded

  CompiledSchema() {
    try {
      tree = ordered_json::parse(kSpecSchemaText);
      json plain = json::parse(kSpecSchemaText);
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(plain);
      parser.populateSchema(adapter, schema);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
};

const CompiledSchema& compiled_schema() {
  static const CompiledSchema compiled;
  return compiled;
}

// What a valijson error says, reduced to the kinds we write our own text for.
enum class Kind {
  Type,
  Enum,
  Const,
  Pattern,
  Range,
  MinItems,
  MaxItems,
  MinLength,
  MaxLength,
  Unique,
  UnknownKey,
  Missing,
  Other
};

Kind classify(const std::string& d) {
  auto starts = [&](std::string_view p) { return d.starts_with(p); };
  if (starts("Value type not permitted")) return Kind::Type;
  if (starts("Failed to match against any enum")) return Kind::Enum;
  if (starts("Failed to match expected value set by 'const'")) return Kind::Const;
  if (starts("Failed to match regex")) return Kind::Pattern;
  if (starts("Expected number")) return Kind::Range;
  if (starts("Array should contain no fewer")) return Kind::MinItems;
  if (starts("Array should contain no more")) return Kind::MaxItems;
  if (starts("String should be no fewer")) return Kind::MinLength;
  if (starts("String should be no more")) return Kind::MaxLength;
  if (starts("Elements at indexes")) return Kind::Unique;
  if (starts("Object contains a property that could not be validated")) return Kind::UnknownKey;
  if (starts("Missing required property")) return Kind::Missing;
  return Kind::Other;
}

// A node of the document: its JSON pointer and the tokens that lead to it.
struct Node {
  std::string pointer;
  std::vector<std::string> tokens;
  const json* value = nullptr;
};

// valijson's context ("<root>", "[exchange]", "[0]") as a pointer into `root`.
Node node_of(const json& root, const std::vector<std::string>& context) {
  Node node{"", {}, &root};
  for (size_t i = 1; i < context.size(); ++i) {
    const std::string& part = context[i];
    std::string token = part.size() >= 2 ? part.substr(1, part.size() - 2) : part;
    const json* next = nullptr;
    if (node.value && node.value->is_array()) {
      size_t index = 0;
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      if (ec == std::errc() && p == token.data() + token.size() && index < node.value->size())
        next = &(*node.value)[index];
    } else if (node.value && node.value->is_object()) {
      auto it = node.value->find(token);
      if (it != node.value->end()) next = &*it;
    }
    node.pointer = pointer_append(node.pointer, token);
    node.tokens.push_back(std::move(token));
    node.value = next;
  }
  return node;
}

// Follows local "$ref"s ("#/definitions/x").
const ordered_json* resolve(const ordered_json& root, const ordered_json* s) {
  for (int hops = 0; s && s->is_object() && s->contains("$ref") && hops < 16; ++hops) {
    const auto& ref = (*s)["$ref"];
    if (!ref.is_string()) return nullptr;
    std::string target = ref.get<std::string>();
    if (!target.starts_with("#")) return nullptr;
    try {
      s = &root.at(ordered_json::json_pointer(target.substr(1)));
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  return s;
}

// The subschema that governs the node at `tokens`, or nullptr.
const ordered_json* schema_at(const ordered_json& root, const json& doc,
                              const std::vector<std::string>& tokens) {
  const ordered_json* s = resolve(root, &root);
  const json* v = &doc;
  for (const std::string& token : tokens) {
    if (!s) return nullptr;
    if (v && v->is_array() && s->contains("items")) {
      s = resolve(root, &(*s)["items"]);
      size_t index = std::strtoul(token.c_str(), nullptr, 10);
      v = index < v->size() ? &(*v)[index] : nullptr;
    } else if (s->contains("properties") && (*s)["properties"].contains(token)) {
      s = resolve(root, &(*s)["properties"][token]);
      v = (v && v->is_object() && v->contains(token)) ? &(*v)[token] : nullptr;
    } else {
      return nullptr;
    }
  }
  return s;
}

std::string string_field(const ordered_json* s, const char* key) {
  if (s && s->contains(key) && (*s)[key].is_string()) return (*s)[key].get<std::string>();
  return {};
}

// "a string", "a list", ... for a schema type name.
std::string type_phrase(std::string_view type) {
  if (type == "string") return "a string";
  if (type == "integer") return "an integer";
  if (type == "number") return "a number";
  if (type == "boolean") return "true or false";
  if (type == "array") return "a list";
  if (type == "object") return "a mapping";
  if (type == "null") return "an empty value";
  return std::string(type);
}

std::string found_phrase(const json* v) {
  if (!v || v->is_null()) return "an empty value";
  if (v->is_string()) return "a string";
  if (v->is_boolean()) return "a boolean";
  if (v->is_number_float()) return "a decimal number";
  if (v->is_number()) return "a number";
  if (v->is_array()) return "a list";
  return "a mapping";
}

std::string expected_phrase(const ordered_json* s) {
  std::string custom = string_field(s, "x-expected");
  if (!custom.empty()) return custom;
  if (!s || !s->contains("type")) return "another kind of value";
  const auto& type = (*s)["type"];
  if (type.is_string()) return type_phrase(type.get<std::string>());
  std::string out;
  for (size_t i = 0; i < type.size(); ++i) {
    if (i > 0) out += i + 1 == type.size() ? " or " : ", ";
    out += type[i].is_string() ? type_phrase(type[i].get<std::string>()) : "?";
  }
  return out;
}

// A value as shown in a message: strings quoted and escaped, the rest as JSON.
std::string value_text(const json* v) {
  if (!v) return "the value";
  if (v->is_string()) return quoted(v->get<std::string>());
  return printable(v->dump());
}

// The schema's own explanation ("x-error"), with {value} filled in.
std::string custom_error(const ordered_json* s, const json* v) {
  std::string text = string_field(s, "x-error");
  if (size_t at = text.find("{value}"); at != std::string::npos) text.replace(at, 7, value_text(v));
  return text;
}

std::string number_text(const ordered_json* s, const char* key) {
  return s && s->contains(key) ? (*s)[key].dump() : "?";
}

std::string range_message(const ordered_json* s) {
  bool has_min = s && s->contains("minimum"), has_max = s && s->contains("maximum");
  if (has_min && has_max)
    return fmt::format("must be between {} and {}", number_text(s, "minimum"),
                       number_text(s, "maximum"));
  if (has_min) return "must be at least " + number_text(s, "minimum");
  if (has_max) return "must be at most " + number_text(s, "maximum");
  return "is out of range";
}

// A value the schema names in "x-refused" gets its reason there instead of the list of values
// allowed (a version syncdeploy knows of but does not support).
std::string enum_message(const ordered_json* s, const json* v) {
  if (s && v && v->is_string() && s->contains("x-refused")) {
    const ordered_json& refused = (*s)["x-refused"];
    auto it = refused.find(v->get<std::string>());
    if (it != refused.end() && it->is_string()) return it->get<std::string>();
  }
  std::string options;
  if (s && s->contains("enum")) {
    for (const auto& option : (*s)["enum"]) {
      if (!options.empty()) options += ", ";
      options += option.is_string() ? option.get<std::string>() : option.dump();
    }
  }
  return value_text(v) + " is not one of: " + options;
}

std::string unique_message(const json* v) {
  if (v && v->is_array()) {
    for (size_t i = 0; i < v->size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if ((*v)[i] == (*v)[j]) return "lists " + value_text(&(*v)[i]) + " more than once";
  }
  return "must not list an item more than once";
}

// Text between the first and the last single quote of a valijson message.
std::string quoted_name(const std::string& description) {
  size_t first = description.find('\'');
  size_t last = description.rfind('\'');
  if (first == std::string::npos || last <= first) return {};
  return description.substr(first + 1, last - first - 1);
}

class ErrorMapper {
 public:
  ErrorMapper(const Document& doc, const json& root, const ordered_json& schema)
      : doc_(doc), root_(root), schema_(schema) {}

  std::vector<Error> errors;

  void add(const valijson::ValidationResults::Error& e) {
    Kind kind = classify(e.description);
    Node node = node_of(root_, e.context);
    if (kind == Kind::Other) {
      // Parent summaries ("Failed to validate ...") repeat a child's error; kept only as a
      // fallback in case no specific error explains the failure.
      if (node.tokens.size() >= fallback_.tokens.size()) fallback_ = node;
      return;
    }
    findings_[node.pointer].kinds.insert(kind);
    findings_[node.pointer].node = node;
    if (kind == Kind::Missing) findings_[node.pointer].missing.insert(quoted_name(e.description));
  }

  void too_long(const Node& node) {
    too_long_.insert(node.pointer);
    findings_[node.pointer].node = node;
  }

  void finish() {
    for (auto& [pointer, finding] : findings_) emit(finding);
    if (errors.empty() && !root_is_valid_) {
      errors.push_back(make_error("does not match the schema", doc_.locate(fallback_.pointer),
                                  human_path(fallback_.pointer)));
    }
  }

  void set_valid(bool valid) { root_is_valid_ = valid; }

 private:
  struct Finding {
    Node node;
    std::set<Kind> kinds;
    std::set<std::string> missing;
  };

  // The root has no path worth printing; everything else names its path.
  void at_value(const Node& node, std::string message) {
    errors.push_back(make_error(std::move(message), doc_.locate(node.pointer),
                                node.pointer.empty() ? "" : human_path(node.pointer)));
  }

  void emit(const Finding& f) {
    const Node& node = f.node;
    if (too_long_.count(node.pointer)) {
      at_value(node, fmt::format("value is longer than {} bytes", kMaxStringBytes));
      return;
    }
    const ordered_json* s = schema_at(schema_, root_, node.tokens);
    const json* v = node.value;
    // A value of the wrong type fails every other check too; say only what matters.
    if (f.kinds.count(Kind::Type)) {
      if (node.pointer.empty() && (!v || v->is_null()))
        at_value(node,
                 "the spec is empty; expected a mapping with version, deployment, exchange "
                 "and nexj");
      else
        at_value(node, "expected " + expected_phrase(s) + ", found " + found_phrase(v));
      return;
    }
    for (Kind kind : f.kinds) {
      switch (kind) {
        case Kind::Enum:
          at_value(node, enum_message(s, v));
          break;
        case Kind::Const:
        case Kind::Pattern: {
          std::string custom = custom_error(s, v);
          if (custom.empty() && kind == Kind::Const) custom = "must be " + number_text(s, "const");
          if (custom.empty())
            custom = value_text(v) + " does not match the pattern " + string_field(s, "pattern");
          at_value(node, custom);
          break;
        }
        case Kind::Range:
          at_value(node, range_message(s));
          break;
        case Kind::MinItems:
          at_value(node, "must be at least " + number_text(s, "minItems") + " item(s)");
          break;
        case Kind::MaxItems:
          at_value(node, "must be at most " + number_text(s, "maxItems") + " item(s)");
          break;
        case Kind::MinLength:
          at_value(node, number_text(s, "minLength") == "1"
                             ? std::string("must not be empty")
                             : "must be at least " + number_text(s, "minLength") + " characters");
          break;
        case Kind::MaxLength:
          at_value(node, "must be at most " + number_text(s, "maxLength") + " characters");
          break;
        case Kind::Unique:
          at_value(node, unique_message(v));
          break;
        case Kind::UnknownKey:
          unknown_keys(node, s);
          break;
        case Kind::Missing:
          for (const std::string& name : f.missing)
            at_value(node, "missing required key '" + printable(name) + "'");
          break;
        case Kind::Type:
        case Kind::Other:
          break;
      }
    }
  }

  // valijson names only the first unknown key; every one is reported, each at its key.
  void unknown_keys(const Node& node, const ordered_json* s) {
    if (!node.value || !node.value->is_object()) return;
    std::string allowed;
    std::vector<std::string> known;
    if (s && s->contains("properties")) {
      for (const auto& [key, _] : (*s)["properties"].items()) {
        known.push_back(key);
        if (!allowed.empty()) allowed += ", ";
        allowed += key;
      }
    }
    for (const auto& [key, _] : node.value->items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string pointer = pointer_append(node.pointer, key);
      errors.push_back(
          make_error("unknown key '" + printable(key) + "'; expected one of: " + allowed,
                     doc_.locate_key(pointer), human_path(pointer)));
    }
  }

  const Document& doc_;
  const json& root_;
  const ordered_json& schema_;
  std::map<std::string, Finding> findings_;
  std::set<std::string> too_long_;
  Node fallback_;
  bool root_is_valid_ = true;
};

// Replaces strings too long for std::regex (in a copy) and records where they were.
void shorten_long_strings(json& v, Node here, std::vector<Node>& found) {
  if (v.is_string()) {
    if (v.get_ref<const std::string&>().size() > kMaxStringBytes) {
      v = std::string("x");
      found.push_back(std::move(here));
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      Node child{pointer_append(here.pointer, i), here.tokens, nullptr};
      child.tokens.push_back(std::to_string(i));
      shorten_long_strings(v[i], std::move(child), found);
    }
  } else if (v.is_object()) {
    for (auto& [key, child_value] : v.items()) {
      Node child{pointer_append(here.pointer, key), here.tokens, nullptr};
      child.tokens.push_back(key);
      shorten_long_strings(child_value, std::move(child), found);
    }
  }
}

bool has_long_string(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().size() > kMaxStringBytes;
  if (v.is_array() || v.is_object())
    for (const auto& child : v)
      if (has_long_string(child)) return true;
  return false;
}

}  // namespace

std::vector<Error> check_schema(const Document& doc) {
  try {
    const CompiledSchema& compiled = compiled_schema();
    if (!compiled.failure.empty()) {
      return {make_error("internal error: the embedded spec schema does not load: " +
                         compiled.failure)};
    }
    // Only a spec with an overlong string pays for a copy.
    json shortened;
    const json* root = &doc.root;
    std::vector<Node> long_strings;
    if (has_long_string(doc.root)) {
      shortened = doc.root;
      shorten_long_strings(shortened, Node{}, long_strings);
      root = &shortened;
    }
    ErrorMapper mapper(doc, *root, compiled.tree);
    for (const Node& node : long_strings) mapper.too_long(node);

    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter adapter(*root);
    mapper.set_valid(validator.validate(compiled.schema, adapter, &results));
    for (const auto& e : results) mapper.add(e);
    mapper.finish();
    sort_and_dedupe(mapper.errors);
    return std::move(mapper.errors);
  } catch (const std::exception& e) {
    return {make_error(std::string("internal error while checking the schema: ") + e.what(),
                       Location{doc.file, 0, 0})};
  }
}

}  // namespace sd
