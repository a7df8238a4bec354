// The whole JSON plan read back. Two passes over the text: parse_saved_plan() checks what apply
// trusts (the format, the planId against the fingerprints), then the actions are read one at a
// time as the parser ends each (JsonSaxBuilder), each checked against its fingerprint, so that
// nothing the fingerprints cover can be edited and still render.
#include "plan/plan_reader.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/json_input.h"
#include "base/text_checks.h"
#include "plan/plan_identity.h"
#include "plan/saved_plan.h"
#include "plan/value_json.h"

namespace sd {
namespace {

using nlohmann::json;
using IsKind = bool (json::*)() const noexcept;

constexpr const char* kValueShapes =
    "null, true, false, an integer, a string, an array of strings or {\"sensitive\": true, "
    "\"fingerprint\": ...}";

// The two values of a change, by their member in the JSON plan.
struct ValueMember {
  const char* key;
  Value FieldChange::*value;
};
constexpr ValueMember kValueMembers[] = {{"before", &FieldChange::before},
                                         {"after", &FieldChange::after}};

class WholePlanReader {
 public:
  WholePlanReader(const std::string& file, const SavedPlan& saved) : saved_(saved), errors_(file) {}

  void action(size_t index, const json& j, Plan& plan);
  // What comes outside the actions: the checks, then the summary against the actions.
  void rest(const json& root, Plan& plan);
  [[nodiscard]] bool failed() const { return !errors_.empty(); }
  [[nodiscard]] std::vector<Error> take_errors() { return errors_.take(); }

 private:
  void fail(const std::string& path, const std::string& message) {
    errors_.add(path + ": " + message);
  }
  // The member `key` of `object` when `is` says it is of the kind `expected` names, or nullptr
  // after saying why not.
  const json* member(const json& object, const char* key, const std::string& path, IsKind is,
                     const char* expected);
  const std::string* string_member(const json& object, const char* key, const std::string& path) {
    const json* j = member(object, key, path, &json::is_string, "a string");
    return j ? &j->get_ref<const std::string&>() : nullptr;
  }
  void change(const json& j, const std::string& path, Action& a);
  void depends_on(const json& j, size_t index, const std::string& path, Action& a);
  void observed_object(const std::string& fingerprint, Action& a, Plan& plan);
  void checks(const json& root, Plan& plan);
  void unmanaged(const json& root, Plan& plan);
  void summary(const json& root, const PlanSummary& counted);

  const SavedPlan& saved_;
  InputErrors errors_;
};

const json* WholePlanReader::member(const json& object, const char* key, const std::string& path,
                                    IsKind is, const char* expected) {
  auto it = object.find(key);
  if (it == object.end()) {
    fail(path, "missing");
    return nullptr;
  }
  if (!((*it).*is)()) {
    fail(path, std::string("expected ") + expected + ", found " + json_kind(*it));
    return nullptr;
  }
  return &*it;
}

void WholePlanReader::action(size_t index, const json& j, Plan& plan) {
  const std::string path = "actions[" + std::to_string(index) + "]";
  if (index >= saved_.actions.size()) {  // only when "actions" is given twice
    fail(path, "more actions than the plan lists: is \"actions\" given twice?");
    return;
  }
  // What parse_saved_plan() checked: the index, address, kind and fingerprints.
  const SavedAction& saved = saved_.actions[index];
  const size_t slash = saved.address.find('/');
  Action a;
  a.kind = saved.kind;
  a.type = find_resource_type(std::string_view(saved.address).substr(0, slash));
  a.name = saved.address.substr(slash + 1);
  a.cannot_sync = saved.cannot_sync;
  a.filled_at_apply = saved.filled_at_apply;
  if (!a.type || !j.is_object()) return;  // said by parse_saved_plan()

  if (const std::string* type = string_member(j, "type", path + ".type");
      type && *type != a.type->name)
    fail(path + ".type",
         "expected " + quoted(a.type->name) + ", the type of its address, found " + quoted(*type));
  if (const std::string* name = string_member(j, "name", path + ".name"); name && *name != a.name)
    fail(path + ".name",
         "expected " + quoted(a.name) + ", its address without the type, found " + quoted(*name));
  if (const json* step = member(j, "step", path + ".step", &json::is_number_integer, "an integer");
      step && *step != a.type->step)
    fail(path + ".step", "expected " + std::to_string(a.type->step) + ", the step of " +
                             std::string(a.type->name) + ", found " + step->dump());
  if (const std::string* reason = string_member(j, "reason", path + ".reason")) a.reason = *reason;
  const json* risky = member(j, "risky", path + ".risky", &json::is_boolean, "true or false");
  if (auto flag = j.find("cannotSync"); flag != j.end() && !flag->is_boolean())
    fail(path + ".cannotSync", std::string("expected true or false, found ") + json_kind(*flag));
  if (const json* deps =
          member(j, "depends_on", path + ".depends_on", &json::is_array, "an array of indices"))
    depends_on(*deps, index, path + ".depends_on", a);
  if (const json* changes = member(j, "changes", path + ".changes", &json::is_array, "an array")) {
    a.changes.reserve(changes->size());
    for (size_t i = 0; i < changes->size(); ++i)
      change((*changes)[i], path + ".changes[" + std::to_string(i) + "]", a);
  }
  if (failed()) return;  // the plan will not be rendered: keep nothing more

  // Not in the fingerprint, but it decides what is listed under "Review first": the plan's rule.
  a.risky = is_risky(*a.type, a.kind, a.changes);
  if (*risky != a.risky) {
    fail(path + ".risky", std::string("found ") + (a.risky ? "false" : "true") + ", but the " +
                              std::string(to_string(a.kind)) + " of " + quoted(saved.address) +
                              (a.risky ? " is" : " is not") + " risky");
    return;
  }

  // The fingerprint covers the kind, the address, each change's field and value after, and
  // what was observed: none of them can have been edited since the plan was made.
  if (action_fingerprint(a, saved.observed_fingerprint) != saved.fingerprint) {
    fail(path + ".fingerprint",
         "does not match the action's changes: the file was changed after it was made");
    return;
  }
  observed_object(saved.observed_fingerprint, a, plan);
  plan.actions.push_back(std::move(a));
}

void WholePlanReader::depends_on(const json& j, size_t index, const std::string& path, Action& a) {
  a.depends_on.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const json& d = j[i];
    if (!d.is_number_integer() || d < 0 || d >= index) {
      fail(path + "[" + std::to_string(i) + "]",
           (index == 0
                ? std::string("the first action depends on none")
                : "expected the index of an earlier action, 0 to " + std::to_string(index - 1)) +
               ", found " + json_excerpt(d));
      continue;
    }
    a.depends_on.push_back(d.get<uint32_t>());
  }
}

void WholePlanReader::change(const json& j, const std::string& path, Action& a) {
  if (!j.is_object()) {
    fail(path, std::string("expected an object, found ") + json_kind(j));
    return;
  }
  const std::string* name = string_member(j, "field", path + ".field");
  if (!name) return;
  int field = field_index(*a.type, *name);
  if (field < 0) {
    fail(path + ".field", std::string(a.type->name) + " has no field " + quoted(*name));
    return;
  }
  FieldChange c{static_cast<uint16_t>(field), Unset{}, Unset{}};
  const bool secret = a.type->fields[static_cast<size_t>(field)].compare == Compare::Secret;
  for (const ValueMember& m : kValueMembers) {
    auto it = j.find(m.key);
    if (it == j.end()) continue;  // omitted: nothing (always `before` of a create)
    Value& value = c.*m.value;
    if (secret && !it->is_object()) {
      // Never quoted back: it could be the secret itself, pasted in.
      fail(path + "." + m.key,
           std::string("a secret is written {\"sensitive\": true, ...}, found ") + json_kind(*it));
    } else if (!value_from_json(*it, value)) {
      fail(path + "." + m.key, std::string("expected ") + kValueShapes + ", found " +
                                   (secret ? json_kind(*it) : json_excerpt(*it)));
    }
  }
  a.changes.push_back(std::move(c));
}

// The action's object, as much of it as the plan says: what it saw (its fingerprint) and the
// values the changes had before. Unknown actions are unknown whatever was seen.
void WholePlanReader::observed_object(const std::string& fingerprint, Action& a, Plan& plan) {
  if (fingerprint == "absent" || a.kind == ActionKind::Unknown) return;
  ObservedResource o;
  o.type = a.type;
  o.name = a.name;
  if (fingerprint == "unknown") {
    o.presence = Presence::Unknown;
  } else {
    o.fingerprint = fingerprint;
    o.values.assign(a.type->fields.size(), Unset{});
    for (const FieldChange& c : a.changes) o.values[c.field] = c.before;
  }
  a.observed = static_cast<int32_t>(plan.observed.resources.size());
  plan.observed.resources.push_back(std::move(o));
}

void WholePlanReader::rest(const json& root, Plan& plan) {
  if (root.find("adopting") != root.end())
    if (const json* a = member(root, "adopting", "adopting", &json::is_boolean, "true or false"))
      plan.adopting = a->get<bool>();
  checks(root, plan);
  unmanaged(root, plan);
  PlanSummary counted = summarize(plan.actions, plan.observed.checks);
  if (!failed()) summary(root, counted);
  plan.summary = counted;
}

void WholePlanReader::checks(const json& root, Plan& plan) {
  const json* checks = member(root, "checks", "checks", &json::is_array, "an array");
  if (!checks) return;
  for (size_t i = 0; i < checks->size(); ++i) {
    const std::string path = "checks[" + std::to_string(i) + "]";
    const json& j = (*checks)[i];
    if (!j.is_object()) {
      fail(path, std::string("expected an object, found ") + json_kind(j));
      continue;
    }
    PreconditionCheck c;
    if (const std::string* s = string_member(j, "name", path + ".name")) c.name = *s;
    if (const std::string* s = string_member(j, "detail", path + ".detail")) c.detail = *s;
    if (const std::string* s = string_member(j, "status", path + ".status")) {
      if (*s == "ok")
        c.status = PreconditionCheck::Status::Ok;
      else if (*s == "warning")
        c.status = PreconditionCheck::Status::Warning;
      else if (*s == "failed")
        c.status = PreconditionCheck::Status::Failed;
      else
        fail(path + ".status", "expected \"ok\", \"warning\" or \"failed\", found " + quoted(*s));
    }
    plan.observed.checks.push_back(std::move(c));
  }
}

// Optional (plans written before it have none): what the spec did not name, by address.
void WholePlanReader::unmanaged(const json& root, Plan& plan) {
  if (root.find("unmanaged") == root.end()) return;
  const json* list = member(root, "unmanaged", "unmanaged", &json::is_array, "an array");
  if (!list) return;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = "unmanaged[" + std::to_string(i) + "]";
    const json& j = (*list)[i];
    if (!j.is_object()) {
      fail(path, std::string("expected an object, found ") + json_kind(j));
      continue;
    }
    const std::string* address = string_member(j, "address", path + ".address");
    if (!address) continue;
    size_t slash = address->find('/');
    const ResourceType* type =
        slash == std::string::npos ? nullptr : find_resource_type(address->substr(0, slash));
    if (!type || slash + 1 >= address->size()) {
      fail(path + ".address", "not the address of a resource type: " + quoted(*address));
      continue;
    }
    ObservedResource o;
    o.type = type;
    o.name = address->substr(slash + 1);
    o.values.assign(type->fields.size(), Unset{});
    plan.unmanaged.push_back(static_cast<uint32_t>(plan.observed.resources.size()));
    plan.observed.resources.push_back(std::move(o));
  }
}

// The summary is not in the planId: it must agree with the actions, or the counts a reviewer
// reads first would not be the plan's.
void WholePlanReader::summary(const json& root, const PlanSummary& counted) {
  if (const json* s = member(root, "summary", "summary", &json::is_object, "an object")) {
    const std::pair<const char*, size_t> counts[] = {
        {"create", counted.create},   {"update", counted.update},
        {"disable", counted.disable}, {"noop", counted.noop},
        {"unknown", counted.unknown}, {"blocked", counted.blocked},
        {"risky", counted.risky},     {"cannotSync", counted.cannot_sync}};
    auto check = [&](const char* key, size_t n) {
      const std::string path = std::string("summary.") + key;
      const json* given = member(*s, key, path, &json::is_number_unsigned, "a count");
      if (given && *given != n)
        fail(path, "found " + given->dump() + ", but the actions count " + std::to_string(n) +
                       ": the file was changed after it was made");
    };
    for (const auto& [key, n] : counts) check(key, n);
    // Added within 1.3: a plan made before removals has no count, and no removal.
    if (s->contains("remove") || counted.remove > 0) check("remove", counted.remove);
  }
  if (const json* applyable =
          member(root, "applyable", "applyable", &json::is_boolean, "true or false")) {
    const bool can = cannot_apply_reason(counted).empty();
    if (*applyable != can)
      fail("applyable", std::string("found ") + (can ? "false" : "true") +
                            ", but the actions and checks say " + (can ? "true" : "false"));
  }
}

}  // namespace

Result<Plan> read_plan_json(const std::string& file, std::string_view text) {
  // What apply checks: the format, the planId against the fingerprints; the actions' index,
  // address, kind and fingerprints. Not a second copy of those rules.
  Result<SavedPlan> saved = parse_saved_plan(file, text);
  if (!saved.ok()) return saved.take_errors();
  try {
    Plan plan;
    plan.deployment = saved->deployment;
    plan.desired.deployment = saved->deployment;
    plan.spec_file = saved->spec_file;
    plan.spec_digest = saved->spec_digest;
    plan.only = saved->only;
    plan.actions.reserve(saved->actions.size());
    WholePlanReader reader(file, *saved);
    JsonSaxBuilder sax;
    sax.streamed = "actions";
    sax.take_element = [&](size_t index, json element) { reader.action(index, element, plan); };
    if (Status parsed = parse_json_sax(file, text, sax); !parsed.ok()) return parsed.take_errors();
    if (sax.streamed_arrays > 1) return make_error("actions: given twice", Location{file, 0, 0});
    if (!reader.failed()) reader.rest(sax.root, plan);
    if (reader.failed()) return reader.take_errors();
    for (const Action& a : plan.actions)
      plan.observed.mailboxes_deferred = plan.observed.mailboxes_deferred || a.filled_at_apply;
    plan.observed.index();
    return plan;
  } catch (const std::exception& e) {
    // Anything nlohmann or allocation throws is still an error, not a crash.
    return make_error(std::string("cannot read the plan: ") + e.what(), Location{file, 0, 0});
  }
}

}  // namespace sd
