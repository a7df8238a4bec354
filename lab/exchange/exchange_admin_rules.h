// The lab's Exchange admin objects as plain values, and the rules the cmdlets enforce on them
// (duplicate names, unknown roles, users, scopes and policies, filters the OPATH parser
// refuses, throttling parameters of the other Exchange version). Used by LabState for the
// ExchangeAdmin calls and by the directory reader for the initial objects, so that both give
// the same errors. Pure: no I/O, no locks.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "lab/exchange/exchange_admin.h"

namespace sd::lab {

struct LabThrottlingAssociation {
  std::string user;    // alias
  std::string policy;  // policy name
};

struct AdminObjects {
  LabExchangeVersion version = LabExchangeVersion::Exchange2016;
  std::string domain;  // "example.local"
  std::vector<LabExchangeServer> servers;
  std::vector<LabDatabase> databases;
  std::vector<LabManagementScope> scopes;
  std::vector<LabRoleAssignment> assignments;
  std::vector<LabThrottlingPolicy> policies;
  std::vector<LabThrottlingAssociation> associations;
  std::vector<LabAdPermission> permissions;
};

[[nodiscard]] std::string_view version_name(LabExchangeVersion version);  // "Exchange2016"
[[nodiscard]] std::optional<LabExchangeVersion> parse_version(std::string_view name);
// The EWS limits Set-/New-ThrottlingPolicy take on that version (docs/powershell-subset.md).
[[nodiscard]] const std::vector<std::string>& ews_limit_names(LabExchangeVersion version);

// Directory names the lab makes up the way Exchange names them.
[[nodiscard]] std::string domain_dn(std::string_view domain);  // DC=example,DC=local
[[nodiscard]] std::string server_dn(std::string_view name, std::string_view domain);
[[nodiscard]] std::string database_dn(std::string_view name, std::string_view domain);
[[nodiscard]] std::string user_dn(std::string_view name, std::string_view domain);
// "example.local/Users/John Smith" for "CN=John Smith,CN=Users,DC=example,DC=local".
[[nodiscard]] std::string canonical_name(std::string_view dn);

// A recipient with the derived properties filled in (DN, SamAccountName, primary SMTP).
[[nodiscard]] LabRecipient make_recipient(std::string name, std::string alias, std::string upn,
                                          std::string smtp, std::string database,
                                          const std::string& domain);

// The messages PowerShell prints.
[[nodiscard]] std::string not_found_message(std::string_view identity, std::string_view domain);
[[nodiscard]] std::string already_exists_message(std::string_view name);
// Remove-ADPermission's warning when the entry is not there; `account` is DOMAIN\alias.
[[nodiscard]] std::string ace_absent_message(std::string_view object_dn, std::string_view account);
// "EXAMPLE\nexj-sync": how Exchange names an account in ACL messages (NetBIOS domain: the first
// label of the DNS domain, upper case).
[[nodiscard]] std::string down_level_name(std::string_view alias, std::string_view domain);

class AdminRules {
 public:
  AdminRules(AdminObjects& objects, const std::vector<LabRecipient>& recipients)
      : objects_(objects), recipients_(recipients) {}

  [[nodiscard]] Result<std::string> resolve_user(std::string_view identity) const;

  [[nodiscard]] Status add_server(const LabExchangeServer& server);
  [[nodiscard]] Status add_database(const LabDatabase& database);
  [[nodiscard]] Status new_scope(const LabManagementScope& scope);
  [[nodiscard]] Status set_scope(const LabManagementScope& scope);
  [[nodiscard]] Status remove_scope(std::string_view name);
  [[nodiscard]] Status new_assignment(LabRoleAssignment assignment);
  [[nodiscard]] Status set_assignment(const LabRoleAssignment& assignment);
  [[nodiscard]] Status remove_assignment(std::string_view name);
  [[nodiscard]] Status new_policy(LabThrottlingPolicy policy);
  [[nodiscard]] Status set_policy(const LabThrottlingPolicy& policy);
  [[nodiscard]] Status remove_policy(std::string_view name);
  [[nodiscard]] Result<std::string> association(std::string_view user_identity) const;
  [[nodiscard]] Status set_association(std::string_view user_identity, std::string_view policy);
  [[nodiscard]] Status add_permission(const LabAdPermission& permission);
  // false: no such entry (nothing changed).
  [[nodiscard]] Result<bool> remove_permission(const LabAdPermission& permission);
  // The DN of the server or database `identity` names (DN or name), or "".
  [[nodiscard]] std::string object_dn(std::string_view identity) const;

 private:
  [[nodiscard]] Error not_found(std::string_view identity) const;
  [[nodiscard]] Status check_filter(const std::string& filter) const;
  [[nodiscard]] Status check_limits(LabThrottlingPolicy& policy) const;
  // The permission with its object's DN, the user's alias and the right's canonical name.
  [[nodiscard]] Result<LabAdPermission> canonical_permission(const LabAdPermission& wanted) const;
  [[nodiscard]] LabManagementScope* scope(std::string_view name);
  [[nodiscard]] LabThrottlingPolicy* policy(std::string_view name);

  AdminObjects& objects_;
  const std::vector<LabRecipient>& recipients_;
};

}  // namespace sd::lab
