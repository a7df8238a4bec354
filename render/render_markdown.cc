// Markdown for a pull-request comment: counts, risky actions first, then a table of the
// changes. GitHub refuses comments over 65,536 characters, so the output has a hard budget
// and ends with a pointer to the JSON plan when the table does not fit.
//
// Untrusted text (names, values, errors) is shown inside code spans: there Markdown, HTML and
// @mentions are inert, and only `|` (in tables) and backticks need care.
#include <algorithm>
#include <string>
#include <string_view>

#include "base/text_checks.h"
#include "plan/adoption.h"
#include "plan/plan_identity.h"
#include "plan/unmanaged.h"
#include "render/plan_overview.h"
#include "render/render.h"

namespace sd {
namespace {

constexpr size_t kBudget = 60000;        // bytes, so characters are fewer still
constexpr size_t kRiskyBudget = 20000;   // the risky list may not crowd out the table
constexpr size_t kLinksReserve = 12000;  // kept for the folder links after the configuration
constexpr size_t kHeaderBudget = 8000;   // each of the --only list and the checks
constexpr size_t kFooterReserve = 200;   // room for the closing "… and N more" line
constexpr size_t kMaxValueChars = 60;    // per value in a cell
constexpr size_t kMaxListItems = 5;      // per list value in a cell
constexpr size_t kMaxFieldsPerCell = 6;  // field changes shown per action

std::string_view kind_label(ActionKind kind) {
  switch (kind) {
    case ActionKind::Create:
      return "🟢 create";
    case ActionKind::Update:
      return "🟡 update";
    case ActionKind::Disable:
      return "🔴 disable";
    case ActionKind::Remove:
      return "❌ remove";
    case ActionKind::NoOp:
      return "noop";
    case ActionKind::Unknown:
      return "❓ unknown";
    case ActionKind::Blocked:
      return "⛔ blocked";
  }
  return "❓ unknown";
}

// `text` (already through printable(): no newlines or control characters) as a code span. The
// fence is longer than any backtick run inside, and `|` is escaped in table cells (GitHub
// splits cells before it parses code spans).
void append_code(std::string& out, std::string_view text, bool in_table) {
  if (text.empty()) {
    out += "(empty)";
    return;
  }
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(longest + 1, '`');
  bool pad =
      text.front() == '`' || text.back() == '`' || (text.front() == ' ' && text.back() == ' ');
  out += fence;
  if (pad) out += ' ';
  for (char c : text) {
    if (c == '|' && in_table) out += '\\';
    out += c;
  }
  if (pad) out += ' ';
  out += fence;
}

void append_code_raw(std::string& out, std::string_view raw, bool in_table) {
  append_code(out, printable(raw, 200), in_table);
}

// Plain text from the plan (reasons): Markdown punctuation escaped, HTML inert, and no
// @mention (a zero-width space after @) so a hostile string cannot ping anyone.
void append_text(std::string& out, std::string_view raw) {
  for (char c : printable(raw, 200)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '@':
        out += "@&#8203;";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
      case '~':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
}

// One value as a short code span: long strings and lists are cut; secrets never shown.
void append_value(std::string& out, const Value& v, Compare rule) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    append_code(out, quoted(*s, kMaxValueChars), true);
  } else if (const auto* list = std::get_if<StringList>(&v)) {
    std::string shown = "[";
    for (size_t i = 0; i < list->size() && i < kMaxListItems; ++i)
      shown += (i ? ", " : "") + quoted((*list)[i], kMaxValueChars);
    if (list->size() > kMaxListItems)
      shown += ", … " + std::to_string(list->size() - kMaxListItems) + " more";
    shown += "]";
    append_code(out, shown, true);
  } else {
    append_code(out, display_value(v, rule), true);  // short: no strings here
  }
}

void append_changes(std::string& out, const Action& a) {
  const ResourceType& type = *a.type;
  size_t shown = 0;
  for (const FieldChange& c : a.changes) {
    if (shown == kMaxFieldsPerCell) {
      size_t more = a.changes.size() - shown;
      out += "<br>… " + std::to_string(more) + (more == 1 ? " more field" : " more fields");
      break;
    }
    if (shown++) out += "<br>";
    bool secret = std::holds_alternative<SecretValue>(c.before) ||
                  std::holds_alternative<SecretValue>(c.after);
    Compare rule = Compare::Exact;
    if (c.field < type.fields.size()) {
      out += type.fields[c.field].name;
      rule = type.fields[c.field].compare;
      secret = secret || rule == Compare::Secret;
    } else {
      out += "#" + std::to_string(c.field);
    }
    out += ": ";
    if (secret) {
      bool changed = a.kind != ActionKind::Create && !is_unset(c.before);
      out += is_unread_secret(c.after) ? "(sensitive, not compared)"
             : changed                 ? "(sensitive, changed)"
                                       : "(sensitive)";
    } else if (a.kind == ActionKind::Create) {
      append_value(out, c.after, rule);
    } else {
      append_value(out, c.before, rule);
      out += " → ";
      append_value(out, c.after, rule);
    }
  }
}

std::string unknown_error(const Plan& plan, const Action& a) {
  return std::string(read_error_of(plan, a));
}

std::string table_row(const Plan& plan, const Action& a) {
  std::string row = "| ";
  row += kind_label(a.kind);
  row += " | ";
  std::string address = make_address(*a.type, a.name);
  append_code_raw(row, address, true);
  row += " | " + std::to_string(a.type->step) + " | ";
  if (a.kind == ActionKind::Unknown) {
    row += "could not be read: ";
    append_code_raw(row, unknown_error(plan, a), true);
  } else if (a.changes.empty() || a.kind == ActionKind::Blocked) {
    append_text(row, a.reason);
  } else {
    append_changes(row, a);
  }
  row += " |\n";
  return row;
}

// "- 🔴 disable `address`: why", for the risky list; `why` is the read error of an unknown.
std::string risky_entry(ActionKind kind, const std::string& address, std::string_view why) {
  std::string item = "- ";
  item += kind_label(kind);
  item += ' ';
  append_code_raw(item, address, false);
  if (kind == ActionKind::Unknown) {
    item += ": could not be read: ";
    append_code_raw(item, why, false);
  } else if (!why.empty()) {
    item += ": ";
    append_text(item, why);
  }
  item += '\n';
  return item;
}

std::string risky_item(const Plan& plan, const Action& a) {
  return risky_entry(a.kind, a.address(),
                     a.kind == ActionKind::Unknown ? unknown_error(plan, a) : a.reason);
}

void append_counts(std::string& md, const PlanSummary& s) {
  md += std::to_string(s.create) + " to create, " + std::to_string(s.update) + " to update, " +
        std::to_string(s.disable) + " to disable, ";
  if (s.remove) md += std::to_string(s.remove) + " to remove, ";
  md += std::to_string(s.noop) + " unchanged";
  if (s.unknown) md += ", " + std::to_string(s.unknown) + " unknown";
  if (s.blocked) md += ", " + std::to_string(s.blocked) + " blocked";
}

// The counts per resource type, in step order: what a reviewer of a large plan reads first.
// Unknown and Blocked columns only when the plan has such actions.
void append_type_table(std::string& md, const Plan& plan, const FolderLinkTotals& links) {
  const PlanSummary& s = plan.summary;
  md += "\n| Step | Resource type | Create | Update | Disable |";
  if (s.remove) md += " Remove |";
  md += " Unchanged |";
  if (s.unknown) md += " Unknown |";
  if (s.blocked) md += " Blocked |";
  md += "\n| ---: | --- | ---: | ---: | ---: | ---: |";
  if (s.remove) md += " ---: |";
  if (s.unknown) md += " ---: |";
  if (s.blocked) md += " ---: |";
  md += "\n";
  for (const TypeCounts& c : counts_by_type(plan)) {
    md += "| " + std::to_string(c.type->step) + " | `";
    md += c.type->name;
    md += '`';
    if (c.type == &types::kFolderLink && links.users)
      md += " (" + std::to_string(links.users) + (links.users == 1 ? " user)" : " users)");
    md += " | " + std::to_string(c.create) + " | " + std::to_string(c.update) + " | " +
          std::to_string(c.disable) + " |";
    if (s.remove) md += " " + std::to_string(c.remove) + " |";
    md += " " + std::to_string(c.noop) + " |";
    if (s.unknown) md += " " + std::to_string(c.unknown) + " |";
    if (s.blocked) md += " " + std::to_string(c.blocked) + " |";
    md += "\n";
  }
}

// One user's folder links as a row: the fields that are the same for each folder with their
// values, the others as "(per folder)".
std::string group_row(const Plan& plan, const FolderLinkGroup& g) {
  const Action& first = plan.actions[g.actions.front()];
  std::string row = "| ";
  row += kind_label(g.kind);
  row += " | ";
  append_code_raw(row, folder_link_group_name(plan, g), true);
  row += " | ";
  if (g.kind == ActionKind::Unknown) {
    row += "could not be read: ";
    append_code_raw(row, g.reason, true);
  } else if (g.kind == ActionKind::Blocked || g.fields.empty()) {
    append_text(row, g.reason);
  } else {
    size_t shown = 0;
    for (const GroupField& f : g.fields) {
      if (shown++) row += "<br>";
      if (f.same) {
        Action one;  // append_changes() of a single change
        one.kind = first.kind;
        one.type = first.type;
        one.changes.push_back(*f.same);
        append_changes(row, one);
      } else {
        row += f.field < first.type->fields.size() ? std::string(first.type->fields[f.field].name)
                                                   : "#" + std::to_string(f.field);
        row += ": (per folder)";
      }
    }
  }
  row += " |\n";
  return row;
}

std::string risky_group_item(const Plan& plan, const FolderLinkGroup& g) {
  return risky_entry(g.kind, make_address(types::kFolderLink, folder_link_group_name(plan, g)),
                     g.reason);
}

// The risky actions, folder links one item per user, within kRiskyBudget.
void append_risky(std::string& md, const Plan& plan) {
  const size_t risky = plan.summary.risky;
  if (!risky) return;
  md += "\n**Review first (" + std::to_string(risky) + " risky):**\n\n";
  const size_t budget = md.size() + kRiskyBudget;
  size_t listed = 0;
  bool full = false;
  auto add = [&](const std::string& item, size_t actions) {
    if (full || md.size() + item.size() > budget) {
      full = true;
      return;
    }
    md += item;
    listed += actions;
  };
  for (const Action& a : plan.actions)
    if (a.type && a.risky && a.kind != ActionKind::NoOp && !is_listed_folder_link(a))
      add(risky_item(plan, a), 1);
  for_each_folder_link_group(plan, [&](const FolderLinkGroup& g) {
    size_t actions = 0;
    for (uint32_t i : g.actions) actions += plan.actions[i].risky;
    if (actions) add(risky_group_item(plan, g), actions);
  });
  if (listed < risky)
    md += "- … and " + std::to_string(risky - listed) + " more risky actions; see the JSON plan.\n";
}

// Every action but the folder links, as a table: the Exchange and NexJ configuration a reviewer
// reads in full. Leaves kLinksReserve for the folder links when there are some.
void append_configuration(std::string& md, const Plan& plan, bool links_follow) {
  size_t total = 0;
  for (const Action& a : plan.actions)
    if (a.type && a.kind != ActionKind::NoOp && !is_listed_folder_link(a)) ++total;
  if (!total) return;
  md += "\n**Exchange and NexJ configuration (" + std::to_string(total) +
        (total == 1 ? " change" : " changes") +
        "):**\n\n| Action | Address | Step | Changes |\n| --- | --- | --- | --- |\n";
  const size_t budget = kBudget - (links_follow ? kLinksReserve : 0);
  size_t shown = 0;
  for (const Action& a : plan.actions) {
    if (!a.type || a.kind == ActionKind::NoOp || is_listed_folder_link(a)) continue;
    std::string row = table_row(plan, a);
    if (md.size() + row.size() + kFooterReserve > budget) {
      md += "\n… and " + std::to_string(total - shown) +
            " more actions not shown; see the JSON plan.\n";
      return;
    }
    md += row;
    ++shown;
  }
}

// The folder links, one row per user, collapsed: a 20,000-user change is a line that opens.
void append_folder_links(std::string& md, const Plan& plan, const FolderLinkTotals& links) {
  if (!links.actions) return;
  std::string counts;
  for (const TypeCounts& c : counts_by_type(plan)) {
    if (c.type != &types::kFolderLink) continue;
    auto add = [&](size_t n, std::string_view what) {
      if (!n) return;
      if (!counts.empty()) counts += ", ";
      counts += std::to_string(n);
      counts += what;
    };
    add(c.create, " to create");
    add(c.update, " to update");
    add(c.disable, " to disable");
    add(c.unknown, " unknown");
    add(c.blocked, " blocked");
  }
  md += "\n<details><summary>Folder links: " + counts + " for " + std::to_string(links.users) +
        (links.users == 1 ? " user" : " users") +
        "</summary>\n\n| Action | User/folders | Changes |\n| --- | --- | --- |\n";
  const std::string closing = "\n</details>\n";
  size_t shown = 0;
  bool full = false;
  for_each_folder_link_group(plan, [&](const FolderLinkGroup& g) {
    if (full) return;
    std::string row = group_row(plan, g);
    if (md.size() + row.size() + kFooterReserve + closing.size() > kBudget) {
      md += "\n… and " + std::to_string(links.actions - shown) +
            " more folder links not shown; see the JSON plan.\n";
      full = true;
      return;
    }
    md += row;
    shown += g.actions.size();
  });
  md += closing;
}

// A partial plan must not read as the whole deployment.
void append_only(std::string& md, const Plan& plan) {
  if (plan.only.empty()) return;
  md += "\nLimited to: ";
  const size_t budget = md.size() + kHeaderBudget;
  for (size_t i = 0; i < plan.only.size(); ++i) {
    if (md.size() > budget) {  // a read-back plan may name any number
      md += ", … " + std::to_string(plan.only.size() - i) + " more";
      break;
    }
    if (i) md += ", ";
    append_code_raw(md, plan.only[i], false);
  }
  md += " (`--only`)\n";
}

// The preconditions: all of them, or only those that are not fine.
void append_checks(std::string& md, const Plan& plan, bool all) {
  bool any = false;
  const size_t budget = md.size() + kHeaderBudget;
  const std::vector<PreconditionCheck>& checks = plan.observed.checks;
  for (size_t i = 0; i < checks.size(); ++i) {
    const PreconditionCheck& c = checks[i];
    if (!all && c.status == PreconditionCheck::Status::Ok) continue;
    if (!any) md += "\n**Checks:**\n\n";
    any = true;
    if (md.size() > budget) {  // one per endpoint: a read-back plan may have any number
      md += "- … and " + std::to_string(checks.size() - i) + " more; see the JSON plan\n";
      break;
    }
    md += c.status == PreconditionCheck::Status::Ok        ? "- ✅ "
          : c.status == PreconditionCheck::Status::Warning ? "- ⚠️ "
                                                           : "- ❌ ";
    append_text(md, c.name);
    md += ": ";
    append_text(md, c.detail);
    md += "\n";
  }
}

// What the spec does not name and the plan leaves alone, one item each (a user's folder links
// in one), within kHeaderBudget.
void append_unmanaged(std::string& md, const Plan& plan) {
  const std::vector<std::string>& errors = plan.observed.review_errors;
  if (plan.unmanaged.empty() && errors.empty()) return;
  md += "\n**Not managed by this spec** (" + std::to_string(plan.unmanaged.size()) +
        (plan.unmanaged.size() == 1 ? " object; nothing is done to it"
                                    : " objects; nothing is done to them") +
        "): review\n\n";
  const size_t budget = md.size() + kHeaderBudget;
  for (const std::string& error : errors) {
    md += "- ⚠️ the list may be incomplete: ";
    append_text(md, error);
    md += "\n";
  }
  std::vector<UnmanagedLine> lines = unmanaged_lines(plan);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (md.size() > budget) {
      md += "- … and " + std::to_string(lines.size() - i) + " more; see the JSON plan\n";
      break;
    }
    md += "- ❔ ";
    append_code_raw(md, std::string(lines[i].type->name) + "/" + lines[i].name, false);
    md += ": ";
    append_text(md, unmanaged_hint(plan.observed.resources[lines[i].first]));
    md += "\n";
  }
}

}  // namespace

void render_markdown(const Plan& plan, std::ostream& out) {
  const PlanSummary& s = plan.summary;
  // A fixed marker lets a bot find and update its own comment instead of adding another.
  std::string md = "<!-- syncdeploy plan -->\n";
  if (!s.has_changes() && s.unknown == 0 && s.blocked == 0 && s.failed_checks == 0) {
    md += "### No changes: ";
    append_code_raw(md, plan.deployment, false);
    md += " matches the spec (" + std::to_string(s.noop) + " objects checked)\n";
    if (std::string adopted = adoption_line(plan); !adopted.empty()) md += "\n" + adopted + "\n";
    append_only(md, plan);
    append_checks(md, plan, false);
    append_unmanaged(md, plan);
    out << md;
    return;
  }
  const FolderLinkTotals links = folder_link_totals(plan);
  md += "### Plan for ";
  append_code_raw(md, plan.deployment, false);
  md += ": ";
  append_counts(md, s);
  // The id `apply` prints for the saved plan (`planId` in plan.json): the comment and the
  // file a pipeline applies can be matched.
  md += "\n\nPlan id `" + plan_id(plan) + "` (`planId` in the saved plan)\n";
  if (std::string adopted = adoption_line(plan); !adopted.empty()) md += "\n" + adopted + "\n";
  append_only(md, plan);
  if (std::string why = cannot_apply_reason(s); !why.empty())
    md += "\n> [!WARNING]\n> This plan cannot be applied as is: " + why + ".\n";
  append_type_table(md, plan, links);
  append_checks(md, plan, true);
  append_unmanaged(md, plan);
  append_risky(md, plan);
  append_configuration(md, plan, links.actions > 0);
  append_folder_links(md, plan, links);
  out << md;
}

}  // namespace sd
