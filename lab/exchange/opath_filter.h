// OPATH recipient filters, as Exchange takes them in `Get-Mailbox -Filter` and
// `New-ManagementScope -RecipientRestrictionFilter` (exchange-protocols.md §1.1):
//
//   Property -eq|-ne|-like|-notlike 'value'      (also "value", $true, $false, $null, 123)
//   <filter> -and <filter>, <filter> -or <filter>, -not <filter>, ( <filter> )
//
// Operators and property names are matched without case; -and binds tighter than -or. Inside
// a quoted value the quote is doubled ('O''Brien'). Values compare without case; -like knows
// the `*` wildcard only. $null (or '') equals an unset property. Properties: Name, Alias,
// UserPrincipalName, PrimarySmtpAddress, SamAccountName, RecipientTypeDetails,
// DistinguishedName, Database, MemberOfGroup (true for -eq when the recipient is a direct
// member of the group DN) and the attributes of filterable_attributes() (City, ...).
//
// A filter the parser refuses is an error naming the position (1-based) where it went wrong,
// never a filter that matches everything.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "lab/exchange/exchange_admin.h"

namespace sd::lab {

class OpathFilter {
 public:
  // An empty or blank filter matches every recipient. Errors read like Exchange's:
  // "Invalid filter syntax. For a description of the filter parameter syntax see the command
  // help. \"Name -eq\" at position 9."
  [[nodiscard]] static Result<OpathFilter> parse(std::string_view text);

  [[nodiscard]] bool matches(const LabRecipient& recipient) const;
  [[nodiscard]] const std::string& text() const { return text_; }

  struct Node;

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;  // null: matches everything
};

// The recipient attributes a filter may name besides the fixed properties (canonical
// spelling): City, Company, Department, Office, Title, CustomAttribute1..15, ...
[[nodiscard]] const std::vector<std::string>& filterable_attributes();
// The canonical spelling of a filterable attribute, or "" when `name` is not one.
[[nodiscard]] std::string canonical_attribute(std::string_view name);

// `pattern` with `*` wildcards against `text`, without case.
[[nodiscard]] bool like_match(std::string_view text, std::string_view pattern);

}  // namespace sd::lab
