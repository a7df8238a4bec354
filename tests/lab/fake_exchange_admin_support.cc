#include "tests/lab/fake_exchange_admin_support.h"

#include <algorithm>

#include "base/text_checks.h"

namespace sd::test {

FakeExchangeAdmin::FakeExchangeAdmin(lab::LabExchangeVersion version) : version_value(version) {
  lab::LabRecipient sync;
  sync.name = "NexJ Sync";
  sync.alias = "nexj-sync";
  sync.upn = "nexj-sync@example.local";
  sync.primary_smtp = "nexj-sync@example.local";
  sync.sam_account_name = "nexj-sync";
  sync.distinguished_name = "CN=NexJ Sync,CN=Users,DC=example,DC=local";
  sync.database = "DB01";
  mailboxes.push_back(sync);
  server_list = {{"EX01", "CN=EX01,CN=Servers,DC=example,DC=local", true},
                 {"EX02", "CN=EX02,CN=Servers,DC=example,DC=local", false}};
  database_list = {{"DB01", "CN=DB01,CN=Databases,DC=example,DC=local"}};
  lab::LabThrottlingPolicy def;
  def.name = "DefaultThrottlingPolicy";
  def.scope = "Global";
  def.ews_limits = {{"EwsMaxConcurrency", "27"}, {"EwsMaxBurst", "Unlimited"}};
  policies.push_back(def);
}

Error FakeExchangeAdmin::not_found(const std::string& identity) const {
  return make_error("The operation couldn't be performed because object '" + identity +
                    "' couldn't be found on 'dc01.example.local'.");
}

Result<std::vector<lab::LabRecipient>> FakeExchangeAdmin::recipients(
    const std::string& opath_filter) const {
  filters.push_back(opath_filter);
  if (opath_filter.find("Bogus") != std::string::npos) {
    return make_error(
        "Cannot bind parameter 'Filter' to the target. Exception setting "
        "\"Filter\": \"Invalid filter syntax.\"");
  }
  std::vector<lab::LabRecipient> out;
  for (const lab::LabRecipient& r : mailboxes) {
    if (opath_filter.empty() || opath_filter.find("'" + r.upn + "'") != std::string::npos) {
      out.push_back(r);
    }
  }
  return out;
}

Status FakeExchangeAdmin::new_mailbox(const std::string& name, const std::string& alias,
                                      const std::string& upn, const std::string& password) {
  for (const lab::LabRecipient& r : mailboxes) {
    if (iequals(r.name, name)) return make_error("The object '" + name + "' already exists.");
  }
  log.push_back("new_mailbox " + name + "|" + alias + "|" + upn + "|" + password);
  lab::LabRecipient r;
  r.name = name;
  r.alias = alias;
  r.upn = upn;
  mailboxes.push_back(r);
  return ok_status();
}

Result<std::string> FakeExchangeAdmin::resolve_user(const std::string& identity) const {
  for (const lab::LabRecipient& r : mailboxes) {
    if (iequals(r.alias, identity) || iequals(r.upn, identity) ||
        iequals("EXAMPLE\\" + r.alias, identity) || iequals(r.distinguished_name, identity) ||
        iequals("example.local/Users/" + r.name, identity)) {
      return r.alias;
    }
  }
  return not_found(identity);
}

Status FakeExchangeAdmin::new_management_scope(const lab::LabManagementScope& scope) {
  log.push_back("new_management_scope " + scope.name + "|" + scope.recipient_filter + "|" +
                scope.recipient_root);
  scopes.push_back(scope);
  return ok_status();
}

Status FakeExchangeAdmin::set_management_scope(const lab::LabManagementScope& scope) {
  log.push_back("set_management_scope " + scope.name + "|" + scope.recipient_filter + "|" +
                scope.recipient_root);
  return ok_status();
}

Status FakeExchangeAdmin::remove_management_scope(const std::string& name) {
  log.push_back("remove_management_scope " + name);
  std::erase_if(scopes, [&](const lab::LabManagementScope& s) { return iequals(s.name, name); });
  return ok_status();
}

Status FakeExchangeAdmin::new_role_assignment(const lab::LabRoleAssignment& a) {
  log.push_back("new_role_assignment " + a.name + "|" + a.role + "|" + a.user + "|" +
                a.custom_recipient_write_scope);
  assignments.push_back(a);
  return ok_status();
}

Status FakeExchangeAdmin::set_role_assignment(const lab::LabRoleAssignment& a) {
  log.push_back("set_role_assignment " + a.name + "|" + a.custom_recipient_write_scope + "|" +
                (a.enabled ? "enabled" : "disabled"));
  return ok_status();
}

Status FakeExchangeAdmin::remove_role_assignment(const std::string& name) {
  log.push_back("remove_role_assignment " + name);
  return ok_status();
}

Status FakeExchangeAdmin::new_throttling_policy(const lab::LabThrottlingPolicy& p) {
  std::string line = "new_throttling_policy " + p.name + "|" + p.scope;
  for (const auto& [k, v] : p.ews_limits) line += "|" + k + "=" + v;
  log.push_back(line);
  policies.push_back(p);
  return ok_status();
}

Status FakeExchangeAdmin::set_throttling_policy(const lab::LabThrottlingPolicy& p) {
  std::string line = "set_throttling_policy " + p.name;
  for (const auto& [k, v] : p.ews_limits) line += "|" + k + "=" + v;
  log.push_back(line);
  return ok_status();
}

Status FakeExchangeAdmin::remove_throttling_policy(const std::string& name) {
  log.push_back("remove_throttling_policy " + name);
  std::erase_if(policies, [&](const lab::LabThrottlingPolicy& p) { return iequals(p.name, name); });
  return ok_status();
}

Result<std::string> FakeExchangeAdmin::throttling_association(
    const std::string& user_identity) const {
  Result<std::string> alias = resolve_user(user_identity);
  if (!alias.ok()) return alias;
  for (const auto& [user, policy] : associations) {
    if (user == *alias) return policy;
  }
  return std::string();
}

Status FakeExchangeAdmin::set_throttling_association(const std::string& user_identity,
                                                     const std::string& policy) {
  log.push_back("set_throttling_association " + user_identity + "|" + policy);
  return ok_status();
}

std::vector<lab::LabAdPermission> FakeExchangeAdmin::ad_permissions(
    const std::string& identity_dn) const {
  std::vector<lab::LabAdPermission> out;
  for (const lab::LabAdPermission& p : permissions) {
    if (iequals(p.identity, identity_dn)) out.push_back(p);
  }
  return out;
}

Status FakeExchangeAdmin::add_ad_permission(const lab::LabAdPermission& p) {
  log.push_back("add_ad_permission " + p.identity + "|" + p.user + "|" + p.extended_right);
  permissions.push_back(p);
  return ok_status();
}

Result<bool> FakeExchangeAdmin::remove_ad_permission(const lab::LabAdPermission& p) {
  log.push_back("remove_ad_permission " + p.identity + "|" + p.user + "|" + p.extended_right);
  size_t removed = std::erase_if(permissions, [&](const lab::LabAdPermission& q) {
    return iequals(q.identity, p.identity) && iequals(q.user, p.user) &&
           iequals(q.extended_right, p.extended_right);
  });
  return removed > 0;
}

}  // namespace sd::test
