// The versioned JSON plan (docs/plan-format.md, schema/plan.schema.json). Streamed through
// JsonWriter: a plan of 300,000 actions is never held as one DOM.
#include <string>
#include <string_view>
#include <vector>

#include "base/json_writer.h"
#include "plan/plan_identity.h"
#include "plan/saved_plan.h"
#include "plan/value_json.h"
#include "render/render.h"
#include "render/unmanaged_block.h"

namespace sd {
namespace {

struct Fingerprints {
  std::string observed, action;
};

}  // namespace

// value_to_json()'s shape, written straight to the stream. A secret field never carries a
// value: even if a read handed back plain text for it, only {"sensitive": true} is written.
void write_json_value(JsonWriter& w, const Value& v, bool secret_field) {
  const auto* secret = std::get_if<SecretValue>(&v);
  if (secret || secret_field) {
    w.begin_object();
    w.key("sensitive");
    w.boolean(true);
    if (secret && !secret->fingerprint.empty()) {
      w.key("fingerprint");
      w.string(secret->fingerprint);
    }
    w.end_object();
    return;
  }
  if (std::holds_alternative<Unset>(v) || std::holds_alternative<NullValue>(v)) {
    w.null();
  } else if (const auto* b = std::get_if<bool>(&v)) {
    w.boolean(*b);
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    w.number(*i);
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    w.string(*s);
  } else if (const auto* list = std::get_if<StringList>(&v)) {
    w.begin_array();
    for (const std::string& item : *list) w.string(item);
    w.end_array();
  }
}

namespace {

void write_action(JsonWriter& w, const Action& a, size_t index, const Fingerprints& f) {
  const ResourceType& type = *a.type;
  w.begin_object();
  w.key("index");
  w.number(static_cast<uint64_t>(index));
  w.key("address");
  w.string(a.address());
  w.key("type");
  w.string(type.name);
  w.key("name");
  w.string(a.name);
  w.key("step");
  w.number(static_cast<int64_t>(type.step));
  w.key("action");
  w.string(to_string(a.kind));
  w.key("reason");
  w.string(a.reason);
  w.key("risky");
  w.boolean(a.risky);
  if (a.cannot_sync) {
    w.key("cannotSync");
    w.boolean(true);
  }
  if (a.filled_at_apply) {
    w.key("folderIdAtApply");
    w.boolean(true);
  }
  w.key("depends_on");
  w.begin_array();
  for (uint32_t d : a.depends_on) w.number(static_cast<uint64_t>(d));
  w.end_array();
  w.key("observedFingerprint");
  w.string(f.observed);
  w.key("fingerprint");
  w.string(f.action);
  w.key("changes");
  w.begin_array();
  for (const FieldChange& c : a.changes) {
    w.begin_object();
    w.key("field");
    bool secret = false;
    if (c.field < type.fields.size()) {
      w.string(type.fields[c.field].name);
      secret = type.fields[c.field].compare == Compare::Secret;
    } else {
      w.string("#" + std::to_string(c.field));  // a plan bug; shown, not hidden
    }
    if (!is_unset(c.before)) {
      w.key("before");
      write_json_value(w, c.before, secret);
    }
    if (!is_unset(c.after)) {
      w.key("after");
      write_json_value(w, c.after, secret);
    }
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace

void render_json(const Plan& plan, std::ostream& out) {
  const PlanSummary& s = plan.summary;
  // The planId comes first but is made from every action's fingerprint: one pass to compute
  // them (small strings, not the plan), then the actions are streamed.
  std::vector<Fingerprints> fingerprints(plan.actions.size());
  std::vector<std::string> listed;
  listed.reserve(plan.actions.size());
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    if (!a.type) continue;  // a plan bug: not written, so not in the id either
    fingerprints[i].observed = observed_fingerprint(plan, a);
    fingerprints[i].action = action_fingerprint(a, fingerprints[i].observed);
    listed.push_back(fingerprints[i].action);
  }
  JsonWriter w(out);
  w.begin_object();
  w.key("format_version");
  w.string(kPlanFormatVersion);
  w.key("tool");
  w.begin_object();
  w.key("name");
  w.string("syncdeploy");
  w.end_object();
  w.key("deployment");
  w.string(plan.deployment);
  w.key("spec");
  w.begin_object();
  w.key("file");
  w.string(plan.spec_file);
  w.key("digest");
  w.string(plan.spec_digest);
  w.end_object();
  w.key("planId");
  w.string(plan_id_of(plan.spec_digest, plan.only, listed));
  listed = {};
  w.key("only");
  w.begin_array();
  for (const std::string& prefix : plan.only) w.string(prefix);
  w.end_array();
  w.key("summary");
  w.begin_object();
  w.count("create", s.create);
  w.count("update", s.update);
  w.count("disable", s.disable);
  w.count("remove", s.remove);
  w.count("noop", s.noop);
  w.count("unknown", s.unknown);
  w.count("blocked", s.blocked);
  w.count("risky", s.risky);
  w.count("cannotSync", s.cannot_sync);
  w.end_object();
  w.key("applyable");
  w.boolean(cannot_apply_reason(s).empty());
  w.key("checks");
  w.begin_array();
  for (const PreconditionCheck& c : plan.observed.checks) {
    w.begin_object();
    w.key("name");
    w.string(c.name);
    w.key("status");
    w.string(c.status == PreconditionCheck::Status::Ok        ? "ok"
             : c.status == PreconditionCheck::Status::Warning ? "warning"
                                                              : "failed");
    w.key("detail");
    w.string(c.detail);
    w.end_object();
  }
  w.end_array();
  // The first plan of the deployment (plan/adoption.h): said only when it is.
  if (plan.adopting) {
    w.key("adopting");
    w.boolean(true);
  }
  // What the spec does not name and the plan leaves alone: for review, not part of the plan's
  // identity (plan/unmanaged.h).
  w.key("unmanaged");
  write_unmanaged_json(w, plan);
  w.key("actions");
  w.begin_array(/*one_per_line=*/true);
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    if (plan.actions[i].type) write_action(w, plan.actions[i], i, fingerprints[i]);
  }
  w.end_array();
  w.end_object();
  w.flush();
  out << '\n';
}

}  // namespace sd
