// The read queries of the Exchange side, in the one order both the script and its reader use.
#include "exchange/exchange_queries.h"

#include <algorithm>

#include "base/text_checks.h"
#include "exchange/powershell.h"

namespace sd::exchange {
namespace {

constexpr LimitParameter kLimits[] = {
    {"ewsMaxConcurrency", "EwsMaxConcurrency", "EWSMaxConcurrency"},
    {"ewsMaxSubscriptions", "EwsMaxSubscriptions", "EWSMaxSubscriptions"},
    {"ewsMaxBurst", "EwsMaxBurst", ""},
    {"ewsRechargeRate", "EwsRechargeRate", ""},
    {"ewsCutoffBalance", "EwsCutoffBalance", ""},
    {"ewsPercentTimeInAD", "", "EWSPercentTimeInAD"},
    {"ewsPercentTimeInCAS", "", "EWSPercentTimeInCAS"},
    {"ewsPercentTimeInMailboxRPC", "", "EWSPercentTimeInMailboxRPC"},
    {"ewsFastSearchTimeoutInSeconds", "", "EWSFastSearchTimeoutInSeconds"},
    {"ewsFindCountLimit", "", "EWSFindCountLimit"},
};

ExchangeQuery make(QueryKind kind, const ResourceType& type, std::string label,
                   std::vector<std::string> properties, const ps::Query& q,
                   uint32_t resource = UINT32_MAX, bool needs_account = false) {
  ExchangeQuery out{kind, &type, resource, std::move(label), std::move(properties),
                    q,    {},    {},       needs_account,    {}};
  out.query.properties = out.properties;
  Result<std::string> line = ps::render_query(out.query);
  if (line)
    out.line = std::move(line.value());
  else
    out.error = line.errors().front().message;
  return out;
}

ExchangeQuery account_query(const Resource& r, uint32_t index) {
  // The UPN when the spec gives one in that form (or the identity is one); otherwise the alias
  // of the identity (or of a DOMAIN\name upn).
  std::string upn = string_field(r, "upn");
  const std::string& name = upn.empty() ? r.name : upn;
  Result<std::string> filter = name.find('@') != std::string::npos
                                   ? ps::opath_equals("UserPrincipalName", name)
                                   : ps::opath_equals("Alias", alias_of(name));
  ps::Query q;
  if (filter)
    q.source = {"Get-Mailbox", {ps::arg("Filter", *filter), ps::arg("ResultSize", "Unlimited")}};
  ExchangeQuery out = make(
      QueryKind::Account, types::kServiceAccount, "Get-Mailbox",
      {"Name", "Alias", "UserPrincipalName", "SamAccountName", "PrimarySmtpAddress"}, q, index);
  if (!filter) {
    out.line.clear();
    out.error = filter.errors().front().message;
  }
  return out;
}

// The servers (or databases) that must carry `right` for `user`, then their entries for the user.
void add_permission_queries(std::string_view applies_to, const std::string& user, uint32_t index,
                            std::vector<ExchangeQuery>& out) {
  const bool servers = applies_to_servers(applies_to);
  const std::string noun = servers ? "Get-ExchangeServer" : "Get-MailboxDatabase";
  ps::Query targets;
  targets.source = {noun, {}};
  out.push_back(make(QueryKind::PermissionTargets, types::kAdPermission, noun,
                     {"Name", "DistinguishedName"}, targets, index, true));
  out.back().applies_to = applies_to;
  ps::Query permissions;
  permissions.source = {noun, {}};
  permissions.for_each = ps::Cmdlet{
      "Get-ADPermission",
      {ps::Argument{"Identity", ps::PipelineProperty{"DistinguishedName"}}, ps::arg("User", user)}};
  out.push_back(make(QueryKind::Permissions, types::kAdPermission,
                     servers ? "Get-ADPermission on every Exchange server"
                             : "Get-ADPermission on every mailbox database",
                     {"Identity", "User", "ExtendedRights", "Deny", "IsInherited"}, permissions,
                     index, true));
  out.back().applies_to = applies_to;
}

}  // namespace

std::span<const LimitParameter> limit_parameters() {
  return kLimits;
}

std::string_view limit_parameter(const LimitParameter& p, ExchangeVersion version) {
  return version == ExchangeVersion::Exchange2010 ? p.on2010 : p.on2013;
}

bool applies_to_servers(std::string_view applies_to) {
  return applies_to == "client access servers";
}

std::string_view extended_right_for(std::string_view applies_to) {
  if (applies_to == "client access servers") return "ms-Exch-EPI-Impersonation";
  if (applies_to == "mailbox databases") return "ms-Exch-EPI-May-Impersonate";
  return {};
}

std::string_view alias_of(std::string_view identity) {
  if (size_t slash = identity.rfind('\\'); slash != std::string_view::npos)
    return identity.substr(slash + 1);
  if (size_t at = identity.find('@'); at != std::string_view::npos) return identity.substr(0, at);
  return identity;
}

std::string string_field(const Resource& r, std::string_view name) {
  return text_field(*r.type, r.values, name);
}

std::vector<ExchangeQuery> exchange_queries(const DesiredState& desired, ExchangeVersion version) {
  std::vector<ExchangeQuery> out;
  const auto& resources = desired.resources;
  uint32_t account = UINT32_MAX;
  for (uint32_t i = 0; i < resources.size(); ++i)
    if (resources[i].type == &types::kServiceAccount && account == UINT32_MAX) account = i;
  // On premises everything that concerns the account is read, named in the spec or not, so
  // that what the spec leaves out is shown for review (an assignment kept from before a
  // rename, the rights left after a switch to RBAC) and `import` can write it. Exchange Online
  // has neither impersonation nor throttling cmdlets: only what the spec names.
  const bool everything = account != UINT32_MAX && version != ExchangeVersion::ExchangeOnline;
  // Named to keep or to remove: either way its read must not fail quietly. A removal also
  // needs what decides whether it may go: the assignments that use a scope, the association
  // that names a policy.
  auto to_remove = [&](const ResourceType& type) {
    for (const Removal& r : desired.removals)
      if (r.type == &type) return true;
    return false;
  };
  auto named = [&](const ResourceType& type) {
    for (const Resource& r : resources)
      if (r.type == &type) return true;
    return to_remove(type) ||
           (&type == &types::kRoleAssignment && to_remove(types::kManagementScope)) ||
           (&type == &types::kThrottlingAssociation && to_remove(types::kThrottlingPolicy));
  };
  // Adds `q`, marked review-only when the spec names nothing it reads; skipped then off premises.
  auto add = [&](ExchangeQuery q, bool names_something) {
    if (!names_something && !everything) return;
    q.review_only = !names_something;
    out.push_back(std::move(q));
  };
  if (account != UINT32_MAX) out.push_back(account_query(resources[account], account));
  {
    ps::Query q;
    q.source = {"Get-ManagementScope", {}};
    add(make(QueryKind::Scopes, types::kManagementScope, "Get-ManagementScope",
             {"Name", "RecipientFilter", "RecipientRoot"}, q),
        named(types::kManagementScope));
  }
  {
    ps::Query q;
    q.source = {"Get-ManagementRoleAssignment", {ps::arg("Role", "ApplicationImpersonation")}};
    add(make(QueryKind::RoleAssignments, types::kRoleAssignment, "Get-ManagementRoleAssignment",
             {"Name", "Role", "RoleAssigneeName", "CustomRecipientWriteScope", "Enabled"}, q),
        named(types::kRoleAssignment));
  }
  {
    ps::Query q;
    q.source = {"Get-ThrottlingPolicy", {}};
    std::vector<std::string> properties{"Name"};
    for (const LimitParameter& p : kLimits)
      if (std::string_view name = limit_parameter(p, version); !name.empty())
        properties.emplace_back(name);
    add(make(QueryKind::Policies, types::kThrottlingPolicy, "Get-ThrottlingPolicy",
             std::move(properties), q),
        named(types::kThrottlingPolicy));
  }
  // One pair of queries per right, whichever the spec names.
  for (std::string_view applies_to : {"client access servers", "mailbox databases"}) {
    uint32_t right = UINT32_MAX;
    for (uint32_t i = 0; i < resources.size(); ++i)
      if (resources[i].type == &types::kAdPermission &&
          string_field(resources[i], "appliesTo") == applies_to)
        right = i;
    // Removal names are "<account>/<right>" (the spec's rules check it).
    const std::string_view wanted_right = extended_right_for(applies_to);
    bool removed = false;
    for (const Removal& r : desired.removals) {
      std::string_view name = r.name;
      removed = removed || (r.type == &types::kAdPermission && name.size() > wanted_right.size() &&
                            iequals(name.substr(name.size() - wanted_right.size()), wanted_right));
    }
    if (right == UINT32_MAX && !everything) continue;
    std::vector<ExchangeQuery> pair;
    add_permission_queries(
        applies_to,
        right != UINT32_MAX ? string_field(resources[right], "user") : resources[account].name,
        right, pair);
    for (ExchangeQuery& q : pair) add(std::move(q), right != UINT32_MAX || removed);
  }
  uint32_t association = UINT32_MAX;
  for (uint32_t i = 0; i < resources.size(); ++i)
    if (resources[i].type == &types::kThrottlingAssociation) association = i;
  if (association != UINT32_MAX || everything) {
    ps::Query q;
    const std::string& identity =
        association != UINT32_MAX ? resources[association].name : resources[account].name;
    q.source = {"Get-ThrottlingPolicyAssociation", {ps::arg("Identity", identity)}};
    add(make(QueryKind::Association, types::kThrottlingAssociation,
             "Get-ThrottlingPolicyAssociation", {"Name", "ThrottlingPolicyId"}, q, association,
             true),
        association != UINT32_MAX || named(types::kThrottlingAssociation));
  }
  // What the spec needs first: a script stops at the first refused cmdlet (an administrator
  // may lack the AD permissions role), and only what is read for review may be lost then.
  std::stable_partition(out.begin(), out.end(),
                        [](const ExchangeQuery& q) { return !q.review_only; });
  return out;
}

}  // namespace sd::exchange
