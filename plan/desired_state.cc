// Spec -> desired resources. One resource per live object, values aligned to the type's fields,
// dependencies as indices. Folder links dominate (3 per user): they are built without maps or
// temporary containers per link.
#include "plan/desired_state.h"

#include <fmt/format.h>

#include <bit>
#include <cassert>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace sd {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

// The position of `field` in `type`. A name the type does not have is a typo in this file:
// skipping it would silently stop managing the field, so stop in every build.
size_t field_position(const ResourceType& type, std::string_view field) {
  int i = field_index(type, field);
  assert(i >= 0 && "unknown field name");
  if (i < 0) {
    fmt::print(stderr, "syncdeploy: internal error: resource type {} has no field '{}'\n",
               type.name, field);
    std::abort();
  }
  return static_cast<size_t>(i);
}

// Builds resources in declaration order and remembers the indices later ones depend on.
class Builder {
 public:
  Builder(const Spec& spec, const SecretFingerprints& fingerprints)
      : spec_(spec), fingerprints_(fingerprints) {}

  DesiredState build();

 private:
  // Appends a resource of `type` with every field Unset; returns its index.
  uint32_t add(const ResourceType& type, std::string name, const std::string& at,
               std::vector<uint32_t> depends_on = {}) {
    Resource r;
    r.type = &type;
    r.name = std::move(name);
    r.values.assign(type.fields.size(), Value{Unset{}});
    r.depends_on = std::move(depends_on);
    r.at = at;
    out_.resources.push_back(std::move(r));
    return static_cast<uint32_t>(out_.resources.size() - 1);
  }
  // Sets field `field` of resource `index` (aborts on a field the type does not have).
  void set(uint32_t index, std::string_view field, Value v) {
    Resource& r = out_.resources[index];
    r.values[field_position(*r.type, field)] = std::move(v);
  }
  template <class T>
  void set_opt(uint32_t index, std::string_view field, const std::optional<T>& v) {
    if (!v) return;
    if constexpr (std::is_same_v<T, uint32_t>) {
      set(index, field, static_cast<int64_t>(*v));
    } else {
      set(index, field, *v);
    }
  }
  SecretValue secret(const SecretRef& ref) const {
    auto it = fingerprints_.find(ref.at);
    return SecretValue{ref.text(), it == fingerprints_.end() ? std::string() : it->second};
  }
  static Value limit(const std::optional<Limit>& l) {
    if (!l) return Unset{};
    if (l->unlimited()) return NullValue{};
    return static_cast<int64_t>(*l->value);
  }
  const ExchangeServer* server(const std::string& name) const {
    for (const ExchangeServer& s : spec_.exchange.servers)
      if (s.name == name) return &s;
    return nullptr;
  }

  void exchange_side();
  void impersonation();
  void channels();
  void targets_and_options();
  void folder_links();

  const Spec& spec_;
  const SecretFingerprints& fingerprints_;
  DesiredState out_;
  uint32_t account_ = kNone;
  std::vector<uint32_t> impersonation_;  // what every folder link needs before it can work
  std::unordered_map<std::string_view, uint32_t> http_channels_;  // channel name -> index
  std::unordered_map<std::string_view, uint32_t> targets_;        // target name -> index
};

void Builder::exchange_side() {
  const Exchange& ex = spec_.exchange;
  const ServiceAccount& sa = ex.serviceAccount;
  account_ = add(types::kServiceAccount, sa.identity, sa.at);
  if (!sa.upn.empty()) set(account_, "upn", sa.upn);
  // The password is only managed when syncdeploy owns the account; otherwise it is checked
  // through the sender channel, never set on the account.
  if (sa.create && sa.password) set(account_, "password", secret(*sa.password));
  out_.resources[account_].create_allowed = sa.create;

  impersonation();

  if (ex.throttling) {
    const Throttling& t = *ex.throttling;
    uint32_t policy = add(types::kThrottlingPolicy, t.policy, t.at);
    const EwsLimits& e = t.ews;
    set(policy, "ewsMaxConcurrency", limit(e.maxConcurrency));
    set(policy, "ewsMaxSubscriptions", limit(e.maxSubscriptions));
    set(policy, "ewsMaxBurst", limit(e.maxBurst));
    set(policy, "ewsRechargeRate", limit(e.rechargeRate));
    set(policy, "ewsCutoffBalance", limit(e.cutoffBalance));
    set(policy, "ewsPercentTimeInAD", limit(e.percentTimeInAD));
    set(policy, "ewsPercentTimeInCAS", limit(e.percentTimeInCAS));
    set(policy, "ewsPercentTimeInMailboxRPC", limit(e.percentTimeInMailboxRPC));
    set(policy, "ewsFastSearchTimeoutInSeconds", limit(e.fastSearchTimeoutInSeconds));
    set(policy, "ewsFindCountLimit", limit(e.findCountLimit));
    uint32_t assoc = add(types::kThrottlingAssociation, sa.identity, t.at, {account_, policy});
    set(assoc, "policy", t.policy);
  }
}

void Builder::impersonation() {
  const Exchange& ex = spec_.exchange;
  // Exchange Online has neither ApplicationImpersonation nor the EPI rights (the rules refuse
  // an impersonation block there): nothing to manage, so links depend on their target only.
  if (ex.version == ExchangeVersion::ExchangeOnline) return;
  const ServiceAccount& sa = ex.serviceAccount;
  const Impersonation& imp = ex.impersonation;
  if (imp.method == Impersonation::Method::Rbac) {
    std::vector<uint32_t> deps{account_};
    std::string scope_name;
    if (imp.scope) {
      scope_name = imp.scope->name;
      uint32_t scope = add(types::kManagementScope, imp.scope->name, imp.scope->at);
      set(scope, "recipientFilter", imp.scope->recipientFilter);
      if (!imp.scope->recipientRoot.empty()) set(scope, "recipientRoot", imp.scope->recipientRoot);
      deps.push_back(scope);
    }
    uint32_t ra = add(types::kRoleAssignment, imp.assignmentName, imp.at, std::move(deps));
    set(ra, "role", std::string("ApplicationImpersonation"));
    set(ra, "user", sa.identity);
    set(ra, "customRecipientWriteScope", scope_name);
    set(ra, "enabled", true);
    impersonation_.push_back(ra);
  } else {
    // The two extended rights NexJ documents: one on the CAS servers, one on mailbox databases.
    static constexpr std::pair<std::string_view, std::string_view> kRights[] = {
        {"ms-Exch-EPI-Impersonation", "client access servers"},
        {"ms-Exch-EPI-May-Impersonate", "mailbox databases"},
    };
    for (const auto& [right, applies_to] : kRights) {
      uint32_t p =
          add(types::kAdPermission, sa.identity + "/" + std::string(right), imp.at, {account_});
      set(p, "user", sa.identity);
      set(p, "appliesTo", std::string(applies_to));
      impersonation_.push_back(p);
    }
  }
}

void Builder::channels() {
  const Channels& ch = spec_.nexj.channels;
  if (ch.mail) {
    const MailChannel& m = *ch.mail;
    uint32_t i = add(types::kMailChannel, m.channel, m.at);
    set_opt(i, "description", m.description);
    set_opt(i, "alias", m.alias);
    set_opt(i, "user", m.user);
    if (m.password) set(i, "password", secret(*m.password));
    set_opt(i, "from", m.from);
    set_opt(i, "domain", m.domain);
    set_opt(i, "authComponent", m.authComponent);
    set_opt(i, "enabled", m.enabled);
    set_opt(i, "inHost", m.inHost);
    set_opt(i, "inPort", m.inPort);
    set_opt(i, "inProtocol", m.inProtocol);
    set_opt(i, "inFolder", m.inFolder);
    set_opt(i, "inEncryption", m.inEncryption);
    set_opt(i, "outHost", m.outHost);
    set_opt(i, "outPort", m.outPort);
    set_opt(i, "outProtocol", m.outProtocol);
    set_opt(i, "outEncryption", m.outEncryption);
    set_opt(i, "outAuthentication", m.outAuthentication);
  }

  const ServiceAccount& sa = spec_.exchange.serviceAccount;
  for (const SenderChannel& s : ch.senders) {
    uint32_t i = add(types::kHttpChannel, s.channel, s.at, {account_});
    if (const ExchangeServer* srv = server(s.server)) set(i, "url", srv->ewsUrl);
    set(i, "authentication", s.authentication);
    set(i, "user", sa.upn.empty() ? sa.identity : sa.upn);
    if (sa.password) set(i, "password", secret(*sa.password));
    set(i, "secure", true);
    set_opt(i, "maxSenders", s.maxSenders);
    set_opt(i, "readTimeout", s.readTimeout);
    set_opt(i, "connectionTimeout", s.connectionTimeout);
    set_opt(i, "description", s.description);
    http_channels_.emplace(s.channel, i);
  }
  if (ch.receiver) {
    const ReceiverChannel& r = *ch.receiver;
    uint32_t i = add(types::kHttpChannel, r.channel, r.at);
    set(i, "authentication", std::string("none"));
    set(i, "secure", true);
    set_opt(i, "description", r.description);
    http_channels_.emplace(r.channel, i);
  }
}

void Builder::targets_and_options() {
  const Nexj& nx = spec_.nexj;
  const std::string* receiver = nx.channels.receiver ? &nx.channels.receiver->channel : nullptr;
  for (const Target& t : nx.targets) {
    std::vector<uint32_t> deps;
    if (auto it = http_channels_.find(t.sender); it != http_channels_.end())
      deps.push_back(it->second);
    if (receiver) {
      if (auto it = http_channels_.find(*receiver); it != http_channels_.end())
        deps.push_back(it->second);
    }
    uint32_t i = add(types::kTarget, t.name, t.at, std::move(deps));
    if (const ExchangeServer* srv = server(t.server)) set(i, "host", srv->host);
    set(i, "nexjUrl", t.nexjUrl);
    set(i, "version", std::string(to_string(spec_.exchange.version)));
    set(i, "subscription", std::string(to_string(t.subscription)));
    set(i, "autodiscover", t.autodiscover);
    set(i, "useInternalCAS", t.useInternalCAS);
    set_opt(i, "keepItemsOlderThanDays", t.keepItemsOlderThanDays);
    set(i, "sender", t.sender);
    if (receiver) set(i, "receiver", *receiver);
    set(i, "enabled", t.enabled);
    targets_.emplace(t.name, i);
  }

  const GlobalOptions& g = nx.globalOptions;
  if (g.present) {
    uint32_t i = add(types::kGlobalOptions, "exchange", g.at);
    set_opt(i, "batchSyncSetup.enabled", g.batchSyncSetup.enabled);
    set_opt(i, "batchSyncSetup.startTime", g.batchSyncSetup.startTime);
    set_opt(i, "batchSyncSetup.periodMinutes", g.batchSyncSetup.periodMinutes);
    set_opt(i, "batchSyncSetup.activationAttempts", g.batchSyncSetup.activationAttempts);
    set_opt(i, "batchSyncSetup.initialSnapshot.daysInPast", g.batchSyncSetup.daysInPast);
    set_opt(i, "batchSyncSetup.initialSnapshot.daysInFuture", g.batchSyncSetup.daysInFuture);
    set_opt(i, "autodiscover.enabled", g.autodiscover.enabled);
    set_opt(i, "autodiscover.startTime", g.autodiscover.startTime);
    set_opt(i, "autodiscover.periodMinutes", g.autodiscover.periodMinutes);
    set_opt(i, "restrictions.customizedOccurrences", g.customizedOccurrences);
    set_opt(i, "forContactInboundSync.assignedToUsersThreshold", g.assignedToUsersThreshold);
    if (g.realtimeSyncPaused)
      set(i, "realtimeSync", std::string(*g.realtimeSyncPaused ? "paused" : "running"));
    set_opt(i, "emailBlacklist", g.emailBlacklist);
  }

  for (const UserOptions& u : nx.userOptions) {
    uint32_t i = add(types::kUserOptions, u.scope, u.at);
    set_opt(i, "enableDisplayOfExternalContacts", u.enableDisplayOfExternalContacts);
    set_opt(i, "enableInboundForContactSynchronization", u.enableInboundForContactSynchronization);
    set_opt(i, "enableInboundSyncForPrivateMeetings", u.enableInboundSyncForPrivateMeetings);
    set_opt(i, "enableMeetingAlarmSynchronization", u.enableMeetingAlarmSynchronization);
    set_opt(i, "enableRelatedInfoNotes", u.enableRelatedInfoNotes);
    set_opt(i, "enableSecurityCheckOnInboundForContactSync",
            u.enableSecurityCheckOnInboundForContactSync);
  }
}

void Builder::folder_links() {
  // The hot loop: up to 300,000 links. Field positions are looked up once, and each link's
  // strings are built in place.
  static constexpr Folder kFolders[] = {Folder::Calendar, Folder::Tasks, Folder::Contacts};
  const auto& type = types::kFolderLink;
  const size_t f_target = field_position(type, "target");
  const size_t f_email = field_position(type, "email");
  const size_t f_enabled = field_position(type, "enabled");

  size_t count = 0;
  for (const User& u : spec_.users.list) count += static_cast<size_t>(std::popcount(u.folders));
  out_.resources.reserve(out_.resources.size() + count);

  for (const User& u : spec_.users.list) {
    auto target = targets_.find(u.target);
    for (Folder f : kFolders) {
      if (!(u.folders & static_cast<FolderSet>(f))) continue;
      Resource r;
      r.type = &type;
      std::string_view folder = to_string(f);
      r.name.reserve(u.login.size() + 1 + folder.size());
      r.name.append(u.login).append("/").append(folder);
      r.values.resize(type.fields.size());
      r.values[f_target] = u.target;
      r.values[f_email] = u.email;
      r.values[f_enabled] = true;
      r.depends_on.reserve(impersonation_.size() + 1);
      if (target != targets_.end()) r.depends_on.push_back(target->second);
      r.depends_on.insert(r.depends_on.end(), impersonation_.begin(), impersonation_.end());
      r.at = u.at;
      out_.resources.push_back(std::move(r));
    }
  }
}

DesiredState Builder::build() {
  out_.deployment = spec_.deployment;
  // Everything but the links is a handful of objects; the links are counted and reserved later.
  out_.resources.reserve(16 + spec_.nexj.channels.senders.size() + spec_.nexj.targets.size() +
                         spec_.nexj.userOptions.size());
  exchange_side();
  channels();
  targets_and_options();
  folder_links();
  for (const RemoveEntry& r : spec_.remove)
    if (const ResourceType* type = find_resource_type(r.type))  // the rules checked it
      out_.removals.push_back(Removal{type, r.name, r.at});
  return std::move(out_);
}

}  // namespace

DesiredState build_desired_state(const Spec& spec, const SecretFingerprints& fingerprints) {
  return Builder(spec, fingerprints).build();
}

}  // namespace sd
