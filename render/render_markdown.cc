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
#include "render/render.h"

namespace sd {
namespace {

constexpr size_t kBudget = 60000;        // bytes, so characters are fewer still
constexpr size_t kRiskyBudget = 20000;   // the risky list may not crowd out the table
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
      out += changed ? "(sensitive, changed)" : "(sensitive)";
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

std::string risky_item(const Plan& plan, const Action& a) {
  std::string item = "- ";
  item += kind_label(a.kind);
  item += ' ';
  append_code_raw(item, make_address(*a.type, a.name), false);
  if (a.kind == ActionKind::Unknown) {
    item += ": could not be read: ";
    append_code_raw(item, unknown_error(plan, a), false);
  } else if (!a.reason.empty()) {
    item += ": ";
    append_text(item, a.reason);
  }
  item += '\n';
  return item;
}

void append_counts(std::string& md, const PlanSummary& s) {
  md += std::to_string(s.create) + " to create, " + std::to_string(s.update) + " to update, " +
        std::to_string(s.disable) + " to disable, " + std::to_string(s.noop) + " unchanged";
  if (s.unknown) md += ", " + std::to_string(s.unknown) + " unknown";
  if (s.blocked) md += ", " + std::to_string(s.blocked) + " blocked";
}

// A partial plan must not read as the whole deployment.
void append_only(std::string& md, const Plan& plan) {
  if (plan.only.empty()) return;
  md += "\nLimited to: ";
  for (size_t i = 0; i < plan.only.size(); ++i) {
    if (i) md += ", ";
    append_code_raw(md, plan.only[i], false);
  }
  md += " (`--only`)\n";
}

// The preconditions: all of them, or only those that are not fine.
void append_checks(std::string& md, const Plan& plan, bool all) {
  bool any = false;
  for (const PreconditionCheck& c : plan.observed.checks) {
    if (!all && c.status == PreconditionCheck::Status::Ok) continue;
    if (!any) md += "\n**Checks:**\n\n";
    any = true;
    md += c.status == PreconditionCheck::Status::Ok        ? "- ✅ "
          : c.status == PreconditionCheck::Status::Warning ? "- ⚠️ "
                                                           : "- ❌ ";
    append_text(md, c.name);
    md += ": ";
    append_text(md, c.detail);
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
    append_only(md, plan);
    append_checks(md, plan, false);
    out << md;
    return;
  }
  md += "### Plan for ";
  append_code_raw(md, plan.deployment, false);
  md += ": ";
  append_counts(md, s);
  md += "\n";
  append_only(md, plan);
  if (std::string why = cannot_apply_reason(s); !why.empty())
    md += "\n> [!WARNING]\n> This plan cannot be applied as is: " + why + ".\n";
  append_checks(md, plan, true);

  size_t risky = 0;
  for (const Action& a : plan.actions)
    if (a.type && a.risky && a.kind != ActionKind::NoOp) ++risky;
  if (risky) {
    md += "\n**Review first (" + std::to_string(risky) + " risky):**\n\n";
    size_t listed = 0;
    for (const Action& a : plan.actions) {
      if (!a.type || !a.risky || a.kind == ActionKind::NoOp) continue;
      std::string item = risky_item(plan, a);
      if (md.size() + item.size() > kRiskyBudget) {
        md += "- … and " + std::to_string(risky - listed) +
              " more risky actions; see the JSON plan.\n";
        break;
      }
      md += item;
      ++listed;
    }
  }

  size_t total = 0;
  for (const Action& a : plan.actions)
    if (a.type && a.kind != ActionKind::NoOp) ++total;
  md += "\n| Action | Address | Step | Changes |\n| --- | --- | --- | --- |\n";
  size_t shown = 0;
  for (const Action& a : plan.actions) {
    if (!a.type || a.kind == ActionKind::NoOp) continue;
    std::string row = table_row(plan, a);
    if (md.size() + row.size() + kFooterReserve > kBudget) {
      md += "\n… and " + std::to_string(total - shown) +
            " more actions not shown; see the JSON plan.\n";
      break;
    }
    md += row;
    ++shown;
  }
  out << md;
}

}  // namespace sd
