// The Exchange cmdlets of the subset, run against ExchangeAdmin. Objects are output as
// property maps with the properties docs/powershell-subset.md lists, typed as Exchange types
// them (booleans as booleans, unset values as $null) so that [string] prints them as
// Exchange would.
#include "base/text_checks.h"
#include "lab/exchange/exchange_admin_rules.h"
#include "lab/powershell/powershell_cmdlets.h"

namespace sd::lab {
namespace {

using T = PsParamType;

PsValue text_or_null(const std::string& value) {
  return value.empty() ? PsValue::null() : PsValue::from_string(value);
}

PsValue object() {
  PsValue out;
  out.kind = PsValue::Kind::Object;
  return out;
}

void check(PsCmdletContext& ctx, const Status& status) {
  if (!status.ok()) ctx.fail_admin(status.errors());
}

// The 2013+ and 2010 EWS limit parameters, in the order Get-ThrottlingPolicy prints them.
const std::vector<std::string>& limit_names(LabExchangeVersion version) {
  static const std::vector<std::string> modern = {"EwsMaxConcurrency", "EwsMaxSubscriptions",
                                                  "EwsMaxBurst", "EwsRechargeRate",
                                                  "EwsCutoffBalance"};
  static const std::vector<std::string> legacy = {
      "EWSMaxConcurrency",   "EWSMaxSubscriptions",        "EWSPercentTimeInAD",
      "EWSPercentTimeInCAS", "EWSPercentTimeInMailboxRPC", "EWSFastSearchTimeoutInSeconds",
      "EWSFindCountLimit"};
  return version == LabExchangeVersion::Exchange2010 ? legacy : modern;
}

std::vector<PsValue> get_mailbox(PsCmdletContext& ctx) {
  Result<std::vector<LabRecipient>> found = ctx.admin.recipients(ctx.text("Filter"));
  if (!found.ok()) ctx.fail_admin(found.errors());
  std::vector<PsValue> out;
  for (const LabRecipient& r : *found) {
    PsValue o = object();
    o.add_property("Name", PsValue::from_string(r.name));
    o.add_property("Alias", PsValue::from_string(r.alias));
    o.add_property("UserPrincipalName", text_or_null(r.upn));
    o.add_property("PrimarySmtpAddress", text_or_null(r.primary_smtp));
    o.add_property("SamAccountName", text_or_null(r.sam_account_name));
    o.add_property("RecipientTypeDetails", PsValue::from_string(r.recipient_type_details));
    o.add_property("DistinguishedName", text_or_null(r.distinguished_name));
    o.add_property("Database", text_or_null(r.database));
    for (const auto& [name, value] : r.attributes) o.add_property(name, text_or_null(value));
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<PsValue> new_mailbox(PsCmdletContext& ctx) {
  std::string upn = ctx.text("UserPrincipalName");
  std::string alias = ctx.text("Alias");
  if (alias.empty()) alias = upn.substr(0, upn.find('@'));  // Exchange derives it so
  check(ctx, ctx.admin.new_mailbox(ctx.text("Name"), alias, upn, ctx.arg("Password").text));
  PsValue o = object();
  o.add_property("Name", PsValue::from_string(ctx.text("Name")));
  o.add_property("Alias", PsValue::from_string(alias));
  o.add_property("UserPrincipalName", PsValue::from_string(upn));
  return {o};
}

// Get-User: Identity is the canonical name, as Exchange prints a user's ADObjectId
// ("example.local/Users/nexj-sync"); -User of the other cmdlets takes it back.
std::vector<PsValue> get_user(PsCmdletContext& ctx) {
  std::string alias;
  if (ctx.has("Identity")) {
    Result<std::string> user = ctx.admin.resolve_user(ctx.text("Identity"));
    if (!user.ok()) ctx.fail_admin(user.errors());
    alias = *user;
  }
  Result<std::vector<LabRecipient>> all = ctx.admin.recipients("");
  if (!all.ok()) ctx.fail_admin(all.errors());
  std::vector<PsValue> out;
  for (const LabRecipient& r : *all) {
    if (!alias.empty() && !iequals(r.alias, alias)) continue;
    PsValue o = object();
    o.add_property("Identity", PsValue::from_string(canonical_name(r.distinguished_name)));
    o.add_property("Name", PsValue::from_string(r.name));
    o.add_property("SamAccountName", text_or_null(r.sam_account_name));
    o.add_property("UserPrincipalName", text_or_null(r.upn));
    o.add_property("DistinguishedName", text_or_null(r.distinguished_name));
    o.add_property("RecipientType", PsValue::from_string("UserMailbox"));
    o.add_property("RecipientTypeDetails", PsValue::from_string(r.recipient_type_details));
    out.push_back(std::move(o));
  }
  return out;
}

// Set-Mailbox -ThrottlingPolicy: the association Set-ThrottlingPolicyAssociation sets ($null:
// none, the default policy applies again). The lab's Set-Mailbox has no other setting.
std::vector<PsValue> set_mailbox(PsCmdletContext& ctx) {
  if (ctx.has("ThrottlingPolicy")) {
    check(ctx,
          ctx.admin.set_throttling_association(ctx.text("Identity"), ctx.text("ThrottlingPolicy")));
  }
  return {};
}

std::vector<PsValue> get_management_scope(PsCmdletContext& ctx) {
  std::vector<PsValue> out;
  for (const LabManagementScope& s : ctx.admin.management_scopes()) {
    PsValue o = object();
    o.add_property("Name", PsValue::from_string(s.name));
    o.add_property("RecipientFilter", text_or_null(s.recipient_filter));
    o.add_property("RecipientRoot", text_or_null(s.recipient_root));
    o.add_property("ScopeRestrictionType", PsValue::from_string("RecipientScope"));
    o.add_property("Exclusive", PsValue::from_bool(false));
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<PsValue> new_management_scope(PsCmdletContext& ctx) {
  check(ctx,
        ctx.admin.new_management_scope(
            {ctx.text("Name"), ctx.text("RecipientRestrictionFilter"), ctx.text("RecipientRoot")}));
  return {};
}

std::vector<PsValue> set_management_scope(PsCmdletContext& ctx) {
  std::string identity = ctx.text("Identity");
  for (LabManagementScope scope : ctx.admin.management_scopes()) {
    if (!iequals(scope.name, identity)) continue;
    if (ctx.has("RecipientRestrictionFilter")) {
      scope.recipient_filter = ctx.text("RecipientRestrictionFilter");
    }
    if (ctx.has("RecipientRoot")) scope.recipient_root = ctx.text("RecipientRoot");
    check(ctx, ctx.admin.set_management_scope(scope));
    return {};
  }
  ctx.fail_not_found(identity);
}

std::vector<PsValue> get_management_role_assignment(PsCmdletContext& ctx) {
  std::vector<PsValue> out;
  std::string role = ctx.text("Role");
  for (const LabRoleAssignment& a : ctx.admin.role_assignments()) {
    if (ctx.has("Role") && !iequals(a.role, role)) continue;
    PsValue o = object();
    o.add_property("Name", PsValue::from_string(a.name));
    o.add_property("Role", PsValue::from_string(a.role));
    o.add_property("RoleAssigneeName", PsValue::from_string(a.user));
    o.add_property("RoleAssigneeType", PsValue::from_string("User"));
    o.add_property("CustomRecipientWriteScope", text_or_null(a.custom_recipient_write_scope));
    o.add_property(
        "RecipientWriteScope",
        PsValue::from_string(a.custom_recipient_write_scope.empty() ? "Organization"
                                                                    : "CustomRecipientScope"));
    o.add_property("Enabled", PsValue::from_bool(a.enabled));
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<PsValue> new_management_role_assignment(PsCmdletContext& ctx) {
  LabRoleAssignment a;
  a.role = ctx.text("Role");
  a.user = ctx.text("User");
  a.name = ctx.has("Name") ? ctx.text("Name") : a.role + "-" + a.user;
  a.custom_recipient_write_scope = ctx.text("CustomRecipientWriteScope");
  check(ctx, ctx.admin.new_role_assignment(a));
  return {};
}

std::vector<PsValue> set_management_role_assignment(PsCmdletContext& ctx) {
  std::string identity = ctx.text("Identity");
  for (LabRoleAssignment a : ctx.admin.role_assignments()) {
    if (!iequals(a.name, identity)) continue;
    if (ctx.has("RecipientRelativeWriteScope") &&
        iequals(ctx.text("RecipientRelativeWriteScope"), "Organization")) {
      a.custom_recipient_write_scope.clear();
    }
    if (ctx.has("CustomRecipientWriteScope")) {
      a.custom_recipient_write_scope = ctx.text("CustomRecipientWriteScope");
    }
    if (ctx.has("Enabled")) a.enabled = ctx.arg("Enabled").boolean;
    check(ctx, ctx.admin.set_role_assignment(a));
    return {};
  }
  ctx.fail_not_found(identity);
}

std::vector<PsValue> get_throttling_policy(PsCmdletContext& ctx) {
  LabExchangeVersion version = ctx.admin.version();
  std::vector<PsValue> out;
  for (const LabThrottlingPolicy& p : ctx.admin.throttling_policies()) {
    PsValue o = object();
    o.add_property("Name", PsValue::from_string(p.name));
    o.add_property("ThrottlingPolicyScope", PsValue::from_string(p.scope));
    for (const std::string& limit : limit_names(version)) {
      PsValue value;
      for (const auto& [name, set] : p.ews_limits) {
        if (!iequals(name, limit)) continue;
        // 2010's limits are UInt32 with $null for unlimited; 2013+ has Unlimited<UInt32>.
        bool unlimited = iequals(set, "Unlimited");
        if (!(unlimited && version == LabExchangeVersion::Exchange2010)) {
          value = PsValue::from_string(unlimited ? "Unlimited" : set);
        }
      }
      o.add_property(limit, std::move(value));
    }
    out.push_back(std::move(o));
  }
  return out;
}

LabThrottlingPolicy policy_from_args(PsCmdletContext& ctx, const std::string& name) {
  LabThrottlingPolicy p;
  p.name = name;
  if (ctx.has("ThrottlingPolicyScope")) p.scope = ctx.text("ThrottlingPolicyScope");
  for (const std::string& limit : limit_names(ctx.admin.version())) {
    if (ctx.has(limit)) p.ews_limits[limit] = ctx.text(limit);
  }
  return p;
}

std::vector<PsValue> new_throttling_policy(PsCmdletContext& ctx) {
  check(ctx, ctx.admin.new_throttling_policy(policy_from_args(ctx, ctx.text("Name"))));
  return {};
}

std::vector<PsValue> set_throttling_policy(PsCmdletContext& ctx) {
  check(ctx, ctx.admin.set_throttling_policy(policy_from_args(ctx, ctx.text("Identity"))));
  return {};
}

std::vector<PsValue> get_throttling_policy_association(PsCmdletContext& ctx) {
  std::string identity = ctx.text("Identity");
  Result<std::string> user = ctx.admin.resolve_user(identity);
  if (!user.ok()) ctx.fail_admin(user.errors());
  Result<std::string> policy = ctx.admin.throttling_association(identity);
  if (!policy.ok()) ctx.fail_admin(policy.errors());
  PsValue o = object();
  o.add_property("Name", PsValue::from_string(*user));
  o.add_property("ThrottlingPolicyId", text_or_null(*policy));
  return {o};
}

std::vector<PsValue> set_throttling_policy_association(PsCmdletContext& ctx) {
  check(ctx,
        ctx.admin.set_throttling_association(ctx.text("Identity"), ctx.text("ThrottlingPolicy")));
  return {};
}

std::string admin_display_version(LabExchangeVersion version) {
  switch (version) {
    case LabExchangeVersion::Exchange2010:
      return "Version 14.3 (Build 123.4)";
    case LabExchangeVersion::Exchange2013:
      return "Version 15.0 (Build 1497.2)";
    case LabExchangeVersion::Exchange2016:
      return "Version 15.1 (Build 2507.6)";
    case LabExchangeVersion::Exchange2019:
      return "Version 15.2 (Build 1118.7)";
  }
  return "";
}

std::vector<PsValue> get_exchange_server(PsCmdletContext& ctx) {
  std::vector<PsValue> out;
  for (const LabExchangeServer& s : ctx.admin.servers()) {
    PsValue o = object();
    o.add_property("Name", PsValue::from_string(s.name));
    o.add_property("DistinguishedName", PsValue::from_string(s.distinguished_name));
    o.add_property("IsClientAccessServer", PsValue::from_bool(s.client_access));
    o.add_property("AdminDisplayVersion",
                   PsValue::from_string(admin_display_version(ctx.admin.version())));
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<PsValue> get_mailbox_database(PsCmdletContext& ctx) {
  std::vector<PsValue> out;
  for (const LabDatabase& d : ctx.admin.databases()) {
    PsValue o = object();
    o.add_property("Name", PsValue::from_string(d.name));
    o.add_property("DistinguishedName", PsValue::from_string(d.distinguished_name));
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<PsValue> get_ad_permission(PsCmdletContext& ctx) {
  std::string alias;
  if (ctx.has("User")) {
    Result<std::string> user = ctx.admin.resolve_user(ctx.text("User"));
    if (!user.ok()) ctx.fail_admin(user.errors());
    alias = *user;
  }
  std::vector<PsValue> out;
  for (const LabAdPermission& p : ctx.admin.ad_permissions(ctx.text("Identity"))) {
    if (!alias.empty() && !iequals(p.user, alias)) continue;
    PsValue o = object();
    o.add_property("Identity", PsValue::from_string(p.identity));
    o.add_property("User", PsValue::from_string(p.user));
    o.add_property("ExtendedRights", PsValue::from_string(p.extended_right));
    o.add_property("Deny", PsValue::from_bool(false));
    o.add_property("IsInherited", PsValue::from_bool(false));
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<PsValue> add_ad_permission(PsCmdletContext& ctx) {
  Result<std::string> user = ctx.admin.resolve_user(ctx.text("User"));
  if (!user.ok()) ctx.fail_admin(user.errors());
  check(ctx,
        ctx.admin.add_ad_permission({ctx.text("Identity"), *user, ctx.text("ExtendedRights")}));
  return {};
}

PsParamSpec choice(std::string name, std::vector<std::string> choices, std::string type_name) {
  PsParamSpec spec = cmdlet_param(std::move(name), T::Choice);
  spec.choices = std::move(choices);
  spec.type_name = std::move(type_name);
  return spec;
}

std::vector<PsParamSpec> with_limits(std::vector<PsParamSpec> params, LabExchangeVersion version) {
  for (const std::string& name : limit_names(version)) {
    PsParamSpec spec = cmdlet_param(name, T::Limit);
    spec.type_name = version == LabExchangeVersion::Exchange2010
                         ? "System.UInt32"
                         : "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]";
    params.push_back(std::move(spec));
  }
  return params;
}

}  // namespace

PsParamSpec cmdlet_param(std::string name, PsParamType type, bool mandatory, int position) {
  PsParamSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.mandatory = mandatory;
  spec.position = position;
  if (type == T::Switch) spec.type_name = "System.Management.Automation.SwitchParameter";
  if (type == T::Secure) spec.type_name = "System.Security.SecureString";
  if (type == T::Bool) spec.type_name = "System.Boolean";
  if (type == T::ScriptBlock) spec.type_name = "System.Management.Automation.ScriptBlock";
  if (type == T::Any) spec.type_name = "System.Object";
  return spec;
}

// Positions are Exchange's ([-Identity] or [-Name] first, e.g. Set-ThrottlingPolicy.md).
std::vector<PsCmdletSpec> exchange_cmdlets(LabExchangeVersion version) {
  const std::string recipient = "Microsoft.Exchange.Management.RecipientTasks.";
  const std::string rbac = "Microsoft.Exchange.Management.RbacTasks.";
  const std::string config = "Microsoft.Exchange.Management.SystemConfigurationTasks.";
  std::vector<PsParamSpec> new_policy = {cmdlet_param("Name", T::String, true, 0)};
  if (version != LabExchangeVersion::Exchange2010) {
    new_policy.push_back(choice("ThrottlingPolicyScope", {"Regular", "Organization", "Global"},
                                "Microsoft.Exchange.Data.Directory.ThrottlingPolicyScopeType"));
  }
  return {
      {"Get-Mailbox",
       recipient + "GetMailbox",
       true,
       false,
       {cmdlet_param("Filter"),
        choice("ResultSize", {"Unlimited"}, "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]")},
       get_mailbox},
      {"New-Mailbox",
       recipient + "NewMailbox",
       true,
       false,
       {cmdlet_param("Name", T::String, true, 0), cmdlet_param("Alias"),
        cmdlet_param("UserPrincipalName", T::String, true),
        cmdlet_param("Password", T::Secure, true)},
       new_mailbox},
      {"Set-Mailbox",
       recipient + "SetMailbox",
       true,
       false,
       {cmdlet_param("Identity", T::String, true, 0), cmdlet_param("ThrottlingPolicy")},
       set_mailbox},
      {"Get-User",
       recipient + "GetUser",
       true,
       false,
       {cmdlet_param("Identity", T::String, false, 0)},
       get_user},
      {"Get-ManagementScope", rbac + "GetManagementScope", true, false, {}, get_management_scope},
      {"New-ManagementScope",
       rbac + "NewManagementScope",
       true,
       false,
       {cmdlet_param("Name", T::String, true, 0),
        cmdlet_param("RecipientRestrictionFilter", T::String, true), cmdlet_param("RecipientRoot")},
       new_management_scope},
      {"Set-ManagementScope",
       rbac + "SetManagementScope",
       true,
       false,
       {cmdlet_param("Identity", T::String, true, 0), cmdlet_param("RecipientRestrictionFilter"),
        cmdlet_param("RecipientRoot")},
       set_management_scope},
      {"Get-ManagementRoleAssignment",
       rbac + "GetManagementRoleAssignment",
       true,
       false,
       {cmdlet_param("Role")},
       get_management_role_assignment},
      {"New-ManagementRoleAssignment",
       rbac + "NewManagementRoleAssignment",
       true,
       false,
       {cmdlet_param("Name", T::String, false, 0), cmdlet_param("Role", T::String, true),
        cmdlet_param("User", T::String, true), cmdlet_param("CustomRecipientWriteScope")},
       new_management_role_assignment},
      {"Set-ManagementRoleAssignment",
       rbac + "SetManagementRoleAssignment",
       true,
       false,
       {cmdlet_param("Identity", T::String, true, 0), cmdlet_param("CustomRecipientWriteScope"),
        choice("RecipientRelativeWriteScope",
               {"None", "NotApplicable", "Organization", "MyGAL", "Self", "OU",
                "CustomRecipientScope", "MyDistributionGroups", "MyExecutive"},
               "Microsoft.Exchange.Data.Directory.SystemConfiguration.RecipientWriteScopeType"),
        cmdlet_param("Enabled", T::Bool)},
       set_management_role_assignment},
      {"Get-ThrottlingPolicy",
       config + "GetThrottlingPolicy",
       true,
       false,
       {},
       get_throttling_policy},
      {"New-ThrottlingPolicy", config + "NewThrottlingPolicy", true, false,
       with_limits(new_policy, version), new_throttling_policy},
      {"Set-ThrottlingPolicy", config + "SetThrottlingPolicy", true, false,
       with_limits({cmdlet_param("Identity", T::String, true, 0)}, version), set_throttling_policy},
      {"Get-ThrottlingPolicyAssociation",
       config + "GetThrottlingPolicyAssociation",
       true,
       false,
       {cmdlet_param("Identity", T::String, true, 0)},
       get_throttling_policy_association},
      {"Set-ThrottlingPolicyAssociation",
       config + "SetThrottlingPolicyAssociation",
       true,
       false,
       {cmdlet_param("Identity", T::String, true, 0), cmdlet_param("ThrottlingPolicy")},
       set_throttling_policy_association},
      {"Get-ExchangeServer", config + "GetExchangeServer", true, false, {}, get_exchange_server},
      {"Get-MailboxDatabase", config + "GetMailboxDatabase", true, false, {}, get_mailbox_database},
      {"Get-ADPermission",
       config + "GetADPermission",
       true,
       false,
       {cmdlet_param("Identity", T::String, true, 0), cmdlet_param("User")},
       get_ad_permission},
      {"Add-ADPermission",
       config + "AddADPermission",
       true,
       false,
       {cmdlet_param("Identity", T::String, true, 0), cmdlet_param("User", T::String, true),
        cmdlet_param("ExtendedRights", T::String, true)},
       add_ad_permission},
  };
}

}  // namespace sd::lab
