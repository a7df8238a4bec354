#include "spec/spec_reader.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "spec/document.h"
#include "spec/schema_check.h"

using namespace sd;

namespace {

Spec read_example(const std::string& name) {
  std::string path = std::string(SYNCDEPLOY_SOURCE_DIR) + "/examples/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  auto doc = parse_yaml(path, text.str());
  REQUIRE(doc.ok());
  REQUIRE(format_all(check_schema(*doc)) == "");
  return read_spec(*doc);
}

Spec read_spec_text(std::string_view text) {
  auto doc = parse_yaml("s.yaml", text);
  REQUIRE(doc.ok());
  return read_spec(*doc);
}

constexpr FolderSet bits(std::initializer_list<Folder> folders) {
  FolderSet set = 0;
  for (Folder f : folders) set |= static_cast<FolderSet>(f);
  return set;
}

}  // namespace

TEST_CASE("quickstart: values as written and every default applied", "[reader]") {
  Spec s = read_example("quickstart.yaml");
  CHECK(s.version == 1);
  CHECK(s.deployment == "quickstart");

  const Exchange& x = s.exchange;
  CHECK(x.version == ExchangeVersion::Exchange2016);
  CHECK(x.at == "/exchange");
  CHECK(x.management.url == "http://exch01.example.local/PowerShell/");
  CHECK(x.management.transport == ManagementTransport::Psrp);  // the default
  CHECK(x.management.auth == AuthMethod::Kerberos);
  CHECK(x.management.username == "deploy-admin@EXAMPLE.LOCAL");
  REQUIRE(x.management.password);
  CHECK(x.management.password->kind == SecretRef::Kind::Env);
  CHECK(x.management.password->name == "EXCH_ADMIN_PASSWORD");
  CHECK(x.management.password->at == "/exchange/management/password");
  CHECK(x.management.caFile == "");
  CHECK(x.serviceAccount.identity == "nexj-sync");
  CHECK(x.serviceAccount.upn == "nexj-sync@example.local");
  CHECK(x.serviceAccount.password->text() == "${env:NEXJ_SYNC_PASSWORD}");
  CHECK(x.serviceAccount.create);
  CHECK(x.impersonation.method == Impersonation::Method::Rbac);
  CHECK(x.impersonation.assignmentName == "nexj-sync-ApplicationImpersonation");
  CHECK(x.impersonation.assignmentNameDefaulted);
  CHECK_FALSE(x.impersonation.scope);
  REQUIRE(x.throttling);
  CHECK(x.throttling->policy == "NexJSyncPolicy");
  CHECK(x.throttling->ews.maxConcurrency->unlimited());
  CHECK(x.throttling->ews.maxSubscriptions->unlimited());
  CHECK(x.throttling->ews.maxBurst->unlimited());
  CHECK_FALSE(x.throttling->ews.percentTimeInCAS);
  CHECK(x.throttling->ews.at == "/exchange/throttling/ews");
  REQUIRE(x.servers.size() == 1);
  CHECK(x.servers[0].ewsUrl == "https://exch01.example.local/EWS/Exchange.asmx");
  CHECK(x.servers[0].at == "/exchange/servers/0");

  const Nexj& n = s.nexj;
  CHECK(n.url == "https://crm.example.local/nexj");
  CHECK(n.anonymousUrl == "https://crm.example.local/nexj/anon");
  CHECK(n.environmentFile == "env/quickstart.environment");
  CHECK(n.store == "sqlite:state/nexj-config.db");
  REQUIRE(n.channels.mail);
  CHECK(n.channels.mail->channel == "Mail");
  CHECK(n.channels.mail->outPort == 587u);
  CHECK(n.channels.mail->outEncryption == "TLS");
  CHECK_FALSE(n.channels.mail->inHost);
  CHECK(n.channels.mail->password->at == "/nexj/channels/mail/password");
  REQUIRE(n.channels.senders.size() == 1);
  CHECK(n.channels.senders[0].channel == "ExchangeEWSSender1");
  CHECK(n.channels.senders[0].authentication == "basic");
  CHECK_FALSE(n.channels.senders[0].maxSenders);
  REQUIRE(n.channels.receiver);
  CHECK(n.channels.receiver->channel == "ExchangeEWSNotificationReceiver");
  REQUIRE(n.targets.size() == 1);
  const Target& t = n.targets[0];
  CHECK(t.name == "EXCH01");
  CHECK(t.subscription == Subscription::Push);
  CHECK_FALSE(t.autodiscover);
  CHECK_FALSE(t.useInternalCAS);
  CHECK(t.enabled);
  CHECK(t.nexjUrl == "https://crm.example.local/nexj/anon");
  CHECK(t.at == "/nexj/targets/0");
  CHECK(n.globalOptions.present);
  CHECK(n.globalOptions.autodiscover.enabled == true);
  CHECK(n.globalOptions.autodiscover.startTime == "02:00");
  CHECK(n.globalOptions.autodiscover.periodMinutes == 1440u);
  CHECK(n.globalOptions.realtimeSyncPaused == false);
  CHECK_FALSE(n.globalOptions.batchSyncSetup.enabled);
  CHECK_FALSE(n.globalOptions.emailBlacklist);
  REQUIRE(n.userOptions.size() == 1);
  CHECK(n.userOptions[0].scope == "system");
  CHECK(n.userOptions[0].enableMeetingAlarmSynchronization == true);
  CHECK_FALSE(n.userOptions[0].enableRelatedInfoNotes);

  const Users& u = s.users;
  CHECK(u.defaultTarget == "EXCH01");
  CHECK(u.defaultFolders == kAllFolders);
  CHECK_FALSE(u.prune);
  CHECK(u.csvFiles.empty());
  REQUIRE(u.list.size() == 3);
  CHECK(u.list[0].login == "jsmith");
  CHECK(u.list[0].target == "EXCH01");
  CHECK(u.list[0].folders == kAllFolders);
  CHECK(u.list[0].origin.source == 0);
  CHECK(u.list[0].at == "/users/list/0");
  CHECK(u.list[1].folders == bits({Folder::Calendar}));
  CHECK(u.list[2].folders == bits({Folder::Calendar, Folder::Tasks}));
}

TEST_CASE("acme-prod: scope, throttling, three of everything, csv", "[reader]") {
  Spec s = read_example("acme-prod.yaml");
  const Exchange& x = s.exchange;
  CHECK(x.management.caFile == "certs/acme-root.pem");
  CHECK(x.management.transport == ManagementTransport::Winrs);
  CHECK(x.impersonation.specified);
  CHECK(x.impersonation.assignmentName == "NexJ-Sync-Impersonation");
  CHECK_FALSE(x.impersonation.assignmentNameDefaulted);
  REQUIRE(x.impersonation.scope);
  CHECK(x.impersonation.scope->name == "NexJSyncedUsers");
  CHECK(x.impersonation.scope->recipientFilter ==
        "MemberOfGroup -eq 'CN=NexJ Users,OU=Groups,DC=acme,DC=local'");
  CHECK(x.impersonation.scope->recipientRoot == "acme.local/Advisors");
  CHECK(x.impersonation.scope->at == "/exchange/impersonation/scope");
  CHECK(x.throttling->ews.maxSubscriptions->value == 5000u);
  CHECK(x.throttling->ews.cutoffBalance->unlimited());
  CHECK_FALSE(x.throttling->ews.percentTimeInAD);
  REQUIRE(x.servers.size() == 3);
  CHECK(x.servers[1].ewsUrl == "https://exch02.acme.local/EWS/Exchange.asmx");
  CHECK(x.servers[2].ewsUrl == "https://mail-west.acme.com/EWS/Exchange.asmx");

  const Nexj& n = s.nexj;
  CHECK(n.anonymousUrl == "https://crm.acme.local/nexj/anon");
  CHECK(n.channels.mail->inProtocol == "imap");
  CHECK(n.channels.mail->inPort == 993u);
  CHECK(n.channels.mail->enabled == true);
  REQUIRE(n.channels.senders.size() == 3);
  CHECK(n.channels.senders[0].maxSenders == 20u);
  CHECK(n.channels.senders[0].readTimeout == 120000u);
  CHECK(n.channels.senders[2].description == "West region CAS, streaming");
  REQUIRE(n.targets.size() == 3);
  CHECK(n.targets[2].subscription == Subscription::Streaming);
  CHECK(n.targets[2].autodiscover);
  CHECK(n.targets[2].keepItemsOlderThanDays == 180u);
  const GlobalOptions& g = n.globalOptions;
  CHECK(g.batchSyncSetup.enabled == false);
  CHECK(g.batchSyncSetup.startTime == "00:00");
  CHECK(g.batchSyncSetup.activationAttempts == 5u);
  CHECK(g.batchSyncSetup.daysInPast == 30u);
  CHECK(g.batchSyncSetup.daysInFuture == 365u);
  CHECK(g.customizedOccurrences == 100u);
  CHECK(g.assignedToUsersThreshold == 50u);
  REQUIRE(g.emailBlacklist);
  CHECK(*g.emailBlacklist == std::vector<std::string>{"^noreply@.*$",
                                                      ".*@newsletter\\.example\\.com$",
                                                      "^calendar-bot@acme\\.com$"});
  REQUIRE(n.userOptions.size() == 2);
  CHECK(n.userOptions[1].scope == "userType:Advisor");
  CHECK(n.userOptions[1].at == "/nexj/userOptions/1");

  const Users& u = s.users;
  REQUIRE(u.list.size() == 3);  // CSV rows are read later (users_csv.h)
  CHECK(u.list[2].target == "EXCH-WEST");
  CHECK(u.csvFiles == std::vector<std::string>{"users/advisors.csv"});
  CHECK(u.csvAt == std::vector<std::string>{"/users/csv"});
}

TEST_CASE("reader defaults: anonymous URL, single target, csv lists, secrets", "[reader]") {
  Spec s = read_spec_text(R"(version: 1
deployment: d
exchange:
  version: ExchangeSE
  management: {url: https://m, password: '${file:secrets/admin}'}
  serviceAccount: {identity: 'ACME\svc@acme.com'}
  servers: [{name: eo, host: mail.example.com}]
nexj:
  url: https://crm.example.com/nexj/
  channels: {senders: [{channel: S, server: eo}]}
  targets: [{name: T, server: eo, sender: S, subscription: streaming}]
users:
  defaults: {folders: [contacts]}
  csv: [a.csv, b.csv]
  list: [{login: x, email: x@y}]
)");
  CHECK(s.exchange.version == ExchangeVersion::ExchangeSE);
  CHECK(s.exchange.management.auth == AuthMethod::Negotiate);
  CHECK(s.exchange.management.spn == "HTTP/m");
  CHECK(s.exchange.serviceAccount.auth == AuthMethod::Negotiate);
  CHECK(s.exchange.servers[0].spn == "HTTP/mail.example.com");
  CHECK(s.exchange.management.password->kind == SecretRef::Kind::File);
  CHECK(s.exchange.management.password->name == "secrets/admin");
  CHECK(s.exchange.impersonation.assignmentName == "svc-ApplicationImpersonation");
  CHECK(s.exchange.impersonation.at == "/exchange/impersonation");
  CHECK_FALSE(s.exchange.impersonation.specified);
  CHECK_FALSE(s.exchange.throttling);
  CHECK(s.nexj.anonymousUrl == "https://crm.example.com/nexj/anon");
  CHECK(s.nexj.targets[0].nexjUrl == "https://crm.example.com/nexj/anon");
  CHECK(s.nexj.targets[0].subscription == Subscription::Streaming);
  CHECK_FALSE(s.nexj.channels.mail);
  CHECK_FALSE(s.nexj.channels.receiver);
  CHECK_FALSE(s.nexj.globalOptions.present);
  CHECK(s.nexj.globalOptions.at == "/nexj/globalOptions");
  CHECK(s.users.defaultTarget == "T");
  CHECK(s.users.defaultFolders == bits({Folder::Contacts}));
  CHECK(s.users.list[0].folders == bits({Folder::Contacts}));
  CHECK(s.users.list[0].target == "T");
  CHECK(s.users.csvFiles == std::vector<std::string>{"a.csv", "b.csv"});
  CHECK(s.users.csvAt == std::vector<std::string>{"/users/csv/0", "/users/csv/1"});
}

TEST_CASE("the reader survives shapes the schema would refuse", "[reader]") {
  for (const char* text : {"", "- 1\n", "exchange: 5\nnexj: [1]\nusers: {list: 3, csv: {a: 1}}\n",
                           "exchange: {servers: [1, {name: 2}], throttling: {ews: 7}}\n"
                           "nexj: {targets: [null], userOptions: [[]], globalOptions: "
                           "{emailBlacklist: [1, x]}}\n"}) {
    INFO(text);
    Spec s = read_spec_text(text);
    CHECK(s.version == 1);
  }
}

TEST_CASE("to_string spells enums the way the spec writes them", "[reader]") {
  CHECK(std::string(to_string(ExchangeVersion::Exchange2010)) == "Exchange2010");
  CHECK(std::string(to_string(ExchangeVersion::Exchange2019)) == "Exchange2019");
  CHECK(std::string(to_string(ExchangeVersion::ExchangeSE)) == "ExchangeSE");
  CHECK(std::string(to_string(ExchangeVersion::ExchangeOnline)) == "ExchangeOnline");
  CHECK(std::string(to_string(Folder::Calendar)) == "calendar");
  CHECK(std::string(to_string(Folder::Tasks)) == "tasks");
  CHECK(std::string(to_string(Folder::Contacts)) == "contacts");
  CHECK(std::string(to_string(Subscription::Push)) == "push");
  CHECK(std::string(to_string(Subscription::Streaming)) == "streaming");
}
