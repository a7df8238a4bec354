#include "plan/value.h"

#include <algorithm>

#include "base/text_checks.h"

namespace sd {
namespace {

bool is_unlimited(const Value& v) {
  if (std::holds_alternative<NullValue>(v)) return true;
  const auto* s = std::get_if<std::string>(&v);
  return s && iequals(*s, "unlimited");
}

StringList normalized_set(const StringList& list, bool ignore_case) {
  StringList out;
  out.reserve(list.size());
  for (const std::string& s : list) out.push_back(ignore_case ? to_lower_ascii(s) : s);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

bool is_fingerprint(std::string_view text) {
  if (text.size() != 7 + 16 || !text.starts_with("sha256:")) return false;
  for (char c : text.substr(7))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool values_match(Compare rule, const Value& desired, const Value& observed) {
  if (is_unset(desired)) return true;
  switch (rule) {
    case Compare::Exact:
      return desired == observed;
    case Compare::IgnoreCase: {
      const auto* a = std::get_if<std::string>(&desired);
      const auto* b = std::get_if<std::string>(&observed);
      return a && b ? iequals(*a, *b) : desired == observed;
    }
    case Compare::Set:
    case Compare::SetIgnoreCase: {
      const auto* a = std::get_if<StringList>(&desired);
      const auto* b = std::get_if<StringList>(&observed);
      if (!a || !b) return desired == observed;
      bool ignore_case = rule == Compare::SetIgnoreCase;
      return normalized_set(*a, ignore_case) == normalized_set(*b, ignore_case);
    }
    case Compare::Limit: {
      if (is_unlimited(desired) || is_unlimited(observed))
        return is_unlimited(desired) && is_unlimited(observed);
      return desired == observed;
    }
    case Compare::Secret: {
      const auto* a = std::get_if<SecretValue>(&desired);
      const auto* b = std::get_if<SecretValue>(&observed);
      if (!a || !b) return false;  // a secret is wanted and none is there
      if (a->fingerprint.empty() || b->fingerprint.empty()) return true;
      return a->fingerprint == b->fingerprint;
    }
  }
  return false;
}

std::string display_value(const Value& v, Compare rule) {
  struct Visitor {
    Compare rule;
    std::string operator()(Unset) const { return "(unset)"; }
    std::string operator()(NullValue) const {
      return rule == Compare::Limit ? "unlimited" : "(not set)";
    }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(const std::string& s) const { return quoted(s, 200); }
    std::string operator()(const StringList& list) const {
      std::string out = "[";
      for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + quoted(list[i], 200);
      return out + "]";
    }
    std::string operator()(const SecretValue&) const { return "(sensitive)"; }
  };
  return std::visit(Visitor{rule}, v);
}

}  // namespace sd
