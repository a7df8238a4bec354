// The saved-plan reader is a boundary for files that may have been edited, truncated or
// swapped: every shape is checked, every nlohmann exception stops here, and the planId must
// match the fingerprints it was made from.
#include "plan/saved_plan.h"

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>

#include "base/json_input.h"
#include "base/text_checks.h"
#include "plan/plan_identity.h"
#include "plan/selection.h"

namespace sd {
namespace {

// Whether the type of `address` has a field known only at apply (a folder link's folderId).
bool has_field_known_at_apply(std::string_view address) {
  const ResourceType* type = find_resource_type(address.substr(0, address.find('/')));
  if (!type) return false;
  for (const FieldSpec& f : type->fields)
    if (f.known_at_apply) return true;
  return false;
}

using nlohmann::json;

bool is_hex16(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool kind_from_string(std::string_view s, ActionKind& out) {
  for (ActionKind k :
       {ActionKind::Create, ActionKind::Update, ActionKind::Disable, ActionKind::Remove,
        ActionKind::NoOp, ActionKind::Unknown, ActionKind::Blocked}) {
    if (to_string(k) == s) {
      out = k;
      return true;
    }
  }
  return false;
}

// Only the members apply needs are kept: a 300,000-action plan would otherwise be a DOM of
// several hundred megabytes (changes, reasons, names). `depth` counts the open containers.
bool keep_member(size_t depth, std::string_view key) {
  if (depth == 1)
    return key == "format_version" || key == "planId" || key == "deployment" || key == "spec" ||
           key == "only" || key == "actions" || key == "applyable";
  if (depth == 3)  // the members of an action (or deeper junk, which is not read either)
    return key == "index" || key == "address" || key == "action" || key == "observedFingerprint" ||
           key == "cannotSync" || key == "fingerprint" || key == "folderIdAtApply";
  return true;
}

class Reader {
 public:
  explicit Reader(const std::string& file) : errors_(file) {}

  void document(const json& root, SavedPlan& out);
  Result<SavedPlan> finish(SavedPlan plan) {
    if (errors_.empty()) return plan;
    return errors_.take();
  }

 private:
  void fail(const std::string& path, const std::string& message) {
    errors_.add(path.empty() ? message : path + ": " + message);
  }
  const std::string* string_member(const json& object, const char* key, const std::string& path);
  void action(const json& j, size_t index, SavedPlan& out);

  InputErrors errors_;
};

// The member as a string, or nullptr after saying why not.
const std::string* Reader::string_member(const json& object, const char* key,
                                         const std::string& path) {
  auto it = object.find(key);
  if (it == object.end()) {
    fail(path, "missing");
    return nullptr;
  }
  if (!it->is_string()) {
    fail(path, std::string("expected a string, found ") + json_kind(*it));
    return nullptr;
  }
  return &it->get_ref<const std::string&>();
}

void Reader::document(const json& root, SavedPlan& out) {
  if (!root.is_object()) {
    fail("", std::string("expected a JSON plan (an object), found ") + json_kind(root));
    return;
  }
  auto version = root.find("format_version");
  if (version == root.end()) {
    fail("", "format_version is missing: not a syncdeploy plan");
    return;
  }
  if (!version->is_string()) {
    fail("format_version", std::string("expected a string, found ") + json_kind(*version));
    return;
  }
  const auto& format = version->get_ref<const std::string&>();
  if (format == "1.2") {
    // 1.2 plans did not say which folder ids were asked during apply; some versions left every
    // folder id out of the fingerprints, others none: neither can be trusted to match.
    fail("",
         "plan format 1.2 does not say which folder ids are asked during apply: its folder links "
         "cannot be matched safely; make the plan again with this syncdeploy");
    return;
  }
  if (format == "1.1") {
    fail("",
         "plan format 1.1 predates folder ids resolved over EWS: its folder links can no longer "
         "match; make the plan again with this syncdeploy");
    return;
  }
  if (format == "1.0") {
    fail("",
         "plan format 1.0 has no observed fingerprints; make the plan again with this "
         "syncdeploy");
    return;
  }
  if (format != kPlanFormatVersion) {
    fail("format_version", "plan format " + quoted(format) +
                               " is not supported; this syncdeploy reads plan format " +
                               std::string(kPlanFormatVersion));
    return;  // another format's members would only produce misleading errors
  }
  out.format = format;

  if (const std::string* id = string_member(root, "planId", "planId")) {
    if (is_hex16(*id))
      out.plan_id = *id;
    else
      fail("planId", "expected 16 hex digits, found " + quoted(*id));
  }
  if (const std::string* s = string_member(root, "deployment", "deployment")) out.deployment = *s;
  if (auto spec = root.find("spec"); spec == root.end()) {
    fail("spec", "missing");
  } else if (!spec->is_object()) {
    fail("spec", std::string("expected an object, found ") + json_kind(*spec));
  } else {
    if (const std::string* s = string_member(*spec, "file", "spec.file")) out.spec_file = *s;
    if (const std::string* s = string_member(*spec, "digest", "spec.digest")) out.spec_digest = *s;
  }
  if (auto only = root.find("only"); only == root.end()) {
    fail("only", "missing");
  } else if (!only->is_array()) {
    fail("only", std::string("expected an array of address prefixes, found ") + json_kind(*only));
  } else {
    for (size_t i = 0; i < only->size(); ++i) {
      const json& p = (*only)[i];
      if (p.is_string()) {
        out.only.push_back(p.get<std::string>());
        // Checked here, where the file can be named: it selects what the apply reads.
        Status selects =
            check_prefixes(std::span(&out.only.back(), 1), "only[" + std::to_string(i) + "]");
        if (!selects.ok())
          for (const Error& e : selects.errors()) errors_.add(e.message);
      } else
        fail("only[" + std::to_string(i) + "]",
             std::string("expected a string, found ") + json_kind(p));
    }
  }

  if (auto applyable = root.find("applyable"); applyable != root.end()) {
    if (applyable->is_boolean())
      out.applyable = applyable->get<bool>();
    else
      fail("applyable", std::string("expected true or false, found ") + json_kind(*applyable));
  }

  auto actions = root.find("actions");
  if (actions == root.end()) {
    fail("actions", "missing");
    return;
  }
  if (!actions->is_array()) {
    fail("actions", std::string("expected an array, found ") + json_kind(*actions));
    return;
  }
  out.actions.reserve(actions->size());
  for (size_t i = 0; i < actions->size(); ++i) action((*actions)[i], i, out);

  // The id is made from the fingerprints: a file edited after it was made does not match.
  if (errors_.empty() && !out.plan_id.empty()) {
    std::vector<std::string> fingerprints;
    fingerprints.reserve(out.actions.size());
    for (const SavedAction& a : out.actions) fingerprints.push_back(a.fingerprint);
    if (plan_id_of(out.spec_digest, out.only, fingerprints) != out.plan_id)
      fail("planId", "does not match the plan's actions: the file was changed after it was made");
  }
}

void Reader::action(const json& j, size_t index, SavedPlan& out) {
  const std::string path = "actions[" + std::to_string(index) + "]";
  if (!j.is_object()) {
    fail(path, std::string("expected an object, found ") + json_kind(j));
    return;
  }
  SavedAction a{static_cast<uint32_t>(index), {}, ActionKind::NoOp, {}, {}};
  bool good = true;
  auto at = j.find("index");
  if (at == j.end()) {
    fail(path + ".index", "missing");
    good = false;
  } else if (!at->is_number_integer() || *at != index) {
    fail(path + ".index", "expected " + std::to_string(index) + ", found " +
                              (at->is_number() ? at->dump() : json_kind(*at)));
    good = false;
  }
  if (const std::string* s = string_member(j, "address", path + ".address")) {
    size_t slash = s->find('/');
    if (slash == std::string::npos || slash + 1 == s->size() ||
        !find_resource_type(std::string_view(*s).substr(0, slash))) {
      fail(path + ".address",
           "expected an address like \"nexj.target/EXCH01\", found " + quoted(*s));
      good = false;
    } else {
      a.address = *s;
    }
  } else {
    good = false;
  }
  if (const std::string* s = string_member(j, "action", path + ".action")) {
    if (!kind_from_string(*s, a.kind)) {
      fail(path + ".action",
           "expected create, update, disable, remove, no-op, unknown or blocked, found " +
               quoted(*s));
      good = false;
    }
  } else {
    good = false;
  }
  if (const std::string* s =
          string_member(j, "observedFingerprint", path + ".observedFingerprint")) {
    if (*s == "absent" || *s == "unknown" || is_fingerprint(*s)) {
      a.observed_fingerprint = *s;
    } else {
      fail(
          path + ".observedFingerprint",
          "expected \"absent\", \"unknown\" or \"sha256:\" and 16 hex digits, found " + quoted(*s));
      good = false;
    }
  } else {
    good = false;
  }
  if (const std::string* s = string_member(j, "fingerprint", path + ".fingerprint")) {
    if (is_fingerprint(*s)) {
      a.fingerprint = *s;
    } else {
      fail(path + ".fingerprint", "expected \"sha256:\" and 16 hex digits, found " + quoted(*s));
      good = false;
    }
  } else {
    good = false;
  }
  if (auto flag = j.find("cannotSync"); flag != j.end() && flag->is_boolean())
    a.cannot_sync = flag->get<bool>();
  if (auto flag = j.find("folderIdAtApply"); flag != j.end()) {
    if (flag->is_boolean() && has_field_known_at_apply(a.address)) {
      a.filled_at_apply = flag->get<bool>();
    } else {
      fail(path + ".folderIdAtApply", "expected true or false on a nexj.folder_link action");
      good = false;
    }
  }
  if (good) out.actions.push_back(std::move(a));
}

}  // namespace

Result<SavedPlan> parse_saved_plan(const std::string& file, std::string_view text) {
  try {
    // nlohmann's parser callback would drop the same members, but slows down quadratically on
    // long arrays.
    JsonSaxBuilder sax;
    sax.keep = keep_member;
    if (Status parsed = parse_json_sax(file, text, sax); !parsed.ok()) return parsed.take_errors();
    Reader reader(file);
    SavedPlan plan;
    reader.document(sax.root, plan);
    return reader.finish(std::move(plan));
  } catch (const std::exception& e) {
    // Anything nlohmann or allocation throws is still an error, not a crash.
    return make_error(std::string("cannot read the plan: ") + e.what(), Location{file, 0, 0});
  }
}

SavedPlan saved_plan_of(const Plan& plan) {
  SavedPlan out;
  out.format = kPlanFormatVersion;
  out.deployment = plan.deployment;
  out.spec_file = plan.spec_file;
  out.spec_digest = plan.spec_digest;
  out.only = plan.only;
  out.actions.reserve(plan.actions.size());
  std::vector<std::string> fingerprints;  // computed once, for the actions and the plan id
  fingerprints.reserve(plan.actions.size());
  for (uint32_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    if (!a.type) continue;  // a plan bug; the JSON plan does not list it either
    SavedAction s{i,  a.address(),   a.kind,           observed_fingerprint(plan, a),
                  "", a.cannot_sync, a.filled_at_apply};
    s.fingerprint = action_fingerprint(a, s.observed_fingerprint);
    fingerprints.push_back(s.fingerprint);
    out.actions.push_back(std::move(s));
  }
  out.plan_id = plan_id_of(plan.spec_digest, plan.only, fingerprints);  // as plan_id(plan)
  out.applyable = cannot_apply_reason(plan.summary).empty();
  return out;
}

bool looks_like_saved_plan(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a byte order mark
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || text[start] != '{') return false;
  // A spec written in YAML's JSON style also starts with '{', but has no format_version.
  for (size_t at = text.find("\"format_version\""); at != std::string_view::npos;
       at = text.find("\"format_version\"", at + 1)) {
    size_t colon = text.find_first_not_of(" \t\r\n", at + 16);
    if (colon != std::string_view::npos && text[colon] == ':') return true;
  }
  return false;
}

}  // namespace sd
