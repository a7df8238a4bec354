// Checks and formatting for single values of a spec (URLs, times of day, Exchange names,
// logins), shared by the semantic rules and the users CSV parser. Pure functions, no spec.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/text_checks.h"

namespace sd {

// Names compare without ASCII case where Exchange and NexJ do (logins, addresses, and our own
// names, where two that differ only in case are a mistake even if some system would allow it).
struct CaseInsensitiveHash {
  size_t operator()(std::string_view s) const noexcept {
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the lower-cased bytes
    for (char c : s) h = (h ^ static_cast<unsigned char>(to_lower_ascii(c))) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};
struct CaseInsensitiveEqual {
  bool operator()(std::string_view a, std::string_view b) const noexcept { return iequals(a, b); }
};
template <class V>
using CaseInsensitiveMap =
    std::unordered_map<std::string_view, V, CaseInsensitiveHash, CaseInsensitiveEqual>;

// printable() inside single quotes: names in messages ('exch01'), quoted() is for values.
[[nodiscard]] std::string single_quoted(std::string_view value);

// "a, b, c" with at most ten names, so a list of thousands stays one readable line.
[[nodiscard]] std::string name_list(const std::vector<std::string_view>& names);

// Just enough URL parsing to require scheme://host[:port] and find the host.
struct Url {
  std::string_view scheme, host;
  std::string_view problem;  // empty when the URL has that shape
};
[[nodiscard]] Url parse_url(std::string_view url);
[[nodiscard]] bool is_loopback(std::string_view host);

// How an account name is written: name@REALM (a user principal name, which Kerberos needs),
// DOMAIN\name (down-level, NTLM only), a bare name, or none of these ("ACME\", "a@b@c").
enum class AccountForm { Upn, DomainName, Bare, Malformed };
[[nodiscard]] AccountForm account_form(std::string_view name);

// HH:MM from 00:00 to 23:59.
[[nodiscard]] bool is_hh_mm(std::string_view s);

// Why `name` is not an Exchange object name (schema/spec.schema.json "exchangeName": letters,
// digits, spaces, '.', '_' and '-', starting with a letter or digit, at most 64 characters),
// or empty. For names the schema never sees, such as derived defaults.
[[nodiscard]] std::string exchange_name_problem(std::string_view name);

// Why `login` cannot be a NexJ login here, as a whole message ("login ... has ..."), or empty.
// Inline users and CSV rows get the same checks.
[[nodiscard]] std::string login_problem(std::string_view login);

}  // namespace sd
