// Attribute values of resources, and the per-field rules that decide when two values are equal.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace sd {

struct Unset {  // the spec does not manage this field; it never causes a change
  friend bool operator==(Unset, Unset) = default;
};
struct NullValue {  // Exchange's $null; for limits it means unlimited
  friend bool operator==(NullValue, NullValue) = default;
};
// A secret is carried by reference and fingerprint only; its value never enters a plan.
struct SecretValue {
  std::string reference;    // `${env:NAME}`, or "" when observed
  std::string fingerprint;  // see secret_fingerprint(); "" when not resolved
  friend bool operator==(const SecretValue&, const SecretValue&) = default;
};
using StringList = std::vector<std::string>;

using Value = std::variant<Unset, NullValue, bool, int64_t, std::string, StringList, SecretValue>;

// How a field compares desired with observed (decision 3 of the design: no false drift).
enum class Compare : uint8_t {
  Exact,
  IgnoreCase,     // SMTP addresses, Exchange identities, host names
  Set,            // a list whose order does not matter
  SetIgnoreCase,  // ... and whose members compare without case
  Limit,          // a number, or unlimited: NullValue and the string "unlimited" are equal
  Secret,         // fingerprints compare; an unknown fingerprint never shows as a change
};

// True when the observed value satisfies the desired one. Unset desired matches anything.
[[nodiscard]] bool values_match(Compare rule, const Value& desired, const Value& observed);

// One-line human form: "text" quoted and escaped, numbers, true/false, [a, b], (sensitive)
// for secrets, (unset). Null reads "unlimited" for a Limit field and "(not set)" otherwise.
[[nodiscard]] std::string display_value(const Value& v, Compare rule);

// "sha256:" and 16 lowercase hex digits, the form secret_fingerprint() produces.
[[nodiscard]] bool is_fingerprint(std::string_view text);

[[nodiscard]] inline bool is_unset(const Value& v) {
  return std::holds_alternative<Unset>(v);
}

// A secret the spec sets whose value was not read (plan --without-secrets): it has no
// fingerprint, so it is not compared with what is live. Only for the value a change sets (a
// read-back plan keeps no reference, and an observed secret has no fingerprint either).
[[nodiscard]] inline bool is_unread_secret(const Value& set) {
  const auto* s = std::get_if<SecretValue>(&set);
  return s && s->fingerprint.empty();
}

}  // namespace sd
