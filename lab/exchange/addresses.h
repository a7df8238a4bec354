// Host names and SMTP addresses as the lab's Exchange takes them (directory file, New-Mailbox).
// The lab's own rules, not the tool's (spec/email_address.h): a test oracle that shared the
// tool's check could not catch a fault in it.
#pragma once

#include <string_view>

namespace sd::lab {

// Labels of letters, digits and '-', 1 to 63 bytes each, 253 in all, no empty label.
[[nodiscard]] bool is_dns_name(std::string_view name);

// local@domain: a local part of 1 to 64 printable ASCII bytes other than space and
// "(),:;<>@[\]", without a leading, trailing or doubled '.'; a domain of two labels or more that
// is_dns_name takes.
[[nodiscard]] bool is_smtp_address(std::string_view address);

}  // namespace sd::lab
