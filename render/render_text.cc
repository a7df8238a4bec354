// The human plan `syncdeploy plan` prints: counts first, risky actions next (so a disable cannot
// hide in long output), then every change. Untrusted text goes through printable(), so a name
// with a newline or an escape sequence cannot forge lines or colors. Written through one
// buffer: 300,000 actions render in a fraction of a second.
#include <charconv>
#include <string>
#include <string_view>

#include "base/text_checks.h"
#include "render/ansi_colors.h"
#include "render/render.h"

namespace sd {
namespace {

constexpr size_t kMaxChars = 200;  // per name or value, as display_value() cuts
constexpr size_t kFlushAt = 1 << 16;
constexpr size_t kBottomSummaryAfter = 20;  // listed actions before the counts are repeated

using namespace ansi;

struct KindLook {
  char symbol;
  std::string_view word, color;
};

// The word is the action's name ("create"); no-op actions are never listed.
KindLook look_of(ActionKind kind) {
  ActionMark mark = action_mark(kind);
  return {mark.symbol, to_string(kind), mark.color};
}

// Buffered writer with the few appends the plan needs.
class Out {
 public:
  Out(std::ostream& out, bool color) : out_(out), color_(color) { buf_.reserve(kFlushAt + 4096); }
  ~Out() { flush(); }
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;

  Out& operator<<(std::string_view s) {
    buf_.append(s);
    return *this;
  }
  Out& operator<<(char c) {
    buf_ += c;
    return *this;
  }
  Out& operator<<(size_t n) {
    char digits[24];
    buf_.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
    return *this;
  }
  Out& operator<<(int64_t n) {
    char digits[24];
    buf_.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
    return *this;
  }
  // Untrusted text: printable(), without the allocation when nothing needs escaping.
  void text(std::string_view s) {
    bool plain = s.size() <= kMaxChars;
    for (size_t i = 0; plain && i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      plain = c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
    }
    if (plain) {
      buf_.append(s);
    } else {
      buf_.append(printable(s, kMaxChars));
    }
  }
  void value(const Value& v, Compare rule) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      buf_ += '"';
      text(*s);
      buf_ += '"';
    } else if (const auto* b = std::get_if<bool>(&v)) {
      buf_.append(*b ? "true" : "false");
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      *this << *i;
    } else {
      buf_.append(display_value(v, rule));  // lists, unlimited, (unset), (sensitive)
    }
  }
  void styled(std::string_view style, std::string_view s) {
    if (color_ && !style.empty()) {
      buf_.append(style).append(s).append(kReset);
    } else {
      buf_.append(s);
    }
  }
  void symbol(const KindLook& look) {
    if (color_ && !look.color.empty()) {
      buf_.append(look.color).append(1, look.symbol).append(kReset);
    } else {
      buf_ += look.symbol;
    }
  }
  void end_line() {
    buf_ += '\n';
    if (buf_.size() >= kFlushAt) flush();
  }
  void flush() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }

 private:
  std::ostream& out_;
  std::string buf_;
  bool color_;
};

void counts_line(Out& o, const Plan& plan) {
  const PlanSummary& s = plan.summary;
  std::string line = "Plan for deployment ";
  line += printable(plan.deployment, kMaxChars);
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
void only_line(Out& o, const Plan& plan) {
  if (plan.only.empty()) return;
  o << "Limited to: ";
  for (size_t i = 0; i < plan.only.size(); ++i) {
    if (i) o << ", ";
    o.text(plan.only[i]);
  }
  o << " (--only)";
  o.end_line();
}

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

// "  + address  ": how every action line starts. Returns the kind's look for the rest.
KindLook action_lead(Out& o, const Action& a) {
  KindLook look = look_of(a.kind);
  o << "  ";
  o.symbol(look);
  o << ' ';
  address(o, a);
  o << "  ";
  return look;
}

void action_block(Out& o, const Plan& plan, const Action& a) {
  KindLook look = action_lead(o, a);
  if (a.kind == ActionKind::Unknown) {
    unknown_text(o, plan, a);
  } else if (a.kind == ActionKind::Blocked) {
    o.text(a.reason);
  } else {
    o << "(step " << static_cast<int64_t>(a.type->step) << ", " << look.word;
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
  KindLook look = action_lead(o, a);
  if (a.kind == ActionKind::Unknown) {
    unknown_text(o, plan, a);
  } else {
    o << '(' << look.word;
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
    std::string line = "No changes. " + printable(plan.deployment, kMaxChars) +
                       " matches the spec (" + std::to_string(s.noop) + " objects checked).";
    o.styled(kBold, line);
    o.end_line();
    only_line(o, plan);
    checks_block(o, plan, false);
    return;
  }
  counts_line(o, plan);
  only_line(o, plan);
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
