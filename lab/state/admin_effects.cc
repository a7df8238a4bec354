#include "lab/state/admin_effects.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "base/text_checks.h"

namespace sd::lab {
namespace {

// Under RecipientRoot: a DN root must be a suffix of the recipient's DN, a canonical root
// ("example.local/Users") a prefix of its canonical name.
bool under_root(const LabRecipient& target, const std::string& root) {
  if (root.empty()) return true;
  if (root.find('=') != std::string::npos) {
    std::string dn = to_lower_ascii(target.distinguished_name);
    std::string suffix = "," + to_lower_ascii(root);
    return dn.size() > suffix.size() && dn.ends_with(suffix);
  }
  std::string name = to_lower_ascii(canonical_name(target.distinguished_name));
  std::string prefix = to_lower_ascii(root);
  while (prefix.ends_with('/')) prefix.pop_back();
  return name.starts_with(prefix + "/");
}

bool has_right(const AdminObjects& objects, std::string_view alias, const std::string& dn,
               std::string_view right) {
  return std::any_of(objects.permissions.begin(), objects.permissions.end(),
                     [&](const LabAdPermission& p) {
                       return iequals(p.user, alias) && iequals(p.identity, dn) &&
                              iequals(p.extended_right, right);
                     });
}

const LabThrottlingPolicy* find_policy(const AdminObjects& objects, std::string_view name) {
  for (const LabThrottlingPolicy& p : objects.policies)
    if (iequals(p.name, name)) return &p;
  return nullptr;
}

// The value a limit has for the account: the policy's, else the Organization policy's.
std::optional<std::string> limit(const LabThrottlingPolicy* own, const LabThrottlingPolicy* org,
                                 std::string_view name) {
  for (const LabThrottlingPolicy* p : {own, org}) {
    if (!p) continue;
    for (const auto& [key, value] : p->ews_limits)
      if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

bool unlimited(const std::optional<std::string>& value) {
  return value && iequals(*value, "Unlimited");
}

}  // namespace

ScopeFilters compile_scope_filters(const AdminObjects& objects) {
  ScopeFilters out;
  for (const LabManagementScope& s : objects.scopes) {
    Result<OpathFilter> filter = OpathFilter::parse(s.recipient_filter);
    if (filter.ok()) out.emplace(to_lower_ascii(s.name), std::move(*filter));
  }
  return out;
}

bool rbac_allows_impersonation(const AdminObjects& objects, const ScopeFilters& filters,
                               std::string_view alias, const LabRecipient& target) {
  for (const LabRoleAssignment& a : objects.assignments) {
    if (!a.enabled || !iequals(a.role, "ApplicationImpersonation") || !iequals(a.user, alias))
      continue;
    if (a.custom_recipient_write_scope.empty()) return true;  // the whole organization
    auto filter = filters.find(to_lower_ascii(a.custom_recipient_write_scope));
    if (filter == filters.end() || !filter->second.matches(target)) continue;
    for (const LabManagementScope& s : objects.scopes)
      if (iequals(s.name, a.custom_recipient_write_scope) && under_root(target, s.recipient_root))
        return true;
  }
  return false;
}

bool extended_rights_allow_impersonation(const AdminObjects& objects, std::string_view alias,
                                         const LabRecipient& target) {
  bool any_server = false;
  for (const LabExchangeServer& s : objects.servers) {
    if (!s.client_access) continue;
    any_server = true;
    if (!has_right(objects, alias, s.distinguished_name, "ms-Exch-EPI-Impersonation")) return false;
  }
  if (!any_server) return false;
  for (const LabDatabase& d : objects.databases)
    if (iequals(d.name, target.database))
      return has_right(objects, alias, d.distinguished_name, "ms-Exch-EPI-May-Impersonate");
  return false;
}

std::optional<ThrottlingPolicy> admin_throttling(const AdminObjects& objects,
                                                 std::string_view alias,
                                                 const ThrottlingPolicy& base) {
  const LabThrottlingPolicy* own = nullptr;
  for (const LabThrottlingAssociation& a : objects.associations)
    if (iequals(a.user, alias)) own = find_policy(objects, a.policy);
  const LabThrottlingPolicy* org = nullptr;
  for (const LabThrottlingPolicy& p : objects.policies)
    if (p.scope == "Organization") org = &p;
  ThrottlingPolicy out = base;
  if (std::optional<std::string> c = limit(own, org, "EwsMaxConcurrency")) {
    if (unlimited(c)) {
      out.max_concurrency.reset();
    } else {
      uint64_t n = std::numeric_limits<unsigned>::max();  // checked when set: a UInt32
      (void)std::from_chars(c->data(), c->data() + c->size(), n);
      out.max_concurrency =
          static_cast<unsigned>(std::min<uint64_t>(n, std::numeric_limits<unsigned>::max()));
    }
  }
  bool budget_lifted = objects.version == LabExchangeVersion::Exchange2010
                           ? unlimited(limit(own, org, "EWSPercentTimeInCAS"))
                           : unlimited(limit(own, org, "EwsMaxBurst")) &&
                                 unlimited(limit(own, org, "EwsRechargeRate")) &&
                                 unlimited(limit(own, org, "EwsCutoffBalance"));
  if (budget_lifted) out.budget_limited = false;
  if (!out.max_concurrency && !out.budget_limited) return std::nullopt;
  return out;
}

}  // namespace sd::lab
