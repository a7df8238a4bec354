#include "spec/spec_reader.h"

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "spec/document.h"
#include "spec/secrets.h"
#include "spec/spec_values.h"

namespace sd {
namespace {

using nlohmann::json;

// Reads one mapping of the document. Every accessor tolerates a missing key or a value of the
// wrong shape (it returns nothing), so an unchecked document cannot crash the reader.
class Object {
 public:
  Object(const json* value, std::string pointer)
      : value_(value && value->is_object() ? value : nullptr), pointer_(std::move(pointer)) {}

  [[nodiscard]] bool present() const { return value_ != nullptr; }
  [[nodiscard]] const std::string& pointer() const { return pointer_; }
  [[nodiscard]] std::string at(std::string_view key) const { return pointer_append(pointer_, key); }

  [[nodiscard]] const json* get(std::string_view key) const {
    if (!value_) return nullptr;
    auto it = value_->find(key);
    return it == value_->end() ? nullptr : &*it;
  }
  [[nodiscard]] Object object(std::string_view key) const { return Object(get(key), at(key)); }

  [[nodiscard]] std::optional<std::string> str(std::string_view key) const {
    const json* v = get(key);
    if (v && v->is_string()) return v->get<std::string>();
    return std::nullopt;
  }
  [[nodiscard]] std::string str_or(std::string_view key, std::string fallback) const {
    return str(key).value_or(std::move(fallback));
  }
  [[nodiscard]] std::optional<bool> boolean(std::string_view key) const {
    const json* v = get(key);
    if (v && v->is_boolean()) return v->get<bool>();
    return std::nullopt;
  }
  [[nodiscard]] std::optional<uint32_t> u32(std::string_view key) const {
    const json* v = get(key);
    if (v && v->is_number_unsigned() && v->get<uint64_t>() <= std::numeric_limits<uint32_t>::max())
      return static_cast<uint32_t>(v->get<uint64_t>());
    return std::nullopt;
  }
  // "unlimited" or a number.
  [[nodiscard]] std::optional<Limit> limit(std::string_view key) const {
    const json* v = get(key);
    if (v && v->is_string() && v->get<std::string>() == "unlimited") return Limit{};
    if (auto n = u32(key)) return Limit{n};
    return std::nullopt;
  }
  [[nodiscard]] std::optional<SecretRef> secret(std::string_view key) const {
    auto text = str(key);
    if (!text) return std::nullopt;
    auto ref = parse_secret_ref(*text);
    if (ref) ref->at = at(key);
    return ref;
  }

 private:
  const json* value_;
  std::string pointer_;
};

// Each list entry as an Object, with its pointer.
template <class F>
void for_each_item(const Object& parent, std::string_view key, F&& f) {
  const json* list = parent.get(key);
  if (!list || !list->is_array()) return;
  std::string pointer = parent.at(key);
  for (size_t i = 0; i < list->size(); ++i) f(Object(&(*list)[i], pointer_append(pointer, i)));
}

std::optional<ExchangeVersion> parse_version(const std::string& s) {
  if (s == "Exchange2010") return ExchangeVersion::Exchange2010;
  if (s == "Exchange2013") return ExchangeVersion::Exchange2013;
  if (s == "Exchange2016") return ExchangeVersion::Exchange2016;
  if (s == "Exchange2019") return ExchangeVersion::Exchange2019;
  if (s == "ExchangeSE") return ExchangeVersion::ExchangeSE;
  if (s == "ExchangeOnline") return ExchangeVersion::ExchangeOnline;
  return std::nullopt;
}

// A folder list as a bit set; nothing when the key is absent.
std::optional<FolderSet> folders(const Object& o, std::string_view key) {
  const json* list = o.get(key);
  if (!list || !list->is_array()) return std::nullopt;
  FolderSet set = 0;
  for (const json& item : *list) {
    if (!item.is_string()) continue;
    const std::string& name = item.get_ref<const std::string&>();
    if (name == "calendar") set |= static_cast<FolderSet>(Folder::Calendar);
    if (name == "tasks") set |= static_cast<FolderSet>(Folder::Tasks);
    if (name == "contacts") set |= static_cast<FolderSet>(Folder::Contacts);
  }
  return set;
}

std::string without_trailing_slashes(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  return url;
}

AuthMethod parse_auth(const std::optional<std::string>& s) {
  if (s == "kerberos") return AuthMethod::Kerberos;
  if (s == "ntlm") return AuthMethod::Ntlm;
  if (s == "basic") return AuthMethod::Basic;
  if (s == "certificate") return AuthMethod::Certificate;
  return AuthMethod::Negotiate;
}

// The service principal Kerberos asks a ticket for when the spec names none: HTTP/<host>, the
// host of the URL without its port (WinRM and EWS both run under HTTP/).
std::string default_spn(std::string_view url) {
  return "HTTP/" + std::string(parse_url(url).host);
}

// "ACME\nexj-sync" and "nexj-sync@acme.local" both name the account nexj-sync.
std::string account_name(std::string identity) {
  if (size_t slash = identity.rfind('\\'); slash != std::string::npos) identity.erase(0, slash + 1);
  if (size_t at = identity.find('@'); at != std::string::npos) identity.resize(at);
  return identity;
}

Management read_management(const Object& o) {
  Management m;
  m.at = o.pointer();
  m.url = o.str_or("url", "");
  m.transport = o.str_or("transport", "psrp") == "winrs" ? ManagementTransport::Winrs
                                                         : ManagementTransport::Psrp;
  m.auth = parse_auth(o.str("auth"));
  m.username = o.str_or("username", "");
  m.password = o.secret("password");
  m.keytab = o.str_or("keytab", "");
  m.spn = o.str_or("spn", default_spn(m.url));
  m.certificateFile = o.str_or("certificateFile", "");
  m.keyFile = o.str_or("keyFile", "");
  m.caFile = o.str_or("caFile", "");
  return m;
}

ServiceAccount read_service_account(const Object& o) {
  ServiceAccount a;
  a.at = o.pointer();
  a.identity = o.str_or("identity", "");
  a.upn = o.str_or("upn", "");
  a.auth = parse_auth(o.str("auth"));
  a.password = o.secret("password");
  a.keytab = o.str_or("keytab", "");
  a.create = o.boolean("create").value_or(false);
  return a;
}

Impersonation read_impersonation(const Object& o, const std::string& identity) {
  Impersonation imp;
  imp.at = o.pointer();
  // Absent means rbac over the whole organization on premises; on Exchange Online it means
  // nothing is managed (the rules and the desired state look at `specified`).
  imp.specified = o.present();
  imp.method = o.str("method") == "extendedRights" ? Impersonation::Method::ExtendedRights
                                                   : Impersonation::Method::Rbac;
  // The one place the default name is made; the rules check it like a written one.
  std::optional<std::string> name = o.str("assignmentName");
  imp.assignmentNameDefaulted = !name.has_value();
  imp.assignmentName =
      name ? std::move(*name) : account_name(identity) + "-ApplicationImpersonation";
  if (Object s = o.object("scope"); s.present()) {
    imp.scope = ManagementScope{s.str_or("name", ""), s.str_or("recipientFilter", ""),
                                s.str_or("recipientRoot", ""), s.pointer()};
  }
  return imp;
}

Throttling read_throttling(const Object& o) {
  Throttling t;
  t.at = o.pointer();
  t.policy = o.str_or("policy", "");
  Object e = o.object("ews");
  t.ews.at = e.pointer();
  t.ews.maxConcurrency = e.limit("maxConcurrency");
  t.ews.maxSubscriptions = e.limit("maxSubscriptions");
  t.ews.maxBurst = e.limit("maxBurst");
  t.ews.rechargeRate = e.limit("rechargeRate");
  t.ews.cutoffBalance = e.limit("cutoffBalance");
  t.ews.percentTimeInAD = e.limit("percentTimeInAD");
  t.ews.percentTimeInCAS = e.limit("percentTimeInCAS");
  t.ews.percentTimeInMailboxRPC = e.limit("percentTimeInMailboxRPC");
  t.ews.fastSearchTimeoutInSeconds = e.limit("fastSearchTimeoutInSeconds");
  t.ews.findCountLimit = e.limit("findCountLimit");
  return t;
}

Exchange read_exchange(const Object& o) {
  Exchange x;
  x.at = o.pointer();
  x.version = parse_version(o.str_or("version", "")).value_or(ExchangeVersion::Exchange2016);
  x.management = read_management(o.object("management"));
  x.serviceAccount = read_service_account(o.object("serviceAccount"));
  x.impersonation = read_impersonation(o.object("impersonation"), x.serviceAccount.identity);
  if (Object t = o.object("throttling"); t.present()) x.throttling = read_throttling(t);
  x.caFile = o.str_or("caFile", "");
  for_each_item(o, "servers", [&](const Object& s) {
    ExchangeServer server;
    server.at = s.pointer();
    server.name = s.str_or("name", "");
    server.host = s.str_or("host", "");
    server.ewsUrl = s.str_or("ewsUrl", "https://" + server.host + "/EWS/Exchange.asmx");
    server.spn = s.str_or("spn", default_spn(server.ewsUrl));
    x.servers.push_back(std::move(server));
  });
  return x;
}

MailChannel read_mail(const Object& o) {
  MailChannel m;
  m.at = o.pointer();
  m.channel = o.str_or("channel", "Mail");
  m.description = o.str("description");
  m.alias = o.str("alias");
  m.user = o.str("user");
  m.password = o.secret("password");
  m.from = o.str("from");
  m.domain = o.str("domain");
  m.authComponent = o.str("authComponent");
  m.enabled = o.boolean("enabled");
  m.inHost = o.str("inHost");
  m.inPort = o.u32("inPort");
  m.inProtocol = o.str("inProtocol");
  m.inFolder = o.str("inFolder");
  m.inEncryption = o.str("inEncryption");
  m.outHost = o.str("outHost");
  m.outPort = o.u32("outPort");
  m.outProtocol = o.str("outProtocol");
  m.outEncryption = o.str("outEncryption");
  m.outAuthentication = o.str("outAuthentication");
  return m;
}

Channels read_channels(const Object& o) {
  Channels c;
  c.at = o.pointer();
  if (Object m = o.object("mail"); m.present()) c.mail = read_mail(m);
  for_each_item(o, "senders", [&](const Object& s) {
    SenderChannel sender;
    sender.at = s.pointer();
    sender.channel = s.str_or("channel", "");
    sender.server = s.str_or("server", "");
    sender.maxSenders = s.u32("maxSenders");
    sender.authentication = s.str_or("authentication", "basic");
    sender.readTimeout = s.u32("readTimeout");
    sender.connectionTimeout = s.u32("connectionTimeout");
    sender.description = s.str("description");
    c.senders.push_back(std::move(sender));
  });
  if (Object r = o.object("receiver"); r.present()) {
    c.receiver = ReceiverChannel{r.str_or("channel", "ExchangeEWSNotificationReceiver"),
                                 r.str("description"), r.pointer()};
  }
  return c;
}

GlobalOptions read_global_options(const Object& o) {
  GlobalOptions g;
  g.at = o.pointer();
  g.present = o.present();
  Object batch = o.object("batchSyncSetup");
  g.batchSyncSetup.enabled = batch.boolean("enabled");
  g.batchSyncSetup.startTime = batch.str("startTime");
  g.batchSyncSetup.periodMinutes = batch.u32("periodMinutes");
  g.batchSyncSetup.activationAttempts = batch.u32("activationAttempts");
  Object snapshot = batch.object("initialSnapshot");
  g.batchSyncSetup.daysInPast = snapshot.u32("daysInPast");
  g.batchSyncSetup.daysInFuture = snapshot.u32("daysInFuture");
  Object autodiscover = o.object("autodiscover");
  g.autodiscover.enabled = autodiscover.boolean("enabled");
  g.autodiscover.startTime = autodiscover.str("startTime");
  g.autodiscover.periodMinutes = autodiscover.u32("periodMinutes");
  g.customizedOccurrences = o.object("restrictions").u32("customizedOccurrences");
  g.assignedToUsersThreshold = o.object("forContactInboundSync").u32("assignedToUsersThreshold");
  if (auto state = o.str("realtimeSync")) g.realtimeSyncPaused = *state == "paused";
  if (const json* list = o.get("emailBlacklist"); list && list->is_array()) {
    g.emailBlacklist.emplace();
    for (const json& item : *list)
      if (item.is_string()) g.emailBlacklist->push_back(item.get<std::string>());
  }
  return g;
}

Nexj read_nexj(const Object& o) {
  Nexj n;
  n.at = o.pointer();
  n.url = o.str_or("url", "");
  n.anonymousUrl = o.str_or("anonymousUrl", without_trailing_slashes(n.url) + "/anon");
  n.environmentFile = o.str_or("environmentFile", "");
  n.caFile = o.str_or("caFile", "");
  n.store = o.str_or("store", "");
  n.channels = read_channels(o.object("channels"));
  for_each_item(o, "targets", [&](const Object& t) {
    Target target;
    target.at = t.pointer();
    target.name = t.str_or("name", "");
    target.server = t.str_or("server", "");
    target.sender = t.str_or("sender", "");
    target.subscription =
        t.str("subscription") == "streaming" ? Subscription::Streaming : Subscription::Push;
    target.autodiscover = t.boolean("autodiscover").value_or(false);
    target.useInternalCAS = t.boolean("useInternalCAS").value_or(false);
    target.keepItemsOlderThanDays = t.u32("keepItemsOlderThanDays");
    target.enabled = t.boolean("enabled").value_or(true);
    target.nexjUrl = t.str_or("nexjUrl", n.anonymousUrl);
    n.targets.push_back(std::move(target));
  });
  n.globalOptions = read_global_options(o.object("globalOptions"));
  for_each_item(o, "userOptions", [&](const Object& u) {
    UserOptions options;
    options.at = u.pointer();
    options.scope = u.str_or("scope", "");
    options.enableDisplayOfExternalContacts = u.boolean("enableDisplayOfExternalContacts");
    options.enableInboundForContactSynchronization =
        u.boolean("enableInboundForContactSynchronization");
    options.enableInboundSyncForPrivateMeetings = u.boolean("enableInboundSyncForPrivateMeetings");
    options.enableMeetingAlarmSynchronization = u.boolean("enableMeetingAlarmSynchronization");
    options.enableRelatedInfoNotes = u.boolean("enableRelatedInfoNotes");
    options.enableSecurityCheckOnInboundForContactSync =
        u.boolean("enableSecurityCheckOnInboundForContactSync");
    n.userOptions.push_back(std::move(options));
  });
  return n;
}

Users read_users(const Object& o, const Nexj& nexj) {
  Users u;
  u.at = o.pointer();
  Object defaults = o.object("defaults");
  // With a single target there is nothing to choose; otherwise users must say (semantic rule).
  std::string only_target = nexj.targets.size() == 1 ? nexj.targets.front().name : "";
  u.defaultTarget = defaults.str_or("target", only_target);
  u.defaultFolders = folders(defaults, "folders").value_or(kAllFolders);
  u.prune = o.boolean("prune").value_or(false);
  for_each_item(o, "list", [&](const Object& item) {
    User user;
    user.at = item.pointer();
    user.login = item.str_or("login", "");
    user.email = item.str_or("email", "");
    user.target = item.str_or("target", u.defaultTarget);
    user.folders = folders(item, "folders").value_or(u.defaultFolders);
    user.origin = UserOrigin{0, 0};
    u.list.push_back(std::move(user));
  });
  if (auto path = o.str("csv")) {
    u.csvFiles.push_back(*path);
    u.csvAt.push_back(o.at("csv"));
  } else if (const json* list = o.get("csv"); list && list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      if (!(*list)[i].is_string()) continue;
      u.csvFiles.push_back((*list)[i].get<std::string>());
      u.csvAt.push_back(pointer_append(o.at("csv"), i));
    }
  }
  return u;
}

}  // namespace

Spec read_spec(const Document& doc) {
  Spec spec;
  spec.file = doc.file;
  Object root(&doc.root, "");
  if (const json* v = root.get("version"); v && v->is_number_integer())
    spec.version = v->get<int>();
  spec.deployment = root.str_or("deployment", "");
  spec.exchange = read_exchange(root.object("exchange"));
  spec.nexj = read_nexj(root.object("nexj"));
  spec.users = read_users(root.object("users"), spec.nexj);
  if (const json* list = root.get("remove"); list && list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      if (!(*list)[i].is_string()) continue;  // the schema says so
      const std::string& address = (*list)[i].get_ref<const std::string&>();
      size_t slash = address.find('/');
      RemoveEntry r;
      r.type = address.substr(0, slash);
      if (slash != std::string::npos) r.name = address.substr(slash + 1);
      r.at = pointer_append(root.at("remove"), i);
      spec.remove.push_back(std::move(r));
    }
  }
  return spec;
}

}  // namespace sd
