#include "lab/exchange/exchange_admin_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "base/text_checks.h"
#include "lab/exchange/opath_filter.h"

namespace sd::lab {
namespace {

constexpr std::string_view kAdministrativeGroup =
    "CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,"
    "CN=First Organization,CN=Microsoft Exchange,CN=Services,CN=Configuration,";

// Built-in roles a lab assignment may name (the ones a sync setup meets, and a few others).
constexpr std::string_view kRoles[] = {"ApplicationImpersonation",
                                       "Mail Recipients",
                                       "Mail Recipient Creation",
                                       "Role Management",
                                       "View-Only Configuration",
                                       "View-Only Recipients",
                                       "Organization Client Access",
                                       "Recipient Policies",
                                       "Reset Password",
                                       "Mailbox Search"};

constexpr std::string_view kExtendedRights[] = {
    "ms-Exch-EPI-Impersonation", "ms-Exch-EPI-May-Impersonate", "Send-As", "Receive-As"};

constexpr std::string_view kPolicyScopes[] = {"Regular", "Organization", "Global"};

template <class Range>
std::string canonical_in(const Range& names, std::string_view wanted) {
  for (std::string_view n : names)
    if (iequals(n, wanted)) return std::string(n);
  return {};
}

bool is_uint32_text(std::string_view text) {
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != text.npos)
    return false;
  return std::stoull(std::string(text)) <= 4294967295ull;
}

}  // namespace

std::string_view version_name(LabExchangeVersion version) {
  switch (version) {
    case LabExchangeVersion::Exchange2010:
      return "Exchange2010";
    case LabExchangeVersion::Exchange2013:
      return "Exchange2013";
    case LabExchangeVersion::Exchange2019:
      return "Exchange2019";
    case LabExchangeVersion::Exchange2016:
      break;
  }
  return "Exchange2016";
}

std::optional<LabExchangeVersion> parse_version(std::string_view name) {
  for (LabExchangeVersion v : {LabExchangeVersion::Exchange2010, LabExchangeVersion::Exchange2013,
                               LabExchangeVersion::Exchange2016, LabExchangeVersion::Exchange2019})
    if (iequals(version_name(v), name)) return v;
  return std::nullopt;
}

const std::vector<std::string>& ews_limit_names(LabExchangeVersion version) {
  static const std::vector<std::string> v2010 = {
      "EWSMaxConcurrency",   "EWSMaxSubscriptions",        "EWSPercentTimeInAD",
      "EWSPercentTimeInCAS", "EWSPercentTimeInMailboxRPC", "EWSFastSearchTimeoutInSeconds",
      "EWSFindCountLimit"};
  static const std::vector<std::string> v2013 = {"EwsMaxConcurrency", "EwsMaxSubscriptions",
                                                 "EwsMaxBurst", "EwsRechargeRate",
                                                 "EwsCutoffBalance"};
  return version == LabExchangeVersion::Exchange2010 ? v2010 : v2013;
}

std::string domain_dn(std::string_view domain) {
  std::string out;
  size_t start = 0;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    out += (out.empty() ? "DC=" : ",DC=") + std::string(domain.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

std::string server_dn(std::string_view name, std::string_view domain) {
  return fmt::format("CN={},CN=Servers,{}{}", name, kAdministrativeGroup, domain_dn(domain));
}

std::string database_dn(std::string_view name, std::string_view domain) {
  return fmt::format("CN={},CN=Databases,{}{}", name, kAdministrativeGroup, domain_dn(domain));
}

std::string user_dn(std::string_view name, std::string_view domain) {
  return fmt::format("CN={},CN=Users,{}", name, domain_dn(domain));
}

std::string canonical_name(std::string_view dn) {
  // Split on unescaped commas; DC parts make the domain, the others the path (reversed).
  std::vector<std::string> parts;
  std::string current;
  for (size_t i = 0; i < dn.size(); ++i) {
    if (dn[i] == '\\' && i + 1 < dn.size()) {
      current += dn[++i];
    } else if (dn[i] == ',') {
      parts.push_back(current);
      current.clear();
    } else {
      current += dn[i];
    }
  }
  parts.push_back(current);
  std::string domain, path;
  for (const std::string& part : parts) {
    size_t eq = part.find('=');
    std::string value = eq == std::string::npos ? part : part.substr(eq + 1);
    if (eq != std::string::npos && iequals(part.substr(0, eq), "DC")) {
      domain += (domain.empty() ? "" : ".") + value;
    } else {
      path = "/" + value + path;
    }
  }
  return domain + path;
}

LabRecipient make_recipient(std::string name, std::string alias, std::string upn, std::string smtp,
                            std::string database, const std::string& domain) {
  LabRecipient r;
  r.distinguished_name = user_dn(name, domain);
  r.name = std::move(name);
  r.sam_account_name = alias;
  r.alias = std::move(alias);
  r.upn = std::move(upn);
  r.primary_smtp = std::move(smtp);
  r.database = std::move(database);
  return r;
}

std::string not_found_message(std::string_view identity, std::string_view domain) {
  return fmt::format(
      "The operation couldn't be performed because object '{}' couldn't be "
      "found on 'dc01.{}'.",
      identity, domain);
}

std::string already_exists_message(std::string_view name) {
  return fmt::format("The object '{}' already exists.", name);
}

std::string ace_absent_message(std::string_view object_dn, std::string_view account) {
  return fmt::format(
      "Can't remove the access control entry on the object \"{}\" for account \"{}\" because "
      "the ACE doesn't exist on the object.",
      object_dn, account);
}

std::string down_level_name(std::string_view alias, std::string_view domain) {
  std::string netbios(domain.substr(0, domain.find('.')));
  for (char& c : netbios) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return netbios + "\\" + std::string(alias);
}

Error AdminRules::not_found(std::string_view identity) const {
  return make_error(not_found_message(identity, objects_.domain));
}

Result<std::string> AdminRules::resolve_user(std::string_view identity) const {
  // The DN and the canonical name (Get-User's Identity) first: a DN may hold escaped commas.
  for (const LabRecipient& r : recipients_)
    if (iequals(r.distinguished_name, identity) ||
        iequals(canonical_name(r.distinguished_name), identity))
      return r.alias;
  std::string_view name = identity;
  if (size_t slash = identity.find('\\'); slash != std::string_view::npos) {
    std::string_view netbios = identity.substr(0, slash);
    std::string_view label = std::string_view(objects_.domain).substr(0, objects_.domain.find('.'));
    if (!iequals(netbios, label)) return not_found(identity);
    name = identity.substr(slash + 1);
    for (const LabRecipient& r : recipients_)
      if (iequals(r.alias, name) || iequals(r.sam_account_name, name)) return r.alias;
    return not_found(identity);
  }
  for (const LabRecipient& r : recipients_)
    if (iequals(r.alias, name) || iequals(r.upn, name) || iequals(r.primary_smtp, name) ||
        iequals(r.name, name))
      return r.alias;
  return not_found(identity);
}

Status AdminRules::add_server(const LabExchangeServer& server) {
  for (const LabExchangeServer& s : objects_.servers)
    if (iequals(s.name, server.name)) return make_error(already_exists_message(server.name));
  objects_.servers.push_back(server);
  if (objects_.servers.back().distinguished_name.empty())
    objects_.servers.back().distinguished_name = server_dn(server.name, objects_.domain);
  return ok_status();
}

Status AdminRules::add_database(const LabDatabase& database) {
  for (const LabDatabase& d : objects_.databases)
    if (iequals(d.name, database.name)) return make_error(already_exists_message(database.name));
  objects_.databases.push_back(database);
  if (objects_.databases.back().distinguished_name.empty())
    objects_.databases.back().distinguished_name = database_dn(database.name, objects_.domain);
  return ok_status();
}

Status AdminRules::check_filter(const std::string& filter) const {
  Result<OpathFilter> parsed = OpathFilter::parse(filter);
  if (parsed.ok()) return ok_status();
  return make_error(
      fmt::format("Cannot bind parameter 'RecipientRestrictionFilter' to the "
                  "target. Exception setting \"RecipientRestrictionFilter\": \"{}\"",
                  parsed.errors().front().message));
}

LabManagementScope* AdminRules::scope(std::string_view name) {
  for (LabManagementScope& s : objects_.scopes)
    if (iequals(s.name, name)) return &s;
  return nullptr;
}

LabThrottlingPolicy* AdminRules::policy(std::string_view name) {
  for (LabThrottlingPolicy& p : objects_.policies)
    if (iequals(p.name, name)) return &p;
  return nullptr;
}

Status AdminRules::new_scope(const LabManagementScope& wanted) {
  if (wanted.name.empty()) return make_error("The Name parameter can't be empty.");
  if (scope(wanted.name)) return make_error(already_exists_message(wanted.name));
  if (Status s = check_filter(wanted.recipient_filter); !s.ok()) return s;
  objects_.scopes.push_back(wanted);
  return ok_status();
}

Status AdminRules::set_scope(const LabManagementScope& wanted) {
  LabManagementScope* found = scope(wanted.name);
  if (!found) return not_found(wanted.name);
  if (Status s = check_filter(wanted.recipient_filter); !s.ok()) return s;
  found->recipient_filter = wanted.recipient_filter;
  found->recipient_root = wanted.recipient_root;
  return ok_status();
}

// Exchange refuses while an assignment uses the scope (Remove-ManagementScope.md: a scope
// associated with a role assignment can't be removed); the wording is the lab's.
Status AdminRules::remove_scope(std::string_view name) {
  LabManagementScope* found = scope(name);
  if (!found) return not_found(name);
  std::string users;
  for (const LabRoleAssignment& a : objects_.assignments)
    if (iequals(a.custom_recipient_write_scope, found->name))
      users += (users.empty() ? "" : ", ") + a.name;
  if (!users.empty())
    return make_error(fmt::format(
        "The management scope \"{}\" can't be removed because it's used by the following "
        "management role assignments: {}.",
        found->name, users));
  std::erase_if(objects_.scopes,
                [&](const LabManagementScope& s) { return iequals(s.name, name); });
  return ok_status();
}

Status AdminRules::new_assignment(LabRoleAssignment wanted) {
  std::string role = canonical_in(kRoles, wanted.role);
  if (role.empty()) return not_found(wanted.role);
  Result<std::string> user = resolve_user(wanted.user);
  if (!user.ok()) return user.take_errors();
  if (!wanted.custom_recipient_write_scope.empty()) {
    LabManagementScope* s = scope(wanted.custom_recipient_write_scope);
    if (!s) return not_found(wanted.custom_recipient_write_scope);
    wanted.custom_recipient_write_scope = s->name;
  }
  wanted.role = role;
  wanted.user = *user;
  if (wanted.name.empty()) wanted.name = role + "-" + *user;  // as Exchange names them
  for (const LabRoleAssignment& a : objects_.assignments)
    if (iequals(a.name, wanted.name)) return make_error(already_exists_message(wanted.name));
  objects_.assignments.push_back(std::move(wanted));
  return ok_status();
}

Status AdminRules::set_assignment(const LabRoleAssignment& wanted) {
  auto it = std::find_if(objects_.assignments.begin(), objects_.assignments.end(),
                         [&](const LabRoleAssignment& a) { return iequals(a.name, wanted.name); });
  if (it == objects_.assignments.end()) return not_found(wanted.name);
  std::string scope_name;
  if (!wanted.custom_recipient_write_scope.empty()) {
    LabManagementScope* s = scope(wanted.custom_recipient_write_scope);
    if (!s) return not_found(wanted.custom_recipient_write_scope);
    scope_name = s->name;
  }
  it->custom_recipient_write_scope = scope_name;
  it->enabled = wanted.enabled;
  return ok_status();
}

Status AdminRules::remove_assignment(std::string_view name) {
  auto it = std::find_if(objects_.assignments.begin(), objects_.assignments.end(),
                         [&](const LabRoleAssignment& a) { return iequals(a.name, name); });
  if (it == objects_.assignments.end()) return not_found(name);
  objects_.assignments.erase(it);
  return ok_status();
}

// Canonical names and values ("" stays: it clears the limit); a parameter of the other
// version's set is PowerShell's error.
Status AdminRules::check_limits(LabThrottlingPolicy& wanted) const {
  const std::vector<std::string>& names = ews_limit_names(objects_.version);
  bool v2010 = objects_.version == LabExchangeVersion::Exchange2010;
  std::map<std::string, std::string> canonical;
  for (const auto& [key, value] : wanted.ews_limits) {
    std::string name = canonical_in(names, key);
    if (name.empty())
      return make_error(
          fmt::format("A parameter cannot be found that matches parameter name '{}'.", key));
    if (iequals(value, "Unlimited")) {
      canonical[name] = "Unlimited";
    } else if (value.empty() || is_uint32_text(value)) {  // "": cleared
      canonical[name] = value;
    } else {
      return make_error(fmt::format(
          "Cannot process argument transformation on parameter '{}'. Cannot convert value "
          "\"{}\" to type \"{}\". Error: \"Input string was not in a correct format.\"",
          name, value,
          v2010 ? "System.UInt32" : "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]"));
    }
  }
  wanted.ews_limits = std::move(canonical);
  return ok_status();
}

Status AdminRules::new_policy(LabThrottlingPolicy wanted) {
  if (wanted.name.empty()) return make_error("The Name parameter can't be empty.");
  if (policy(wanted.name)) return make_error(already_exists_message(wanted.name));
  std::string scope_name = canonical_in(kPolicyScopes, wanted.scope);
  if (scope_name.empty())
    return make_error(fmt::format(
        "Cannot bind parameter 'ThrottlingPolicyScope'. Cannot convert value \"{}\" to type "
        "\"Microsoft.Exchange.Data.Directory.SystemConfiguration.ThrottlingPolicyScopeType\". "
        "Error: \"Unable to match the identifier name {} to a valid enumerator name. Specify "
        "one of the following enumerator names and try again: Regular, Organization, Global\"",
        wanted.scope, wanted.scope));
  wanted.scope = scope_name;
  if (Status s = check_limits(wanted); !s.ok()) return s;
  std::erase_if(wanted.ews_limits, [](const auto& limit) { return limit.second.empty(); });
  objects_.policies.push_back(std::move(wanted));
  return ok_status();
}

Status AdminRules::set_policy(const LabThrottlingPolicy& wanted) {
  LabThrottlingPolicy* found = policy(wanted.name);
  if (!found) return not_found(wanted.name);
  LabThrottlingPolicy limits = wanted;
  if (Status s = check_limits(limits); !s.ok()) return s;
  for (const auto& [name, value] : limits.ews_limits) {
    if (value.empty()) {
      found->ews_limits.erase(name);
    } else {
      found->ews_limits[name] = value;
    }
  }
  return ok_status();
}

// Exchange refuses the default policy and a policy users are associated with
// (Remove-ThrottlingPolicy.md: reassign them first); the wording is the lab's. Global and
// Organization policies are the defaults a lab has: Global the built-in one, Organization the
// one every user without an association gets.
Status AdminRules::remove_policy(std::string_view name) {
  LabThrottlingPolicy* found = policy(name);
  if (!found) return not_found(name);
  if (found->scope != "Regular")
    return make_error(
        fmt::format("The throttling policy \"{}\" can't be removed because it's a default policy "
                    "(ThrottlingPolicyScope {}).",
                    found->name, found->scope));
  std::string users;
  for (const LabThrottlingAssociation& a : objects_.associations)
    if (iequals(a.policy, found->name)) users += (users.empty() ? "" : ", ") + a.user;
  if (!users.empty())
    return make_error(fmt::format(
        "The throttling policy \"{}\" can't be removed because it's associated with the "
        "following users: {}.",
        found->name, users));
  std::erase_if(objects_.policies,
                [&](const LabThrottlingPolicy& p) { return iequals(p.name, name); });
  return ok_status();
}

Result<std::string> AdminRules::association(std::string_view user_identity) const {
  Result<std::string> user = resolve_user(user_identity);
  if (!user.ok()) return user.take_errors();
  for (const LabThrottlingAssociation& a : objects_.associations)
    if (iequals(a.user, *user)) return a.policy;
  return std::string();
}

Status AdminRules::set_association(std::string_view user_identity, std::string_view policy_name) {
  Result<std::string> user = resolve_user(user_identity);
  if (!user.ok()) return user.take_errors();
  std::string name;
  if (!policy_name.empty()) {
    LabThrottlingPolicy* found = policy(policy_name);
    if (!found) return not_found(policy_name);
    name = found->name;
  }
  std::erase_if(objects_.associations,
                [&](const LabThrottlingAssociation& a) { return iequals(a.user, *user); });
  if (!name.empty()) objects_.associations.push_back({*user, name});  // "": the default again
  return ok_status();
}

std::string AdminRules::object_dn(std::string_view identity) const {
  for (const LabExchangeServer& s : objects_.servers)
    if (iequals(s.name, identity) || iequals(s.distinguished_name, identity))
      return s.distinguished_name;
  for (const LabDatabase& d : objects_.databases)
    if (iequals(d.name, identity) || iequals(d.distinguished_name, identity))
      return d.distinguished_name;
  return {};
}

Result<LabAdPermission> AdminRules::canonical_permission(const LabAdPermission& wanted) const {
  std::string dn = object_dn(wanted.identity);
  if (dn.empty()) return not_found(wanted.identity);
  Result<std::string> user = resolve_user(wanted.user);
  if (!user.ok()) return user.take_errors();
  std::string right = canonical_in(kExtendedRights, wanted.extended_right);
  if (right.empty()) return not_found(wanted.extended_right);
  return LabAdPermission{dn, *user, right};
}

Status AdminRules::add_permission(const LabAdPermission& wanted) {
  Result<LabAdPermission> entry = canonical_permission(wanted);
  if (!entry.ok()) return entry.take_errors();
  for (const LabAdPermission& p : objects_.permissions)
    if (iequals(p.identity, entry->identity) && iequals(p.user, entry->user) &&
        p.extended_right == entry->extended_right)
      return ok_status();  // already there: no duplicate
  objects_.permissions.push_back(std::move(*entry));
  return ok_status();
}

Result<bool> AdminRules::remove_permission(const LabAdPermission& wanted) {
  Result<LabAdPermission> entry = canonical_permission(wanted);
  if (!entry.ok()) return entry.take_errors();
  size_t removed = std::erase_if(objects_.permissions, [&](const LabAdPermission& p) {
    return iequals(p.identity, entry->identity) && iequals(p.user, entry->user) &&
           p.extended_right == entry->extended_right;
  });
  return removed > 0;
}

}  // namespace sd::lab
