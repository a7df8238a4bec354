// Drift for `syncdeploy diff`: live state against the spec, said as facts about the objects
// ("missing", "live 10, spec unlimited") rather than as the actions apply would take. Read-only
// by nature, so it has its own words and its own small JSON document (docs/plan-format.md).
// Untrusted text goes through printable() as in render_text.cc.
#include <string>
#include <string_view>

#include "base/json_writer.h"
#include "base/text_checks.h"
#include "render/ansi_colors.h"
#include "render/render.h"
#include "render/text_out.h"
#include "render/unmanaged_block.h"

namespace sd {
namespace {

using namespace ansi;

constexpr std::string_view kMissing = "missing: the spec names it, live has none";
constexpr std::string_view kUnexpected = "not in the spec, still enabled";

// What the drift JSON calls each kind of difference.
std::string_view drift_kind(ActionKind kind) {
  switch (kind) {
    case ActionKind::Create:
      return "missing";
    case ActionKind::Update:
      return "changed";
    case ActionKind::Disable:
    case ActionKind::Remove:
      return "unexpected";
    case ActionKind::Unknown:
      return "unknown";
    case ActionKind::Blocked:
      return "blocked";
    case ActionKind::NoOp:
      break;
  }
  return "in-sync";
}

struct DriftCounts {
  size_t checked = 0, missing = 0, changed = 0, unexpected = 0, blocked = 0, unknown = 0;
  [[nodiscard]] size_t differ() const { return missing + changed + unexpected + blocked; }
  [[nodiscard]] bool in_sync() const { return differ() == 0 && unknown == 0; }
};

DriftCounts count_drift(const Plan& plan) {
  DriftCounts c;
  for (const Action& a : plan.actions) {
    if (!a.type) continue;  // a plan bug; no renderer shows it
    ++c.checked;
    switch (a.kind) {
      case ActionKind::Create:
        ++c.missing;
        break;
      case ActionKind::Update:
        ++c.changed;
        break;
      case ActionKind::Disable:
      case ActionKind::Remove:
        ++c.unexpected;
        break;
      case ActionKind::Blocked:
        ++c.blocked;
        break;
      case ActionKind::Unknown:
        ++c.unknown;
        break;
      case ActionKind::NoOp:
        break;
    }
  }
  return c;
}

std::string summary_line(const DriftCounts& c) {
  if (c.in_sync())
    return "No drift: live state matches the spec (" + std::to_string(c.checked) +
           (c.checked == 1 ? " object" : " objects") + " checked).";
  std::string parts;
  auto add = [&](size_t n, std::string_view what) {
    if (n == 0) return;
    parts.append(parts.empty() ? " (" : ", ").append(std::to_string(n)).append(what);
  };
  add(c.missing, " missing");
  add(c.changed, " changed");
  add(c.unexpected, " not in the spec");
  add(c.blocked, " blocked");
  if (!parts.empty()) parts += ')';
  size_t d = c.differ();
  return "Drift: " + std::to_string(d) + (d == 1 ? " object differs" : " objects differ") +
         " from the spec" + parts + ", " + std::to_string(c.unknown) + " could not be read.";
}

// The one-line reason of an object that differs (JSON "reason"; the text after the address).
std::string drift_reason(const Plan& plan, const Action& a) {
  switch (a.kind) {
    case ActionKind::Create:
      return std::string(kMissing);
    case ActionKind::Disable:
      return std::string(kUnexpected);
    case ActionKind::Remove:
      return "named in remove:, still there";
    case ActionKind::Unknown:
      return "could not be read: " + std::string(read_error_of(plan, a));
    case ActionKind::Update:
    case ActionKind::Blocked:
    case ActionKind::NoOp:
      break;
  }
  return a.reason;
}

bool is_secret(const ResourceType& type, const FieldChange& c) {
  return (c.field < type.fields.size() && type.fields[c.field].compare == Compare::Secret) ||
         std::holds_alternative<SecretValue>(c.before) ||
         std::holds_alternative<SecretValue>(c.after);
}

// A secret's side of a difference: whether it is set, never what it is.
std::string_view secret_shown(const Value& v) {
  if (is_unset(v)) return "(unset)";
  if (std::holds_alternative<NullValue>(v)) return "(not set)";
  return "(sensitive)";
}

using Out = TextOut;

void field_lines(Out& o, const Action& a) {
  const ResourceType& type = *a.type;
  for (const FieldChange& c : a.changes) {
    o << "      ";
    Compare rule = Compare::Exact;
    if (c.field < type.fields.size()) {
      o << type.fields[c.field].name;
      rule = type.fields[c.field].compare;
    } else {
      o << "#" << std::to_string(c.field);  // a plan bug; shown, not hidden
    }
    o << ": live ";
    if (is_secret(type, c)) {
      o << secret_shown(c.before) << ", spec " << secret_shown(c.after);
      if (!is_unset(c.before) && !std::holds_alternative<NullValue>(c.before)) o << ", different";
    } else {
      o << display_value(c.before, rule) << ", spec " << display_value(c.after, rule);
    }
    o.end_line();
  }
}

void object_lines(Out& o, const Plan& plan, const Action& a) {
  ActionMark mark = action_mark(a.kind);
  o << "  ";
  o.mark(mark);
  o << " " << a.type->name << "/";
  o.text(a.name);
  o << "  ";
  if (a.kind == ActionKind::Update) {
    o << "changed";
    o.end_line();
    field_lines(o, a);
    return;
  }
  o.text(drift_reason(plan, a));
  o.end_line();
}

}  // namespace

void render_drift_text(const Plan& plan, const TextStyle& style, std::ostream& out) {
  Out o(out, style.color);
  DriftCounts counts = count_drift(plan);
  o.styled(kBold, summary_line(counts));
  o.end_line();
  limited_to_line(o, plan);
  if (!counts.in_sync()) {
    o.end_line();
    for (const Action& a : plan.actions)
      if (a.type && a.kind != ActionKind::NoOp) object_lines(o, plan, a);
  }
  // Not drift (the spec does not claim them), but a reviewer of the deployment sees them.
  unmanaged_block(o, plan, style.detail);
}

void render_drift_json(const Plan& plan, std::ostream& out) {
  DriftCounts counts = count_drift(plan);
  JsonWriter w(out);
  w.begin_object();
  w.key("format");
  w.string("1.0");
  w.key("deployment");
  w.string(plan.deployment);
  w.key("only");
  w.begin_array();
  for (const std::string& prefix : plan.only) w.string(prefix);
  w.end_array();
  w.key("inSync");
  w.boolean(counts.in_sync());
  w.key("summary");
  w.begin_object();
  w.count("checked", counts.checked);
  w.count("differ", counts.differ());
  w.count("missing", counts.missing);
  w.count("changed", counts.changed);
  w.count("unexpected", counts.unexpected);
  w.count("blocked", counts.blocked);
  w.count("unknown", counts.unknown);
  w.end_object();
  w.key("unmanaged");
  write_unmanaged_json(w, plan);
  w.key("drift");
  w.begin_array(/*one_per_line=*/true);
  for (const Action& a : plan.actions) {
    if (!a.type || a.kind == ActionKind::NoOp) continue;
    const ResourceType& type = *a.type;
    w.begin_object();
    w.key("address");
    w.string(a.address());
    w.key("kind");
    w.string(drift_kind(a.kind));
    w.key("fields");
    w.begin_array();
    for (const FieldChange& c : a.changes) {
      if (a.kind != ActionKind::Update) break;  // only a changed object has field differences
      w.begin_object();
      w.key("field");
      w.string(c.field < type.fields.size() ? std::string(type.fields[c.field].name)
                                            : "#" + std::to_string(c.field));
      bool secret = is_secret(type, c);
      if (!is_unset(c.before)) {
        w.key("live");
        write_json_value(w, c.before, secret);
      }
      if (!is_unset(c.after)) {
        w.key("spec");
        write_json_value(w, c.after, secret);
      }
      w.end_object();
    }
    w.end_array();
    w.key("reason");
    w.string(drift_reason(plan, a));
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.flush();
  out << '\n';
}

}  // namespace sd
