// What the lab's Exchange Management Shell sees and changes: recipients, management scopes,
// role assignments, throttling policies and their associations, servers, databases and AD
// extended rights. Implemented by LabState (kept in SQLite with the rest of the lab), used by
// the PowerShell interpreter (lab/powershell/powershell_interpreter.h). The effects on EWS live in
// LabState: an enabled ApplicationImpersonation assignment (within its scope's recipient
// filter) or both EPI extended rights let the account impersonate; an associated policy with
// unlimited EWS limits lifts the account's throttling.
//
// Identities are matched without case. A user identity (`-User`, `-Identity` of an
// association, `RoleAssigneeName`) may be the alias ("nexj-sync"), the UPN, DOMAIN\alias, the
// distinguished name or the canonical name Get-User prints as Identity
// ("example.local/Users/nexj-sync"); the lab stores and prints the alias.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace sd::lab {

// Exchange versions the lab can play; they decide the throttling parameter set.
enum class LabExchangeVersion { Exchange2010, Exchange2013, Exchange2016, Exchange2019 };

struct LabRecipient {  // a mailbox (accounts that log in have one too)
  std::string name, alias, upn, primary_smtp, sam_account_name;
  std::string recipient_type_details = "UserMailbox";
  std::string distinguished_name, database;
  std::vector<std::string> member_of;             // group DNs, for MemberOfGroup filters
  std::map<std::string, std::string> attributes;  // other filterable properties, e.g. City
};

struct LabManagementScope {
  std::string name, recipient_filter, recipient_root;
};

struct LabRoleAssignment {
  std::string name, role, user;              // user: the assignee's alias
  std::string custom_recipient_write_scope;  // "" = none (the whole organization)
  bool enabled = true;
};

struct LabThrottlingPolicy {
  std::string name;
  std::string scope = "Regular";  // Regular | Organization | Global
  // Canonical parameter name (as in docs/powershell-subset.md, e.g. "EwsMaxBurst") -> value:
  // "Unlimited" or a decimal number. Absent: not set on this policy (2013+ prints $null and
  // takes the Organization policy's value). In a New or Set, "" clears the limit: what $null
  // does on 2013+, whose limits are Nullable<Unlimited<UInt32>>; on 2010 $null is "Unlimited".
  std::map<std::string, std::string> ews_limits;
};

struct LabAdPermission {
  std::string identity;        // DN of the server or database
  std::string user;            // alias
  std::string extended_right;  // ms-Exch-EPI-Impersonation | ms-Exch-EPI-May-Impersonate
};

struct LabExchangeServer {  // "LabServer" is the lab's HTTPS server (lab_server.h)
  std::string name, distinguished_name;
  bool client_access = true;
};

struct LabDatabase {
  std::string name, distinguished_name;
};

// Errors carry the message PowerShell would print (docs/powershell-subset.md, "Errors"), e.g.
// "The operation couldn't be performed because object 'X' couldn't be found on
// 'dc01.example.local'." or "The object 'X' already exists.".
class ExchangeAdmin {
 public:
  virtual ~ExchangeAdmin() = default;

  [[nodiscard]] virtual LabExchangeVersion version() const = 0;
  [[nodiscard]] virtual std::string domain_controller() const = 0;  // "dc01.example.local"

  // OPATH filter (an empty filter: all). Errors: a filter the lab cannot parse, with the
  // message Exchange gives ("Cannot bind parameter 'Filter' to the target. ...").
  [[nodiscard]] virtual Result<std::vector<LabRecipient>> recipients(
      const std::string& opath_filter) const = 0;
  // Creates an account that can log in (HTTP Basic: upn + password) and its mailbox.
  [[nodiscard]] virtual Status new_mailbox(const std::string& name, const std::string& alias,
                                           const std::string& upn, const std::string& password) = 0;
  // The alias of the user `identity` names (alias, UPN or DOMAIN\alias), or an error.
  [[nodiscard]] virtual Result<std::string> resolve_user(const std::string& identity) const = 0;

  [[nodiscard]] virtual std::vector<LabManagementScope> management_scopes() const = 0;
  // Errors: a recipient filter the lab's OPATH parser refuses; New on an existing name.
  [[nodiscard]] virtual Status new_management_scope(const LabManagementScope& scope) = 0;
  // Set: the scope named `scope.name` takes the filter and root given (pass the current values
  // for what the cmdlet leaves out).
  [[nodiscard]] virtual Status set_management_scope(const LabManagementScope& scope) = 0;
  // Errors: no such scope; a role assignment uses it as its CustomRecipientWriteScope (the
  // message names them).
  [[nodiscard]] virtual Status remove_management_scope(const std::string& name) = 0;

  [[nodiscard]] virtual std::vector<LabRoleAssignment> role_assignments() const = 0;
  // Errors: an existing name; an unknown role, user or scope.
  [[nodiscard]] virtual Status new_role_assignment(const LabRoleAssignment& assignment) = 0;
  // Set: the assignment named `assignment.name` takes its custom scope ("" = none) and enabled;
  // role and user cannot change (they are ignored).
  [[nodiscard]] virtual Status set_role_assignment(const LabRoleAssignment& assignment) = 0;
  [[nodiscard]] virtual Status remove_role_assignment(const std::string& name) = 0;

  [[nodiscard]] virtual std::vector<LabThrottlingPolicy> throttling_policies() const = 0;
  [[nodiscard]] virtual Status new_throttling_policy(const LabThrottlingPolicy& policy) = 0;
  // Sets the limits named in `policy.ews_limits`; the others are kept.
  [[nodiscard]] virtual Status set_throttling_policy(const LabThrottlingPolicy& policy) = 0;
  // Errors: no such policy; a Global or Organization (default) policy; a policy users are
  // associated with (the message names them).
  [[nodiscard]] virtual Status remove_throttling_policy(const std::string& name) = 0;
  // The policy associated with the user ("" = the default policy applies). Setting "" removes
  // the association.
  [[nodiscard]] virtual Result<std::string> throttling_association(
      const std::string& user_identity) const = 0;
  [[nodiscard]] virtual Status set_throttling_association(const std::string& user_identity,
                                                          const std::string& policy) = 0;

  [[nodiscard]] virtual std::vector<LabExchangeServer> servers() const = 0;
  [[nodiscard]] virtual std::vector<LabDatabase> databases() const = 0;
  [[nodiscard]] virtual std::vector<LabAdPermission> ad_permissions(
      const std::string& identity_dn) const = 0;
  // Adding a permission that is already there succeeds (no duplicate).
  [[nodiscard]] virtual Status add_ad_permission(const LabAdPermission& permission) = 0;
  // true: the entry was removed; false: there was no such entry (nothing changed; Exchange
  // warns). Errors: an unknown object, user or right.
  [[nodiscard]] virtual Result<bool> remove_ad_permission(const LabAdPermission& permission) = 0;
};

}  // namespace sd::lab
