// The human plan `syncdeploy plan` prints: counts first (overall and per resource type), risky
// actions next (so a disable cannot hide in long output), then every change, through TextOut
// (render/text_out.h). Folder links are one line per user unless the full detail is asked for:
// 20,000 users are 20,000 lines, not 260,000.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/text_checks.h"
#include "plan/adoption.h"
#include "render/ansi_colors.h"
#include "render/plan_overview.h"
#include "render/render.h"
#include "render/text_out.h"
#include "render/unmanaged_block.h"

namespace sd {
namespace {

constexpr size_t kBottomSummaryAfter = 20;  // listed lines before the counts are repeated
constexpr size_t kTypeColumn = 34;          // the width of a type's name in the type counts
constexpr size_t kMaxRiskyLines = 50;       // risky lines shown in summary detail

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
  if (s.remove) add(s.remove, " to remove", false);
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

// "name: value" or "name: before -> after" of one field change; a secret never by its value.
void field_change(Out& o, const Action& a, const FieldChange& c) {
  const ResourceType& type = *a.type;
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
    if (is_unread_secret(c.after)) {
      o << "(sensitive, not compared)";
    } else if (a.kind == ActionKind::Create || is_unset(c.before)) {
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
}

void field_line(Out& o, const Action& a, const FieldChange& c) {
  o << "      ";
  field_change(o, a, c);
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

// "(step 7, create: does not exist)"; the reason left out when empty.
void step_and_kind(Out& o, const Action& a, std::string_view reason) {
  o << "(step " << static_cast<int64_t>(a.type->step) << ", " << to_string(a.kind);
  if (!reason.empty()) {
    o << ": ";
    o.text(reason);
  }
  o << ')';
}

void action_block(Out& o, const Plan& plan, const Action& a) {
  action_lead(o, a);
  if (a.kind == ActionKind::Unknown) {
    unknown_text(o, plan, a);
  } else if (a.kind == ActionKind::Blocked) {
    o.text(a.reason);
  } else {
    step_and_kind(o, a, a.reason);
  }
  o.end_line();
  if (a.kind == ActionKind::Unknown || a.kind == ActionKind::Blocked) return;
  for (const FieldChange& c : a.changes) field_line(o, a, c);
}

// One user's folder links on one line: "  + nexj.folder_link/jsmith/{calendar,tasks}  (step 7,
// create: does not exist)  target: "EXCH01", folderId: (per folder)".
void folder_link_group_line(Out& o, const Plan& plan, const FolderLinkGroup& g) {
  const Action& first = plan.actions[g.actions.front()];
  o << "  ";
  o.mark(action_mark(g.kind));
  o << ' ' << first.type->name << '/';
  o.text(folder_link_group_name(plan, g));
  o << "  ";
  if (g.kind == ActionKind::Unknown) {
    o << "could not be read: ";
    o.text(g.reason);
  } else if (g.kind == ActionKind::Blocked) {
    o.text(g.reason);
  } else {
    step_and_kind(o, first, g.reason);
    const char* separator = "  ";
    for (const GroupField& f : g.fields) {
      o << separator;
      separator = ", ";
      if (f.same) {
        field_change(o, first, *f.same);
      } else if (f.field < first.type->fields.size()) {
        o << first.type->fields[f.field].name << ": (per folder)";
      } else {
        o << '#' << static_cast<size_t>(f.field) << ": (per folder)";  // a plan bug; shown
      }
    }
  }
  o.end_line();
}

bool group_is_risky(const Plan& plan, const FolderLinkGroup& g) {
  for (uint32_t i : g.actions)
    if (plan.actions[i].risky) return true;
  return false;
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

// "  step 7  nexj.folder_link                   6 to create (3 users)", one per type.
void type_counts_block(Out& o, const Plan& plan) {
  o.end_line();
  o.styled(kBold, "By resource type:");
  o.end_line();
  FolderLinkTotals links = folder_link_totals(plan);
  for (const TypeCounts& c : counts_by_type(plan)) {
    o << "  step " << static_cast<int64_t>(c.type->step) << "  " << c.type->name;
    for (size_t pad = c.type->name.size(); pad < kTypeColumn; ++pad) o << ' ';
    const char* separator = "";
    auto count = [&](size_t n, std::string_view what) {
      if (n == 0) return;
      o << separator << n << what;
      separator = ", ";
    };
    count(c.create, " to create");
    count(c.update, " to update");
    count(c.disable, " to disable");
    count(c.remove, " to remove");
    count(c.unknown, " unknown");
    count(c.blocked, " blocked");
    if (c.type == &types::kFolderLink && links.users)
      o << " for " << links.users << (links.users == 1 ? " user" : " users");
    count(c.noop, " unchanged");
    o.end_line();
  }
}

// The risky actions, folder links one line per user except in full detail; at most
// kMaxRiskyLines lines in summary detail, where the rest is counted.
void risky_block(Out& o, const Plan& plan, PlanDetail detail) {
  const size_t risky = plan.summary.risky;
  if (!risky) return;
  o.end_line();
  o.styled(kBold, "Review first (" + std::to_string(risky) + " risky):");
  o.end_line();
  const bool grouped = detail != PlanDetail::Full;
  const size_t max_lines = detail == PlanDetail::Summary ? kMaxRiskyLines : SIZE_MAX;
  size_t lines = 0, shown = 0;
  for (const Action& a : plan.actions) {
    if (!a.type || !a.risky || a.kind == ActionKind::NoOp) continue;
    if (grouped && is_listed_folder_link(a)) continue;
    if (lines++ < max_lines) {
      risky_line(o, plan, a);
      ++shown;
    }
  }
  if (grouped) {
    for_each_folder_link_group(plan, [&](const FolderLinkGroup& g) {
      if (!group_is_risky(plan, g)) return;
      if (lines++ >= max_lines) return;
      folder_link_group_line(o, plan, g);
      for (uint32_t i : g.actions) shown += plan.actions[i].risky;
    });
  }
  if (shown < risky) {
    o << "  ... and " << risky - shown << " more risky actions (--verbose lists them all)";
    o.end_line();
  }
}

// The folder links of a large plan: the ones that cannot be made by name (at most
// kMaxRiskyLines lines, the rest counted), those that will be made counted. Returns the lines.
size_t summarized_links(Out& o, const Plan& plan) {
  size_t lines = 0, not_named = 0, users = 0;
  size_t counts[3] = {0, 0, 0};  // create, update, disable
  std::string_view last_login;
  for_each_folder_link_group(plan, [&](const FolderLinkGroup& g) {
    if (g.kind == ActionKind::Unknown || g.kind == ActionKind::Blocked) {
      if (lines < kMaxRiskyLines) {
        folder_link_group_line(o, plan, g);
        ++lines;
      } else {
        not_named += g.actions.size();
      }
      return;
    }
    counts[g.kind == ActionKind::Create   ? 0
           : g.kind == ActionKind::Update ? 1
                                          : 2] += g.actions.size();
    if (users == 0 || g.login != last_login) ++users;
    last_login = g.login;
  });
  if (not_named) {
    o << "  ... and " << not_named
      << " more folder links that cannot be made (--verbose lists them)";
    o.end_line();
    ++lines;
  }
  if (users) {
    o << "  " << types::kFolderLink.name << ": ";
    const char* separator = "";
    const char* what[3] = {" to create", " to update", " to disable"};
    for (int k = 0; k < 3; ++k) {
      if (!counts[k]) continue;
      o << separator << counts[k] << what[k];
      separator = ", ";
    }
    o << " for " << users << (users == 1 ? " user" : " users")
      << " (counted above; --verbose lists them)";
    o.end_line();
    ++lines;
  }
  return lines;
}

// The listing: every action but the folder links, then the folder links as `detail` says.
// Returns the lines written.
size_t listing(Out& o, const Plan& plan, PlanDetail detail) {
  size_t lines = 0;
  o.end_line();
  for (const Action& a : plan.actions) {
    if (!a.type || a.kind == ActionKind::NoOp) continue;
    if (detail != PlanDetail::Full && is_listed_folder_link(a)) continue;
    action_block(o, plan, a);
    ++lines;
  }
  if (detail == PlanDetail::Grouped) {
    for_each_folder_link_group(plan, [&](const FolderLinkGroup& g) {
      folder_link_group_line(o, plan, g);
      ++lines;
    });
  } else if (detail == PlanDetail::Summary) {
    lines += summarized_links(o, plan);
  }
  return lines;
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
    if (std::string adopted = adoption_line(plan); !adopted.empty()) {
      o.text(adopted);
      o.end_line();
    }
    limited_to_line(o, plan);
    checks_block(o, plan, false);
    unmanaged_block(o, plan, style.detail);
    return;
  }
  counts_line(o, plan);
  if (std::string adopted = adoption_line(plan); !adopted.empty()) {
    o.text(adopted);
    o.end_line();
  }
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
  type_counts_block(o, plan);
  checks_block(o, plan, true);
  risky_block(o, plan, style.detail);
  size_t listed = listing(o, plan, style.detail);
  listed += unmanaged_block(o, plan, style.detail);
  // A long listing scrolls the first line away; repeat the counts where the reader ends up.
  if (listed > kBottomSummaryAfter) {
    o.end_line();
    counts_line(o, plan);
  }
}

}  // namespace sd
