#include "plan/desired_state.h"

#include <catch2/catch.hpp>

#include "tests/plan/plan_support.h"

using namespace sd;

namespace {

using sd::test::field_value;

SecretRef env_ref(std::string name, std::string at) {
  SecretRef ref;
  ref.kind = SecretRef::Kind::Env;
  ref.name = std::move(name);
  ref.at = std::move(at);
  return ref;
}

// The sketch's deployment, built in code (the spec reader is tested on its own).
Spec sketch_spec() {
  Spec s;
  s.file = "acme.yaml";
  s.deployment = "acme-prod";
  Exchange& ex = s.exchange;
  ex.version = ExchangeVersion::Exchange2016;
  ex.serviceAccount = {"nexj-sync",
                       "nexj-sync@acme.local",
                       AuthMethod::Negotiate,
                       env_ref("NEXJ_SYNC_PASSWORD", "/exchange/serviceAccount/password"),
                       "",
                       false,
                       "/exchange/serviceAccount"};
  ex.impersonation.method = Impersonation::Method::Rbac;
  ex.impersonation.assignmentName = "nexj-sync-ApplicationImpersonation";
  ex.impersonation.assignmentNameDefaulted = true;
  ex.impersonation.scope =
      ManagementScope{"NexJSyncedUsers", "MemberOfGroup -eq 'NexJ Users'", "", "/x/scope"};
  ex.impersonation.at = "/exchange/impersonation";
  Throttling t;
  t.policy = "NexJSyncPolicy";
  t.ews.maxConcurrency = Limit{};
  t.ews.maxSubscriptions = Limit{};
  t.ews.maxBurst = Limit{500};
  t.at = "/exchange/throttling";
  ex.throttling = t;
  // Defaults filled as read_spec fills them (ewsUrl, nexjUrl, a user's target).
  ex.servers.push_back({"exch01", "exch01.acme.local",
                        "https://exch01.acme.local/EWS/Exchange.asmx", "HTTP/exch01.acme.local",
                        "/exchange/servers/0"});

  Nexj& nx = s.nexj;
  nx.url = "https://crm.acme.local/nexj";
  nx.anonymousUrl = "https://crm.acme.local/nexj/anon";
  MailChannel mail;
  mail.from = "crm@acme.com";
  mail.outHost = "smtp.acme.local";
  mail.outPort = 587;
  mail.password = env_ref("CRM_MAIL_PASSWORD", "/nexj/channels/mail/password");
  mail.at = "/nexj/channels/mail";
  nx.channels.mail = mail;
  SenderChannel sender;
  sender.channel = "ExchangeEWSSender1";
  sender.server = "exch01";
  sender.maxSenders = 20;
  sender.at = "/nexj/channels/senders/0";
  nx.channels.senders.push_back(sender);
  nx.channels.receiver = ReceiverChannel{};
  nx.channels.receiver->at = "/nexj/channels/receiver";
  Target target;
  target.name = "EXCH01";
  target.server = "exch01";
  target.sender = "ExchangeEWSSender1";
  target.autodiscover = true;
  target.keepItemsOlderThanDays = 365;
  target.nexjUrl = "https://crm.acme.local/nexj/anon";
  target.at = "/nexj/targets/0";
  nx.targets.push_back(target);
  nx.globalOptions.present = true;
  nx.globalOptions.realtimeSyncPaused = false;
  nx.globalOptions.emailBlacklist = std::vector<std::string>{"^noreply@.*$"};
  nx.globalOptions.at = "/nexj/globalOptions";
  UserOptions uo;
  uo.scope = "system";
  uo.enableMeetingAlarmSynchronization = false;
  uo.at = "/nexj/userOptions";
  nx.userOptions.push_back(uo);

  s.users.defaultTarget = "EXCH01";
  s.users.list.push_back({"jsmith", "jsmith@acme.com", "EXCH01", kAllFolders, {}, "/users/list/0"});
  s.users.list.push_back({"mlee",
                          "mlee@acme.com",
                          "EXCH01",
                          static_cast<FolderSet>(Folder::Calendar),
                          {},
                          "/users/list/1"});
  return s;
}

const SecretFingerprints kSketchFingerprints = {
    {"/exchange/serviceAccount/password", "sha256:1111111111111111"},
    {"/nexj/channels/mail/password", "sha256:2222222222222222"},
};

std::vector<std::string> addresses(const DesiredState& d) {
  std::vector<std::string> out;
  for (const Resource& r : d.resources) out.push_back(r.address());
  return out;
}

const Resource& resource_at(const DesiredState& d, const std::string& address) {
  for (const Resource& r : d.resources)
    if (r.address() == address) return r;
  FAIL("no resource " << address);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("the sketch compiles to one resource per object, in declaration order", "[desired]") {
  DesiredState d = build_desired_state(sketch_spec(), kSketchFingerprints);
  CHECK(d.deployment == "acme-prod");
  CHECK(addresses(d) == std::vector<std::string>{
                            "exchange.service_account/nexj-sync",
                            "exchange.management_scope/NexJSyncedUsers",
                            "exchange.role_assignment/nexj-sync-ApplicationImpersonation",
                            "exchange.throttling_policy/NexJSyncPolicy",
                            "exchange.throttling_association/nexj-sync",
                            "nexj.mail_channel/Mail",
                            "nexj.http_channel/ExchangeEWSSender1",
                            "nexj.http_channel/ExchangeEWSNotificationReceiver",
                            "nexj.target/EXCH01",
                            "nexj.global_options/exchange",
                            "nexj.user_options/system",
                            "nexj.folder_link/jsmith/calendar",
                            "nexj.folder_link/jsmith/tasks",
                            "nexj.folder_link/jsmith/contacts",
                            "nexj.folder_link/mlee/calendar",
                        });
  for (const Resource& r : d.resources) CHECK(r.values.size() == r.type->fields.size());
  using Deps = std::vector<uint32_t>;
  CHECK(d.resources[0].depends_on.empty());
  CHECK(d.resources[2].depends_on == Deps{0, 1});
  CHECK(d.resources[4].depends_on == Deps{0, 3});
  CHECK(d.resources[6].depends_on == Deps{0});
  CHECK(d.resources[7].depends_on.empty());
  CHECK(d.resources[8].depends_on == Deps{6, 7});
  CHECK(d.resources[11].depends_on == Deps{8, 2});
  CHECK(d.resources[14].depends_on == Deps{8, 2});
  CHECK(d.resources[8].at == "/nexj/targets/0");
  CHECK(d.resources[14].at == "/users/list/1");
}

TEST_CASE("the service account password is managed only when syncdeploy creates it", "[desired]") {
  Spec spec = sketch_spec();
  DesiredState checked = build_desired_state(spec, kSketchFingerprints);
  const Resource& account = checked.resources[0];
  CHECK_FALSE(account.create_allowed);
  CHECK(field_value(account, "upn") == Value{std::string("nexj-sync@acme.local")});
  CHECK(is_unset(field_value(account, "password")));

  spec.exchange.serviceAccount.create = true;
  DesiredState created = build_desired_state(spec, kSketchFingerprints);
  CHECK(created.resources[0].create_allowed);
  CHECK(field_value(created.resources[0], "password") ==
        Value{SecretValue{"${env:NEXJ_SYNC_PASSWORD}", "sha256:1111111111111111"}});
  // Without resolved secrets (graph), the reference stays and the fingerprint is empty.
  DesiredState unresolved = build_desired_state(spec, {});
  CHECK(field_value(unresolved.resources[0], "password") ==
        Value{SecretValue{"${env:NEXJ_SYNC_PASSWORD}", ""}});
}

TEST_CASE("rbac impersonation: scope and role assignment", "[desired]") {
  DesiredState d = build_desired_state(sketch_spec(), kSketchFingerprints);
  const Resource& scope = resource_at(d, "exchange.management_scope/NexJSyncedUsers");
  CHECK(field_value(scope, "recipientFilter") ==
        Value{std::string("MemberOfGroup -eq 'NexJ Users'")});
  CHECK(is_unset(field_value(scope, "recipientRoot")));
  const Resource& ra =
      resource_at(d, "exchange.role_assignment/nexj-sync-ApplicationImpersonation");
  CHECK(field_value(ra, "role") == Value{std::string("ApplicationImpersonation")});
  CHECK(field_value(ra, "user") == Value{std::string("nexj-sync")});
  CHECK(field_value(ra, "customRecipientWriteScope") == Value{std::string("NexJSyncedUsers")});
  CHECK(field_value(ra, "enabled") == Value{true});

  Spec unscoped = sketch_spec();
  unscoped.exchange.impersonation.scope.reset();
  DesiredState u = build_desired_state(unscoped, kSketchFingerprints);
  CHECK(u.resources[1].address() == "exchange.role_assignment/nexj-sync-ApplicationImpersonation");
  CHECK(field_value(u.resources[1], "customRecipientWriteScope") == Value{std::string()});
  CHECK(u.resources[1].depends_on == std::vector<uint32_t>{0});
}

TEST_CASE("extendedRights impersonation: the two AD rights NexJ documents", "[desired]") {
  Spec spec = sketch_spec();
  spec.exchange.impersonation.method = Impersonation::Method::ExtendedRights;
  spec.exchange.impersonation.scope.reset();
  DesiredState d = build_desired_state(spec, kSketchFingerprints);
  CHECK(d.resources[1].address() == "exchange.ad_permission/nexj-sync/ms-Exch-EPI-Impersonation");
  CHECK(d.resources[2].address() == "exchange.ad_permission/nexj-sync/ms-Exch-EPI-May-Impersonate");
  CHECK(field_value(d.resources[1], "user") == Value{std::string("nexj-sync")});
  CHECK(field_value(d.resources[1], "appliesTo") == Value{std::string("client access servers")});
  CHECK(field_value(d.resources[2], "appliesTo") == Value{std::string("mailbox databases")});
  CHECK(d.resources[1].depends_on == std::vector<uint32_t>{0});
  const Resource& link = resource_at(d, "nexj.folder_link/mlee/calendar");
  CHECK(link.depends_on == std::vector<uint32_t>{8, 1, 2});
}

TEST_CASE("throttling: unlimited is null, numbers are int64, unset limits are not managed",
          "[desired]") {
  DesiredState d = build_desired_state(sketch_spec(), kSketchFingerprints);
  const Resource& p = resource_at(d, "exchange.throttling_policy/NexJSyncPolicy");
  CHECK(field_value(p, "ewsMaxConcurrency") == Value{NullValue{}});
  CHECK(field_value(p, "ewsMaxSubscriptions") == Value{NullValue{}});
  CHECK(field_value(p, "ewsMaxBurst") == Value{int64_t{500}});
  CHECK(is_unset(field_value(p, "ewsRechargeRate")));
  CHECK(is_unset(field_value(p, "ewsFindCountLimit")));
  const Resource& a = resource_at(d, "exchange.throttling_association/nexj-sync");
  CHECK(field_value(a, "policy") == Value{std::string("NexJSyncPolicy")});

  Spec none = sketch_spec();
  none.exchange.throttling.reset();
  DesiredState n = build_desired_state(none, kSketchFingerprints);
  CHECK(n.resources.size() == d.resources.size() - 2);
}

TEST_CASE("channels: mail as given, sender from server and account, receiver anonymous",
          "[desired]") {
  DesiredState d = build_desired_state(sketch_spec(), kSketchFingerprints);
  const Resource& mail = resource_at(d, "nexj.mail_channel/Mail");
  CHECK(field_value(mail, "from") == Value{std::string("crm@acme.com")});
  CHECK(field_value(mail, "outPort") == Value{int64_t{587}});
  CHECK(field_value(mail, "password") ==
        Value{SecretValue{"${env:CRM_MAIL_PASSWORD}", "sha256:2222222222222222"}});
  CHECK(is_unset(field_value(mail, "inHost")));
  CHECK(is_unset(field_value(mail, "enabled")));

  const Resource& sender = resource_at(d, "nexj.http_channel/ExchangeEWSSender1");
  CHECK(field_value(sender, "url") ==
        Value{std::string("https://exch01.acme.local/EWS/Exchange.asmx")});
  CHECK(field_value(sender, "authentication") == Value{std::string("basic")});
  CHECK(field_value(sender, "user") == Value{std::string("nexj-sync@acme.local")});
  CHECK(field_value(sender, "password") ==
        Value{SecretValue{"${env:NEXJ_SYNC_PASSWORD}", "sha256:1111111111111111"}});
  CHECK(field_value(sender, "secure") == Value{true});
  CHECK(field_value(sender, "maxSenders") == Value{int64_t{20}});
  CHECK(is_unset(field_value(sender, "readTimeout")));
  CHECK(is_unset(field_value(sender, "description")));

  const Resource& receiver = resource_at(d, "nexj.http_channel/ExchangeEWSNotificationReceiver");
  CHECK(field_value(receiver, "authentication") == Value{std::string("none")});
  CHECK(field_value(receiver, "secure") == Value{true});
  CHECK(is_unset(field_value(receiver, "url")));
  CHECK(is_unset(field_value(receiver, "password")));

  Spec spec = sketch_spec();
  spec.exchange.serviceAccount.upn.clear();
  spec.exchange.servers[0].ewsUrl = "https://mail.acme.com/EWS/Exchange.asmx";
  DesiredState d2 = build_desired_state(spec, kSketchFingerprints);
  const Resource& s2 = resource_at(d2, "nexj.http_channel/ExchangeEWSSender1");
  CHECK(field_value(s2, "user") == Value{std::string("nexj-sync")});
  CHECK(field_value(s2, "url") == Value{std::string("https://mail.acme.com/EWS/Exchange.asmx")});
  CHECK(is_unset(field_value(d2.resources[0], "upn")));
}

TEST_CASE("targets, global and user options", "[desired]") {
  DesiredState d = build_desired_state(sketch_spec(), kSketchFingerprints);
  const Resource& t = resource_at(d, "nexj.target/EXCH01");
  CHECK(field_value(t, "host") == Value{std::string("exch01.acme.local")});
  CHECK(field_value(t, "nexjUrl") == Value{std::string("https://crm.acme.local/nexj/anon")});
  CHECK(field_value(t, "version") == Value{std::string("Exchange2016")});
  CHECK(field_value(t, "subscription") == Value{std::string("push")});
  CHECK(field_value(t, "autodiscover") == Value{true});
  CHECK(field_value(t, "useInternalCAS") == Value{false});
  CHECK(field_value(t, "keepItemsOlderThanDays") == Value{int64_t{365}});
  CHECK(field_value(t, "sender") == Value{std::string("ExchangeEWSSender1")});
  CHECK(field_value(t, "receiver") == Value{std::string("ExchangeEWSNotificationReceiver")});
  CHECK(field_value(t, "enabled") == Value{true});

  const Resource& g = resource_at(d, "nexj.global_options/exchange");
  CHECK(field_value(g, "realtimeSync") == Value{std::string("running")});
  CHECK(field_value(g, "emailBlacklist") == Value{StringList{"^noreply@.*$"}});
  CHECK(is_unset(field_value(g, "batchSyncSetup.enabled")));
  const Resource& u = resource_at(d, "nexj.user_options/system");
  CHECK(field_value(u, "enableMeetingAlarmSynchronization") == Value{false});
  CHECK(is_unset(field_value(u, "enableDisplayOfExternalContacts")));

  Spec spec = sketch_spec();
  spec.nexj.channels.receiver.reset();
  spec.nexj.targets[0].subscription = Subscription::Streaming;
  spec.nexj.targets[0].nexjUrl = "https://lb.acme.local/nexj/anon";
  spec.nexj.globalOptions = GlobalOptions{};
  spec.exchange.version = ExchangeVersion::ExchangeOnline;
  DesiredState d2 = build_desired_state(spec, kSketchFingerprints);
  const Resource& t2 = resource_at(d2, "nexj.target/EXCH01");
  CHECK(is_unset(field_value(t2, "receiver")));
  CHECK(field_value(t2, "subscription") == Value{std::string("streaming")});
  CHECK(field_value(t2, "nexjUrl") == Value{std::string("https://lb.acme.local/nexj/anon")});
  CHECK(field_value(t2, "version") == Value{std::string("ExchangeOnline")});
  // Online: no impersonation resources, so the sender comes right after the mail channel.
  CHECK(d2.resources[4].address() == "nexj.http_channel/ExchangeEWSSender1");
  CHECK(t2.depends_on == std::vector<uint32_t>{4});
  for (const Resource& r : d2.resources) CHECK(r.type != &types::kGlobalOptions);
}

TEST_CASE("folder links: calendar, tasks, contacts per user", "[desired]") {
  Spec spec = sketch_spec();
  spec.users.list.push_back(
      {"csv1", "csv1@acme.com", "EXCH01", static_cast<FolderSet>(6), {1, 2}, ""});
  DesiredState d = build_desired_state(spec, kSketchFingerprints);
  const Resource& link = resource_at(d, "nexj.folder_link/jsmith/contacts");
  CHECK(link.values ==
        std::vector<Value>{std::string("EXCH01"), std::string("jsmith@acme.com"), true, Unset{}});
  // A CSV user (its target filled by the parser); its links have no spec pointer.
  const Resource& tasks = d.resources[d.resources.size() - 2];
  CHECK(tasks.address() == "nexj.folder_link/csv1/tasks");
  CHECK(d.resources.back().address() == "nexj.folder_link/csv1/contacts");
  CHECK(field_value(tasks, "target") == Value{std::string("EXCH01")});
  CHECK(tasks.at.empty());
  CHECK(tasks.depends_on == std::vector<uint32_t>{8, 2});
}

TEST_CASE("every type's enabled_field names its 'enabled' field", "[desired]") {
  for (const ResourceType* type : all_resource_types()) {
    INFO(type->name);
    CHECK(type->enabled_field == field_index(*type, "enabled"));
    // Only types that can be disabled have one; targets must, being never deleted.
    if (type->disable_when_removed) CHECK(type->enabled_field >= 0);
  }
}
