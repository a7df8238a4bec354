// The human plan `syncdeploy plan` prints: counts first, risky actions next (so a disable cannot
// hide in long output), then every change, through TextOut (render/text_out.h).
#include <string>
#include <string_view>

#include "base/text_checks.h"
#include "render/ansi_colors.h"
#include "render/render.h"
#include "render/text_out.h"

namespace sd {
namespace {

constexpr size_t kBottomSummaryAfter = 20;  // listed actions before the counts are repeated

using namespace ansi;
using Out = TextOut;

void counts_line(Out& o, const Plan& plan) {
  const PlanSummary& s = plan.summary;
  std::string line = "Plan for deployment ";
  line += printable(plan.deployment, TextOut::kMaxChars);
  auto add = [&](size_t n, std::string_view what, bool first) {
    line += first ? ": " : ", ";
    line += std::to_string(n);
    line += what;
  };
  add(s.create, " to create", true);
  add(s.update, " to update", false);
  add(s.disable, " to disable", false);
  add(s.noop, " unchanged", false);
  if (s.unknown) add(s.unknown, " unknown", false);
  if (s.blocked) add(s.blocked, " blocked", false);
  o.styled(kBold, line);
  o.end_line();
}

// "Limited to: nexj, exchange.throttling_policy (--only)": a partial plan must not read as
// the whole deployment.
// The preconditions the runtime checked (TLS of each endpoint); only the ones that are not fine
// when `all` is false.
void checks_block(Out& o, const Plan& plan, bool all) {
  bool any = false;
  for (const PreconditionCheck& c : plan.observed.checks) {
    if (!all && c.status == PreconditionCheck::Status::Ok) continue;
    if (!any) {
      o.end_line();
      o.styled(kBold, "Checks:");
      o.end_line();
      any = true;
    }
    o << "  ";
    switch (c.status) {
      case PreconditionCheck::Status::Ok:
        o.styled(kGreen, "ok      ");
        break;
      case PreconditionCheck::Status::Warning:
        o.styled(kYellow, "warning ");
        break;
      case PreconditionCheck::Status::Failed:
        o.styled(kRed, "failed  ");
        break;
    }
    o.text(c.name);
    o << ": ";
    o.text(c.detail);
    o.end_line();
  }
}

void address(Out& o, const Action& a) {
  o << a.type->name << '/';
  o.text(a.name);
}

// What Unknown says: the read error, once, whether the plan put it in the reason or only in
// the observed resource.
void unknown_text(Out& o, const Plan& plan, const Action& a) {
  o << "could not be read: ";
  o.text(read_error_of(plan, a));
}

void field_line(Out& o, const Action& a, const FieldChange& c) {
  const ResourceType& type = *a.type;
  o << "      ";
  bool secret = false;
  Compare rule = Compare::Exact;
  if (c.field < type.fields.size()) {
    o << type.fields[c.field].name;
    rule = type.fields[c.field].compare;
    secret = rule == Compare::Secret;
  } else {
    o << '#' << static_cast<size_t>(c.field);  // a plan bug; shown, not hidden
  }
  o << ": ";
  secret = secret || std::holds_alternative<SecretValue>(c.before) ||
           std::holds_alternative<SecretValue>(c.after);
  if (secret) {
    // Never a value, whatever the read returned: only that it is set or changes.
    if (a.kind == ActionKind::Create || is_unset(c.before)) {
      if (a.kind != ActionKind::Create) o << "(unset) -> ";
      o << "(sensitive)";
    } else {
      o << "(sensitive, changed)";
    }
  } else if (a.kind == ActionKind::Create) {
    o.value(c.after, rule);
  } else {
    o.value(c.before, rule);
    o << " -> ";
    o.value(c.after, rule);
  }
  o.end_line();
}

// "  + address  ": how every action line starts.
void action_lead(Out& o, const Action& a) {
  o << "  ";
  o.mark(action_mark(a.kind));
  o << ' ';
  address(o, a);
  o << "  ";
}

void action_block(Out& o, const Plan& plan, const Action& a) {
  action_lead(o, a);
  if (a.kind == ActionKind::Unknown) {
    unknown_text(o, plan, a);
  } else if (a.kind == ActionKind::Blocked) {
    o.text(a.reason);
  } else {
    o << "(step " << static_cast<int64_t>(a.type->step) << ", " << to_string(a.kind);
    if (!a.reason.empty()) {
      o << ": ";
      o.text(a.reason);
    }
    o << ')';
  }
  o.end_line();
  if (a.kind == ActionKind::Unknown || a.kind == ActionKind::Blocked) return;
  for (const FieldChange& c : a.changes) field_line(o, a, c);
}

void risky_line(Out& o, const Plan& plan, const Action& a) {
  action_lead(o, a);
  if (a.kind == ActionKind::Unknown) {
    unknown_text(o, plan, a);
  } else {
    o << '(' << to_string(a.kind);
    if (!a.reason.empty()) {
      o << ": ";
      o.text(a.reason);
    }
    o << ')';
  }
  o.end_line();
}

}  // namespace

void render_text(const Plan& plan, const TextStyle& style, std::ostream& out) {
  Out o(out, style.color);
  const PlanSummary& s = plan.summary;
  if (!s.has_changes() && s.unknown == 0 && s.blocked == 0 && s.failed_checks == 0) {
    std::string line = "No changes. " + printable(plan.deployment, TextOut::kMaxChars) +
                       " matches the spec (" + std::to_string(s.noop) + " objects checked).";
    o.styled(kBold, line);
    o.end_line();
    limited_to_line(o, plan);
    checks_block(o, plan, false);
    return;
  }
  counts_line(o, plan);
  limited_to_line(o, plan);
  if (std::string why = cannot_apply_reason(s); !why.empty()) {
    o.styled(kRed, "This plan cannot be applied as is: " + why + ".");
    o.end_line();
  }
  if (s.cannot_sync) {
    o.styled(kYellow, std::to_string(s.cannot_sync) +
                          (s.cannot_sync == 1 ? " folder link is" : " folder links are") +
                          " blocked because the user cannot sync; apply makes the rest.");
    o.end_line();
  }
  checks_block(o, plan, true);

  size_t risky = 0;
  for (const Action& a : plan.actions)
    if (a.type && a.risky && a.kind != ActionKind::NoOp) ++risky;
  if (risky) {
    o.end_line();
    o.styled(kBold, "Review first (" + std::to_string(risky) + " risky):");
    o.end_line();
    for (const Action& a : plan.actions)
      if (a.type && a.risky && a.kind != ActionKind::NoOp) risky_line(o, plan, a);
  }

  o.end_line();
  size_t listed = 0;
  for (const Action& a : plan.actions) {
    if (!a.type || a.kind == ActionKind::NoOp) continue;
    action_block(o, plan, a);
    ++listed;
  }
  // A long listing scrolls the first line away; repeat the counts where the reader ends up.
  if (listed > kBottomSummaryAfter) {
    o.end_line();
    counts_line(o, plan);
  }
}

}  // namespace sd
