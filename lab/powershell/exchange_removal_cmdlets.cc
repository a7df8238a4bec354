// The Remove-* cmdlets of the subset: Remove-ManagementRoleAssignment, Remove-ManagementScope,
// Remove-ThrottlingPolicy and Remove-ADPermission (parameter sets as office-docs-powershell's
// pages give them, with the parameters the lab plays). Each looks its object up first (a
// missing one is Exchange's "couldn't be found"; Remove-ManagementRoleAssignment asks first, as
// it always has in the lab), then asks for confirmation as Exchange's Remove-* do, then
// removes; what Exchange refuses (a scope in use, a default or associated policy) is refused by
// ExchangeAdmin, with the objects named.
#include <algorithm>

#include "base/text_checks.h"
#include "lab/exchange/exchange_admin_rules.h"
#include "lab/powershell/powershell_cmdlets.h"

namespace sd::lab {

void PsCmdletContext::require_no_confirmation() const {
  if (!has("Confirm") || ps_is_true(arg("Confirm"))) {
    fail("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
         "InvalidOperation", "PSInvalidOperationException", "InvalidOperation");
  }
}

namespace {

void removed_or_fail(PsCmdletContext& ctx, const Status& status) {
  if (!status.ok()) ctx.fail_admin(status.errors());
}

std::vector<PsValue> remove_management_role_assignment(PsCmdletContext& ctx) {
  ctx.require_no_confirmation();
  removed_or_fail(ctx, ctx.admin.remove_role_assignment(ctx.text("Identity")));
  return {};
}

std::vector<PsValue> remove_management_scope(PsCmdletContext& ctx) {
  std::string identity = ctx.text("Identity");
  std::vector<LabManagementScope> scopes = ctx.admin.management_scopes();
  if (std::none_of(scopes.begin(), scopes.end(),
                   [&](const LabManagementScope& s) { return iequals(s.name, identity); }))
    ctx.fail_not_found(identity);
  ctx.require_no_confirmation();
  removed_or_fail(ctx, ctx.admin.remove_management_scope(identity));
  return {};
}

std::vector<PsValue> remove_throttling_policy(PsCmdletContext& ctx) {
  std::string identity = ctx.text("Identity");
  std::vector<LabThrottlingPolicy> policies = ctx.admin.throttling_policies();
  if (std::none_of(policies.begin(), policies.end(),
                   [&](const LabThrottlingPolicy& p) { return iequals(p.name, identity); }))
    ctx.fail_not_found(identity);
  ctx.require_no_confirmation();
  removed_or_fail(ctx, ctx.admin.remove_throttling_policy(identity));
  return {};
}

// The DN of the server or database `identity` names (name or DN), or "".
std::string permission_object(const ExchangeAdmin& admin, const std::string& identity) {
  for (const LabExchangeServer& s : admin.servers())
    if (iequals(s.name, identity) || iequals(s.distinguished_name, identity))
      return s.distinguished_name;
  for (const LabDatabase& d : admin.databases())
    if (iequals(d.name, identity) || iequals(d.distinguished_name, identity))
      return d.distinguished_name;
  return {};
}

// An entry that is not there is not an error in Exchange: it warns ("Can't remove the access
// control entry ... because the ACE doesn't exist on the object.") and goes on.
std::vector<PsValue> remove_ad_permission(PsCmdletContext& ctx) {
  std::string identity = ctx.text("Identity");
  std::string dn = permission_object(ctx.admin, identity);
  if (dn.empty()) ctx.fail_not_found(identity);
  Result<std::string> user = ctx.admin.resolve_user(ctx.text("User"));
  if (!user.ok()) ctx.fail_admin(user.errors());
  ctx.require_no_confirmation();
  Result<bool> removed = ctx.admin.remove_ad_permission({dn, *user, ctx.text("ExtendedRights")});
  if (!removed.ok()) ctx.fail_admin(removed.errors());
  if (!*removed) {
    std::string domain = ctx.admin.domain_controller();
    domain = domain.substr(domain.find('.') + 1);  // dc01.example.local: example.local
    ctx.warn(ace_absent_message(dn, down_level_name(*user, domain)));
  }
  return {};
}

}  // namespace

std::vector<PsCmdletSpec> exchange_removal_cmdlets(LabExchangeVersion /*version*/) {
  using T = PsParamType;
  const std::string rbac = "Microsoft.Exchange.Management.RbacTasks.";
  const std::string config = "Microsoft.Exchange.Management.SystemConfigurationTasks.";
  auto identity_and_confirm = [] {
    return std::vector<PsParamSpec>{cmdlet_param("Identity", T::String, true, 0),
                                    cmdlet_param("Confirm", T::Switch)};
  };
  return {
      {"Remove-ManagementRoleAssignment", rbac + "RemoveManagementRoleAssignment", true, false,
       identity_and_confirm(), remove_management_role_assignment},
      {"Remove-ManagementScope", rbac + "RemoveManagementScope", true, false,
       identity_and_confirm(), remove_management_scope},
      {"Remove-ThrottlingPolicy", config + "RemoveThrottlingPolicy", true, false,
       identity_and_confirm(), remove_throttling_policy},
      {"Remove-ADPermission",
       config + "RemoveADPermission",
       true,
       false,
       {cmdlet_param("Identity", T::String, true, 0), cmdlet_param("User", T::String, true),
        cmdlet_param("ExtendedRights", T::String, true), cmdlet_param("Confirm", T::Switch)},
       remove_ad_permission},
  };
}

}  // namespace sd::lab
