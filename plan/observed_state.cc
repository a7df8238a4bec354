// Observed state: lookup, and the versioned JSON file (docs/observed-state-format.md).
// The parser is the boundary for hand-written or tool-written files: every nlohmann exception
// stops here and becomes an sd::Error naming the file and the JSON path.
#include "plan/observed_state.h"

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>

#include "base/json_input.h"
#include "base/text_checks.h"
#include "plan/value_json.h"

namespace sd {

void ObservedState::index() {
  by_address.clear();
  by_address.reserve(resources.size());
  for (size_t i = 0; i < resources.size(); ++i) {
    const ObservedResource& r = resources[i];
    if (!r.type) continue;  // only a hand-filled state can lack one; it cannot be looked up
    // The first entry wins; the parser rejects duplicates, so this only matters for callers
    // that fill the state by hand.
    by_address.emplace(address_key(*r.type, r.name), static_cast<uint32_t>(i));
  }
}

Presence ObservedState::presence_of(const ResourceType& type, const std::string& address,
                                    const ObservedResource** found, std::string* error) const {
  if (found) *found = nullptr;
  std::string key = type.names_ignore_case && address.size() > type.name.size()
                        ? address_key(type, std::string_view(address).substr(type.name.size() + 1))
                        : address;
  if (auto it = by_address.find(key); it != by_address.end()) {
    const ObservedResource& r = resources[it->second];
    if (found) *found = &r;
    if (error && r.presence == Presence::Unknown) *error = r.error;
    return r.presence;
  }
  // Not listed: absent only when its type was read (design decision 2).
  if (auto it = failed_types.find(type.name); it != failed_types.end()) {
    if (error) *error = it->second;
    return Presence::Unknown;
  }
  if (std::find(unread_types.begin(), unread_types.end(), type.name) != unread_types.end()) {
    if (error) *error = "not read";
    return Presence::Unknown;
  }
  return Presence::Absent;
}

namespace {

using nlohmann::json;

constexpr const char* kFormatVersion = "1";

// The shape a field's values must have, from its comparison rule.
bool shape_fits(Compare rule, const Value& v) {
  if (std::holds_alternative<NullValue>(v)) return true;  // "not set" on the live side
  switch (rule) {
    case Compare::Secret:
      return std::holds_alternative<SecretValue>(v);
    case Compare::Set:
    case Compare::SetIgnoreCase:
      return std::holds_alternative<StringList>(v);
    case Compare::Limit: {
      const auto* s = std::get_if<std::string>(&v);
      return std::holds_alternative<int64_t>(v) || (s && iequals(*s, "unlimited"));
    }
    case Compare::Exact:
    case Compare::IgnoreCase:
      return !std::holds_alternative<SecretValue>(v) && !std::holds_alternative<StringList>(v);
  }
  return false;
}

const char* shape_wanted(Compare rule) {
  switch (rule) {
    case Compare::Secret:
      return "{\"sensitive\": true, \"fingerprint\": \"...\"} or null";
    case Compare::Set:
    case Compare::SetIgnoreCase:
      return "an array of strings or null";
    case Compare::Limit:
      return "an integer, \"unlimited\" or null";
    default:
      return "a string, integer, boolean or null";
  }
}

class Parser {
 public:
  explicit Parser(const std::string& file) : errors_(file) {}

  void fail(std::string message, std::string subject) {
    errors_.add(std::move(message), std::move(subject));
  }

  void document(const json& root, ObservedState& out);
  Result<ObservedState> finish(ObservedState state) {
    if (errors_.empty()) return state;
    return errors_.take();
  }

 private:
  void resource(const json& j, size_t index, ObservedState& out);
  void attributes(const json& j, const std::string& path, ObservedResource& r);
  const ResourceType* type_name(const json& j, const std::string& path);

  InputErrors errors_;
  std::unordered_map<std::string, size_t> first_index_;  // address -> first resources[] index
};

const ResourceType* Parser::type_name(const json& j, const std::string& path) {
  if (!j.is_string()) {
    fail(std::string("expected a resource type name, found ") + json_kind(j), path);
    return nullptr;
  }
  const auto& name = j.get_ref<const std::string&>();
  const ResourceType* type = find_resource_type(name);
  if (!type) fail("unknown resource type " + sd::quoted(name), path);
  return type;
}

void Parser::document(const json& root, ObservedState& out) {
  if (!root.is_object()) {
    fail(std::string("expected a JSON object at the top level, found ") + json_kind(root), "");
    return;
  }
  for (const auto& [key, value] : root.items()) {
    if (key != "format_version" && key != "resources" && key != "failed_types" &&
        key != "unread_types")
      fail("unknown key " + sd::quoted(key) +
               "; expected format_version, resources, failed_types or unread_types",
           key);
  }
  auto version = root.find("format_version");
  if (version == root.end()) {
    fail("format_version is missing; this reader understands \"1\"", "format_version");
  } else if (!version->is_string() || *version != kFormatVersion) {
    fail("unsupported format_version " + json_excerpt(*version) + "; this reader understands \"1\"",
         "format_version");
    return;  // another version's resources would only produce misleading errors
  }

  if (auto it = root.find("failed_types"); it != root.end()) {
    if (!it->is_object()) {
      fail(std::string("expected an object of type name -> error, found ") + json_kind(*it),
           "failed_types");
    } else {
      for (const auto& [key, value] : it->items()) {
        std::string path = "failed_types[" + sd::quoted(key) + "]";
        if (!find_resource_type(key))
          fail("unknown resource type " + sd::quoted(key), path);
        else if (!value.is_string())
          fail(std::string("expected the error as a string, found ") + json_kind(value), path);
        else
          out.failed_types.emplace(key, value.get<std::string>());
      }
    }
  }
  if (auto it = root.find("unread_types"); it != root.end()) {
    if (!it->is_array()) {
      fail(std::string("expected an array of type names, found ") + json_kind(*it), "unread_types");
    } else {
      for (size_t i = 0; i < it->size(); ++i) {
        std::string path = "unread_types[" + std::to_string(i) + "]";
        if (const ResourceType* t = type_name((*it)[i], path))
          out.unread_types.emplace_back(t->name);
      }
    }
  }

  auto resources = root.find("resources");
  if (resources == root.end()) {
    fail("resources is missing; write \"resources\": [] when nothing was found", "resources");
    return;
  }
  if (!resources->is_array()) {
    fail(std::string("expected an array, found ") + json_kind(*resources), "resources");
    return;
  }
  out.resources.reserve(resources->size());
  first_index_.reserve(resources->size());
  for (size_t i = 0; i < resources->size(); ++i) resource((*resources)[i], i, out);
}

void Parser::resource(const json& j, size_t index, ObservedState& out) {
  const std::string path = "resources[" + std::to_string(index) + "]";
  if (!j.is_object()) {
    fail(std::string("expected an object, found ") + json_kind(j), path);
    return;
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "address" && key != "status" && key != "error" && key != "attributes")
      fail("unknown key " + sd::quoted(key) + "; expected address, status, error or attributes",
           path + "." + key);
  }

  ObservedResource r;
  auto address = j.find("address");
  if (address == j.end()) {
    fail("address is missing", path + ".address");
    return;
  }
  if (!address->is_string()) {
    fail(std::string("expected an address like \"nexj.target/EXCH01\", found ") +
             json_kind(*address),
         path + ".address");
    return;
  }
  const auto& text = address->get_ref<const std::string&>();
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash + 1 == text.size()) {
    fail("expected an address like \"nexj.target/EXCH01\", found " + sd::quoted(text),
         path + ".address");
    return;
  }
  r.type = find_resource_type(std::string_view(text).substr(0, slash));
  if (!r.type) {
    fail("unknown resource type " + sd::quoted(text.substr(0, slash)), path + ".address");
    return;
  }
  r.name = text.substr(slash + 1);
  if (auto [it, inserted] = first_index_.emplace(address_key(*r.type, r.name), index); !inserted) {
    fail("duplicate address " + sd::quoted(text) + " (first at resources[" +
             std::to_string(it->second) + "])",
         path + ".address");
    return;
  }

  std::string status = "present";
  if (auto s = j.find("status"); s != j.end()) {
    if (!s->is_string()) {
      fail(std::string("expected \"present\", \"absent\" or \"unknown\", found ") + json_kind(*s),
           path + ".status");
      return;
    }
    status = s->get<std::string>();
  }
  if (status == "present")
    r.presence = Presence::Present;
  else if (status == "absent")
    r.presence = Presence::Absent;
  else if (status == "unknown")
    r.presence = Presence::Unknown;
  else {
    fail("expected \"present\", \"absent\" or \"unknown\", found " + sd::quoted(status),
         path + ".status");
    return;
  }

  if (auto e = j.find("error"); e != j.end()) {
    if (!e->is_string()) {
      fail(std::string("expected the error as a string, found ") + json_kind(*e), path + ".error");
      return;
    }
    r.error = e->get<std::string>();
  }
  if (r.presence == Presence::Unknown && r.error.empty()) r.error = "unknown error";

  r.values.assign(r.type->fields.size(), Value{Unset{}});
  if (auto a = j.find("attributes"); a != j.end()) {
    if (r.presence != Presence::Present) {
      fail("only a present resource has attributes (status is " + sd::quoted(status) + ")",
           path + ".attributes");
      return;
    }
    attributes(*a, path + ".attributes", r);
  }
  out.resources.push_back(std::move(r));
}

void Parser::attributes(const json& j, const std::string& path, ObservedResource& r) {
  if (!j.is_object()) {
    fail(std::string("expected an object of field -> value, found ") + json_kind(j), path);
    return;
  }
  for (const auto& [key, value] : j.items()) {
    std::string field_path = path + "." + key;
    int f = field_index(*r.type, key);
    if (f < 0) {
      std::string names;
      for (const FieldSpec& fs : r.type->fields)
        names.append(names.empty() ? "" : ", ").append(fs.name);
      fail("unknown attribute " + sd::quoted(key) + " for " + std::string(r.type->name) +
               "; expected one of: " + names,
           field_path);
      continue;
    }
    const Compare rule = r.type->fields[static_cast<size_t>(f)].compare;
    Value v;
    if (!value_from_json(value, v) || !shape_fits(rule, v)) {
      fail(std::string("expected ") + shape_wanted(rule) + ", found " + json_kind(value),
           field_path);
      continue;
    }
    r.values[static_cast<size_t>(f)] = std::move(v);
  }
}

}  // namespace

Result<ObservedState> parse_observed_state(const std::string& file, std::string_view text) {
  if (std::optional<size_t> at = too_deep_at(text))
    return make_error("nesting is deeper than " + std::to_string(kMaxJsonDepth) + " levels",
                      json_location(file, text, *at));
  try {
    json root = json::parse(text.begin(), text.end());
    Parser parser(file);
    ObservedState state;
    parser.document(root, state);
    Result<ObservedState> result = parser.finish(std::move(state));
    if (result.ok()) result.value().index();
    return result;
  } catch (const json::parse_error& e) {
    return make_error("not valid JSON: " + json_parse_error_text(e.what()),
                      json_location(file, text, e.byte));
  } catch (const std::exception& e) {
    // Anything else nlohmann (or allocation) throws is still a readable error, never a crash.
    return make_error(std::string("cannot read the observed state: ") + e.what(),
                      Location{file, 0, 0});
  }
}

std::string observed_state_to_json(const ObservedState& state) {
  try {
    json resources = json::array();
    for (const ObservedResource& r : state.resources) {
      if (!r.type) continue;
      json entry = json::object();
      entry["address"] = make_address(*r.type, r.name);
      entry["status"] = r.presence == Presence::Present  ? "present"
                        : r.presence == Presence::Absent ? "absent"
                                                         : "unknown";
      if (r.presence == Presence::Unknown) entry["error"] = r.error;
      if (r.presence == Presence::Present) {
        json attributes = json::object();
        for (size_t f = 0; f < r.values.size() && f < r.type->fields.size(); ++f)
          if (!is_unset(r.values[f]))
            attributes[std::string(r.type->fields[f].name)] = value_to_json(r.values[f]);
        entry["attributes"] = std::move(attributes);
      }
      resources.push_back(std::move(entry));
    }
    json root = json::object();
    root["format_version"] = kFormatVersion;
    root["resources"] = std::move(resources);
    root["failed_types"] = json::object();
    for (const auto& [type, error] : state.failed_types) root["failed_types"][type] = error;
    root["unread_types"] = state.unread_types;
    // Invalid UTF-8 from a live system is replaced rather than thrown.
    return root.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  } catch (const std::exception&) {
    // Only allocation can fail here; an empty document makes the caller's write fail loudly.
    return std::string();
  }
}

}  // namespace sd
