// An in-memory ExchangeAdmin for the PowerShell interpreter's tests: plain vectors, a log of
// the writes, and a recipient "filter" that only records the OPATH text it was given (the real
// OPATH evaluator lives in LabState). Removals only log and drop the object: the refusals
// (scope in use, policy associated) are LabState's, tested with it.
#pragma once

#include <string>
#include <vector>

#include "lab/exchange/exchange_admin.h"

namespace sd::test {

class FakeExchangeAdmin : public lab::ExchangeAdmin {
 public:
  explicit FakeExchangeAdmin(
      lab::LabExchangeVersion version = lab::LabExchangeVersion::Exchange2016);

  lab::LabExchangeVersion version_value;
  std::vector<lab::LabRecipient> mailboxes;
  std::vector<lab::LabManagementScope> scopes;
  std::vector<lab::LabRoleAssignment> assignments;
  std::vector<lab::LabThrottlingPolicy> policies;
  std::vector<std::pair<std::string, std::string>> associations;  // alias -> policy
  std::vector<lab::LabExchangeServer> server_list;
  std::vector<lab::LabDatabase> database_list;
  std::vector<lab::LabAdPermission> permissions;
  std::vector<std::string> log;  // one line per write, e.g. "new_mailbox Name|alias|upn|pw"
  mutable std::vector<std::string> filters;  // every OPATH filter recipients() was given

  [[nodiscard]] lab::LabExchangeVersion version() const override { return version_value; }
  [[nodiscard]] std::string domain_controller() const override { return "dc01.example.local"; }
  [[nodiscard]] Result<std::vector<lab::LabRecipient>> recipients(
      const std::string& opath_filter) const override;
  [[nodiscard]] Status new_mailbox(const std::string& name, const std::string& alias,
                                   const std::string& upn, const std::string& password) override;
  [[nodiscard]] Result<std::string> resolve_user(const std::string& identity) const override;
  [[nodiscard]] std::vector<lab::LabManagementScope> management_scopes() const override {
    return scopes;
  }
  [[nodiscard]] Status new_management_scope(const lab::LabManagementScope& scope) override;
  [[nodiscard]] Status set_management_scope(const lab::LabManagementScope& scope) override;
  [[nodiscard]] Status remove_management_scope(const std::string& name) override;
  [[nodiscard]] std::vector<lab::LabRoleAssignment> role_assignments() const override {
    return assignments;
  }
  [[nodiscard]] Status new_role_assignment(const lab::LabRoleAssignment& assignment) override;
  [[nodiscard]] Status set_role_assignment(const lab::LabRoleAssignment& assignment) override;
  [[nodiscard]] Status remove_role_assignment(const std::string& name) override;
  [[nodiscard]] std::vector<lab::LabThrottlingPolicy> throttling_policies() const override {
    return policies;
  }
  [[nodiscard]] Status new_throttling_policy(const lab::LabThrottlingPolicy& policy) override;
  [[nodiscard]] Status set_throttling_policy(const lab::LabThrottlingPolicy& policy) override;
  [[nodiscard]] Status remove_throttling_policy(const std::string& name) override;
  [[nodiscard]] Result<std::string> throttling_association(
      const std::string& user_identity) const override;
  [[nodiscard]] Status set_throttling_association(const std::string& user_identity,
                                                  const std::string& policy) override;
  [[nodiscard]] std::vector<lab::LabExchangeServer> servers() const override { return server_list; }
  [[nodiscard]] std::vector<lab::LabDatabase> databases() const override { return database_list; }
  [[nodiscard]] std::vector<lab::LabAdPermission> ad_permissions(
      const std::string& identity_dn) const override;
  [[nodiscard]] Status add_ad_permission(const lab::LabAdPermission& permission) override;
  // Removes entries equal to `permission` (without case); false when there were none.
  [[nodiscard]] Result<bool> remove_ad_permission(const lab::LabAdPermission& permission) override;

  [[nodiscard]] Error not_found(const std::string& identity) const;
};

}  // namespace sd::test
