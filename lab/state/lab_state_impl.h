// LabState on LabStore (private to lab/): everything is served from an in-memory copy. Writes
// go to SQLite first, then the copy is read again. Commits by other processes (admin commands,
// the PowerShell host of another lab) are noticed by refresh() through PRAGMA data_version.
// The EWS side is in lab_state.cc, the ExchangeAdmin side in exchange_admin_state.cc.
#pragma once

#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include "lab/state/admin_effects.h"
#include "lab/state/lab_state.h"
#include "lab/state/lab_store.h"

namespace sd::lab {

struct CachedAccount {
  StoredAccount stored;
  std::string local_part, domain_label;          // lower case, for DOMAIN\name logins
  std::unordered_set<std::string> impersonable;  // lower case
  std::string alias;                             // its recipient's
};

struct CachedMailbox {
  std::string smtp, name;
  std::vector<LabFolder> folders;
  std::unordered_map<std::string, size_t> by_id, by_distinguished;

  void add(LabFolder folder);
};

struct LabCache {
  std::vector<std::string> hostnames;
  std::unordered_map<std::string, CachedAccount> accounts;   // by lower-case UPN
  std::unordered_map<std::string, CachedMailbox> mailboxes;  // by lower-case address
  std::unordered_set<std::string> contacts;                  // lower case
  ThrottlingPolicy policy;
  AdminObjects admin;
  std::vector<LabRecipient> recipients;
  std::unordered_map<std::string, size_t> recipient_by_smtp;  // lower case -> index
  ScopeFilters scope_filters;

  [[nodiscard]] const LabRecipient* recipient(const std::string& smtp) const;
};

[[nodiscard]] LabCache build_cache(LabContents contents);

class SqliteLabState : public LabState {
 public:
  SqliteLabState(std::unique_ptr<LabStore> store, LabCache cache, int64_t version)
      : store_(std::move(store)), cache_(std::move(cache)), seen_version_(version) {}

  // EWS side (lab_state.cc).
  std::vector<std::string> hostnames() const override;
  void refresh() override;
  std::optional<std::string> find_account(const std::string& name) const override;
  std::optional<std::string> authenticate(const std::string& user,
                                          const std::string& password) const override;
  bool has_mailbox(const std::string& smtp) const override;
  bool is_known_address(const std::string& smtp) const override;
  std::string display_name(const std::string& smtp) const override;
  bool may_impersonate(const std::string& account_upn, const std::string& smtp) const override;
  std::optional<ThrottlingPolicy> throttling_for(const std::string& account_upn) const override;
  std::optional<std::string> account_alias(const std::string& account_upn) const override;
  bool may_manage(const std::string& account_upn) const override;
  std::optional<LabFolder> distinguished_folder(const std::string& smtp,
                                                const std::string& id) const override;
  std::optional<LabFolder> folder(const std::string& smtp,
                                  const std::string& folder_id) const override;
  std::vector<LabFolder> child_folders(const std::string& smtp,
                                       const std::string& parent_id) const override;
  Result<LabFolder> create_folder(const std::string& smtp, const std::string& parent_id,
                                  const std::string& display_name,
                                  const std::string& folder_class) override;
  Status set_impersonation(const std::string& account_upn, bool all,
                           const std::vector<std::string>& mailboxes) override;
  Status set_throttling_unlimited(const std::string& account_upn, bool unlimited) override;
  Status add_mailbox(const std::string& smtp, const std::string& name) override;
  Status remove_mailbox(const std::string& smtp) override;

  // ExchangeAdmin side (exchange_admin_state.cc).
  LabExchangeVersion version() const override;
  std::string domain_controller() const override;
  Result<std::vector<LabRecipient>> recipients(const std::string& opath_filter) const override;
  Status new_mailbox(const std::string& name, const std::string& alias, const std::string& upn,
                     const std::string& password) override;
  Result<std::string> resolve_user(const std::string& identity) const override;
  std::vector<LabManagementScope> management_scopes() const override;
  Status new_management_scope(const LabManagementScope& scope) override;
  Status set_management_scope(const LabManagementScope& scope) override;
  Status remove_management_scope(const std::string& name) override;
  std::vector<LabRoleAssignment> role_assignments() const override;
  Status new_role_assignment(const LabRoleAssignment& assignment) override;
  Status set_role_assignment(const LabRoleAssignment& assignment) override;
  Status remove_role_assignment(const std::string& name) override;
  std::vector<LabThrottlingPolicy> throttling_policies() const override;
  Status new_throttling_policy(const LabThrottlingPolicy& policy) override;
  Status set_throttling_policy(const LabThrottlingPolicy& policy) override;
  Status remove_throttling_policy(const std::string& name) override;
  Result<std::string> throttling_association(const std::string& user_identity) const override;
  Status set_throttling_association(const std::string& user_identity,
                                    const std::string& policy) override;
  std::vector<LabExchangeServer> servers() const override;
  std::vector<LabDatabase> databases() const override;
  std::vector<LabAdPermission> ad_permissions(const std::string& identity_dn) const override;
  Status add_ad_permission(const LabAdPermission& permission) override;
  Result<bool> remove_ad_permission(const LabAdPermission& permission) override;

 private:
  const CachedMailbox* mailbox(const std::string& smtp) const;
  // The account a UPN or DOMAIN\name names; under cache_mutex_.
  const CachedAccount* account_named(const std::string& user) const;
  // An admin write: to the database, then the whole copy is read again (writes are rare).
  template <class F>
  Status write(F&& change) {
    try {
      std::lock_guard db(db_mutex_);
      Status done = change();
      if (!done.ok()) return done;
      return reload_locked();
    } catch (const std::exception& e) {
      return make_error(std::string("lab state: ") + e.what());
    }
  }
  // An admin change through AdminRules, in one write transaction of the store.
  Status admin_change(const std::function<Status(AdminRules&)>& change);
  Status reload_locked() const;
  // A copy of the admin objects and recipients, for the rules' read-only questions.
  std::pair<AdminObjects, std::vector<LabRecipient>> admin_snapshot() const;

  mutable std::mutex db_mutex_;  // guards store_ and seen_version_
  std::unique_ptr<LabStore> store_;
  mutable std::shared_mutex cache_mutex_;
  mutable LabCache cache_;  // replaced whole by refresh()
  mutable int64_t seen_version_;
};

}  // namespace sd::lab
