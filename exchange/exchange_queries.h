// The queries of the Exchange read, shared by observe_script (which prints them) and
// read_observation (which reads their lines back in the same order), and the tables both sides
// of exchange/exchange_scripts.h use: throttling parameters per version, account names.
// Internal to exchange/, and to the remote PowerShell runner, which sends the same queries as
// commands.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exchange/powershell.h"
#include "plan/resource.h"
#include "spec/spec.h"

namespace sd::exchange {

enum class QueryKind {
  Account,            // Get-Mailbox -Filter: the service account
  Scopes,             // Get-ManagementScope
  RoleAssignments,    // Get-ManagementRoleAssignment -Role 'ApplicationImpersonation'
  Policies,           // Get-ThrottlingPolicy
  PermissionTargets,  // Get-ExchangeServer or Get-MailboxDatabase: what must carry the right
  Permissions,        // ... | ForEach-Object { Get-ADPermission -User }
  Association,        // Get-ThrottlingPolicyAssociation -Identity
};

struct ExchangeQuery {
  QueryKind kind;
  const ResourceType* type;
  // The desired resource it reads, for per-object queries; UINT32_MAX when the spec does not
  // name the object (read to show what the spec leaves out).
  uint32_t resource = UINT32_MAX;
  std::string label;                    // "Get-ManagementScope", for messages
  std::vector<std::string> properties;  // the selected properties, each a string in the JSON
  ps::Query query;                      // the cmdlets, properties included (remote PowerShell)
  std::string line;                     // the statement; empty when it could not be written
  std::string error;                    // why it could not be written
  // Fails on Exchange when the account does not exist (-User, -Identity name it): with the
  // account read as absent, a missing line means "absent", not "unknown".
  bool needs_account = false;
  // Permission queries: "client access servers" or "mailbox databases".
  std::string_view applies_to = {};
  // The spec names nothing it reads: it only lists what concerns the account for review. It
  // comes after every other query, and its failure never fails a type
  // (ObservedState::review_errors).
  bool review_only = false;
};

// In the fixed order of the script: account, scopes, role assignments, policies, then the
// queries that name the account (AD permissions: targets then permissions, per right;
// association), so that an absent account stops the script only after everything else. On
// premises every query is made, whatever the spec names, so that what concerns the account
// and the spec leaves out is read too; those review-only queries come last, in the same order.
[[nodiscard]] std::vector<ExchangeQuery> exchange_queries(const DesiredState& desired,
                                                          ExchangeVersion version);

// A throttling limit field and its parameter on each version ("" where it does not exist).
struct LimitParameter {
  std::string_view field;
  std::string_view on2013;  // 2013, 2016, 2019
  std::string_view on2010;
};
[[nodiscard]] std::span<const LimitParameter> limit_parameters();
[[nodiscard]] std::string_view limit_parameter(const LimitParameter& p, ExchangeVersion version);

// "ms-Exch-EPI-Impersonation" for client access servers, "ms-Exch-EPI-May-Impersonate" for
// mailbox databases ("" for another appliesTo).
[[nodiscard]] std::string_view extended_right_for(std::string_view applies_to);
[[nodiscard]] bool applies_to_servers(std::string_view applies_to);

// The alias in an identity: "ACME\nexj-sync" -> "nexj-sync", "nexj-sync@acme.local" ->
// "nexj-sync", "nexj-sync" as it is.
[[nodiscard]] std::string_view alias_of(std::string_view identity);

// The string value of field `name` of `r` ("" when it is not a string).
[[nodiscard]] std::string string_field(const Resource& r, std::string_view name);

}  // namespace sd::exchange
