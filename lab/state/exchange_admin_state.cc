// LabState, the ExchangeAdmin side: reads come from the in-memory copy; changes go through
// AdminRules inside one write transaction of the store (lab_store_admin.cc), then the copy is
// read again.
#include <fmt/format.h>

#include "base/text_checks.h"
#include "lab/exchange/addresses.h"
#include "lab/exchange/opath_filter.h"
#include "lab/state/lab_state_impl.h"

namespace sd::lab {

Status SqliteLabState::admin_change(const std::function<Status(AdminRules&)>& change) {
  return write([&] {
    return store_->update_admin(
        [&](AdminObjects& objects, const std::vector<LabRecipient>& recipients) {
          AdminRules rules(objects, recipients);
          return change(rules);
        });
  });
}

std::pair<AdminObjects, std::vector<LabRecipient>> SqliteLabState::admin_snapshot() const {
  std::shared_lock lock(cache_mutex_);
  return {cache_.admin, cache_.recipients};
}

LabExchangeVersion SqliteLabState::version() const {
  std::shared_lock lock(cache_mutex_);
  return cache_.admin.version;
}

std::string SqliteLabState::domain_controller() const {
  std::shared_lock lock(cache_mutex_);
  return "dc01." + cache_.admin.domain;
}

Result<std::vector<LabRecipient>> SqliteLabState::recipients(
    const std::string& opath_filter) const {
  Result<OpathFilter> filter = OpathFilter::parse(opath_filter);
  if (!filter.ok())
    return make_error(fmt::format(
        "Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"{}\"",
        filter.errors().front().message));
  std::shared_lock lock(cache_mutex_);
  std::vector<LabRecipient> out;
  for (const LabRecipient& r : cache_.recipients)
    if (filter->matches(r)) out.push_back(r);
  return out;
}

Status SqliteLabState::new_mailbox(const std::string& name, const std::string& alias,
                                   const std::string& upn, const std::string& password) {
  if (name.empty()) return make_error("The Name parameter can't be empty.");
  if (!is_smtp_address(upn))
    return make_error(fmt::format("The user principal name {} isn't valid.", upn));
  if (password.empty()) return make_error("The Password parameter can't be empty.");
  std::string chosen = alias.empty() ? upn.substr(0, upn.find('@')) : alias;
  return write([&] { return store_->new_mailbox(name, chosen, upn, password); });
}

Result<std::string> SqliteLabState::resolve_user(const std::string& identity) const {
  auto [objects, recipients] = admin_snapshot();
  return AdminRules(objects, recipients).resolve_user(identity);
}

std::vector<LabManagementScope> SqliteLabState::management_scopes() const {
  std::shared_lock lock(cache_mutex_);
  return cache_.admin.scopes;
}

Status SqliteLabState::new_management_scope(const LabManagementScope& scope) {
  return admin_change([&](AdminRules& rules) { return rules.new_scope(scope); });
}

Status SqliteLabState::set_management_scope(const LabManagementScope& scope) {
  return admin_change([&](AdminRules& rules) { return rules.set_scope(scope); });
}

Status SqliteLabState::remove_management_scope(const std::string& name) {
  return admin_change([&](AdminRules& rules) { return rules.remove_scope(name); });
}

std::vector<LabRoleAssignment> SqliteLabState::role_assignments() const {
  std::shared_lock lock(cache_mutex_);
  return cache_.admin.assignments;
}

Status SqliteLabState::new_role_assignment(const LabRoleAssignment& assignment) {
  return admin_change([&](AdminRules& rules) { return rules.new_assignment(assignment); });
}

Status SqliteLabState::set_role_assignment(const LabRoleAssignment& assignment) {
  return admin_change([&](AdminRules& rules) { return rules.set_assignment(assignment); });
}

Status SqliteLabState::remove_role_assignment(const std::string& name) {
  return admin_change([&](AdminRules& rules) { return rules.remove_assignment(name); });
}

std::vector<LabThrottlingPolicy> SqliteLabState::throttling_policies() const {
  std::shared_lock lock(cache_mutex_);
  return cache_.admin.policies;
}

Status SqliteLabState::new_throttling_policy(const LabThrottlingPolicy& policy) {
  return admin_change([&](AdminRules& rules) { return rules.new_policy(policy); });
}

Status SqliteLabState::set_throttling_policy(const LabThrottlingPolicy& policy) {
  return admin_change([&](AdminRules& rules) { return rules.set_policy(policy); });
}

Status SqliteLabState::remove_throttling_policy(const std::string& name) {
  return admin_change([&](AdminRules& rules) { return rules.remove_policy(name); });
}

Result<std::string> SqliteLabState::throttling_association(const std::string& user_identity) const {
  auto [objects, recipients] = admin_snapshot();
  return AdminRules(objects, recipients).association(user_identity);
}

Status SqliteLabState::set_throttling_association(const std::string& user_identity,
                                                  const std::string& policy) {
  return admin_change(
      [&](AdminRules& rules) { return rules.set_association(user_identity, policy); });
}

std::vector<LabExchangeServer> SqliteLabState::servers() const {
  std::shared_lock lock(cache_mutex_);
  return cache_.admin.servers;
}

std::vector<LabDatabase> SqliteLabState::databases() const {
  std::shared_lock lock(cache_mutex_);
  return cache_.admin.databases;
}

std::vector<LabAdPermission> SqliteLabState::ad_permissions(const std::string& identity_dn) const {
  auto [objects, recipients] = admin_snapshot();
  std::string dn = AdminRules(objects, recipients).object_dn(identity_dn);
  std::vector<LabAdPermission> out;
  for (const LabAdPermission& p : objects.permissions)
    if (!dn.empty() && iequals(p.identity, dn)) out.push_back(p);
  return out;
}

Status SqliteLabState::add_ad_permission(const LabAdPermission& permission) {
  return admin_change([&](AdminRules& rules) { return rules.add_permission(permission); });
}

Result<bool> SqliteLabState::remove_ad_permission(const LabAdPermission& permission) {
  bool removed = false;
  Status done = admin_change([&](AdminRules& rules) -> Status {
    Result<bool> result = rules.remove_permission(permission);
    if (!result.ok()) return result.take_errors();
    removed = *result;
    return ok_status();
  });
  if (!done.ok()) return done.errors();
  return removed;
}

}  // namespace sd::lab
