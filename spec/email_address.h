// A fast, hand-written check of SMTP address syntax, shared by the CSV user parser (100k rows)
// and the semantic rules. No std::regex: one pass over the bytes, no allocation.
#pragma once

#include <string_view>

namespace sd {

// Why `address` is not an address Exchange accepts as a primary SMTP address, as a short
// phrase ("nothing after '@'"), or an empty view when it is one. Accepted: dot-atom local part
// (RFC 5322 atext, at most 64 bytes), '@', a DNS domain of at least two labels (letters, digits,
// '-', at most 63 bytes each, 253 in all) whose last label is not all digits; 254 bytes at most.
// Refused on purpose: quoted local parts, address literals ([1.2.3.4]) and non-ASCII text,
// which Exchange recipients and NexJ do not use.
[[nodiscard]] std::string_view email_address_problem(std::string_view address);

[[nodiscard]] inline bool is_valid_email_address(std::string_view address) {
  return email_address_problem(address).empty();
}

}  // namespace sd
