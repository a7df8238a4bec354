#include "spec/semantic_rules.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <string>

#include "spec/document.h"

using namespace sd;

namespace {

// A valid spec. The Spec below mirrors it by hand (the spec reader is tested on its own), so
// every `at` points at a real node and errors land on these lines.
constexpr std::string_view kYaml = R"(version: 1
deployment: acme-prod
exchange:
  version: Exchange2016
  management:
    url: https://exch01.acme.local:5986/wsman
    auth: basic
    username: ACME\deploy-admin
    password: ${env:EXCH_ADMIN_PASSWORD}
  serviceAccount:
    identity: nexj-sync
    upn: nexj-sync@acme.local
  impersonation:
    method: rbac
    scope:
      name: NexJSyncedUsers
      recipientFilter: "MemberOfGroup -eq 'CN=NexJ Users,DC=acme,DC=local'"
  throttling:
    policy: NexJSyncPolicy
    ews:
      maxConcurrency: unlimited
      maxBurst: unlimited
      percentTimeInAD: 100
  servers:
    - name: exch01
      host: exch01.acme.local
      ewsUrl: https://exch01.acme.local/EWS/Exchange.asmx
    - name: exch02
      host: exch02.acme.local
nexj:
  url: https://crm.acme.local/nexj
  anonymousUrl: https://crm.acme.local/nexj/anon
  channels:
    mail:
      channel: Mail
      from: crm@acme.com
      outAuthentication: basic
      user: crm-mail
      password: ${env:CRM_MAIL_PASSWORD}
    senders:
      - channel: ExchangeEWSSender1
        server: exch01
        maxSenders: 20
      - channel: ExchangeEWSSender2
        server: exch02
    receiver:
      channel: ExchangeEWSNotificationReceiver
  targets:
    - name: EXCH01
      server: exch01
      sender: ExchangeEWSSender1
      subscription: push
      autodiscover: true
      nexjUrl: https://crm.acme.local/nexj/anon
    - name: EXCH02
      server: exch02
      sender: ExchangeEWSSender2
      subscription: push
  globalOptions:
    batchSyncSetup: { startTime: "00:00", periodMinutes: 1440 }
    autodiscover: { startTime: "02:00" }
    emailBlacklist: ['^noreply@.*$', '.*@newsletter\.example\.com$']
  userOptions:
    - scope: system
    - scope: user:jsmith
users:
  defaults: { target: EXCH01 }
  list:
    - login: jsmith
      email: jsmith@acme.com
    - login: mlee
      email: mlee@acme.com
      target: EXCH02
  csv: users/advisors.csv
)";

const Document& doc() {
  static const Document d = [] {
    auto parsed = parse_yaml("spec.yaml", kYaml);
    REQUIRE(parsed.ok());
    return std::move(parsed).value();
  }();
  return d;
}

SecretRef env(std::string name, std::string at) {
  return SecretRef{SecretRef::Kind::Env, std::move(name), std::move(at)};
}

Spec base_spec() {
  Spec s;
  s.file = "spec.yaml";
  s.deployment = "acme-prod";
  Exchange& ex = s.exchange;
  ex.at = "/exchange";
  ex.version = ExchangeVersion::Exchange2016;
  ex.management = {"https://exch01.acme.local:5986/wsman",
                   AuthMethod::Basic,
                   "ACME\\deploy-admin",
                   env("EXCH_ADMIN_PASSWORD", "/exchange/management/password"),
                   "",
                   "HTTP/exch01.acme.local",
                   "",
                   "",
                   "",
                   "/exchange/management"};
  ex.serviceAccount.identity = "nexj-sync";
  ex.serviceAccount.upn = "nexj-sync@acme.local";
  ex.serviceAccount.at = "/exchange/serviceAccount";
  ex.impersonation.at = "/exchange/impersonation";
  ex.impersonation.specified = true;
  ex.impersonation.assignmentName = "nexj-sync-ApplicationImpersonation";  // as read_spec derives
  ex.impersonation.assignmentNameDefaulted = true;
  ex.impersonation.scope = ManagementScope{"NexJSyncedUsers", "MemberOfGroup -eq 'x'", "",
                                           "/exchange/impersonation/scope"};
  ex.throttling = Throttling{"NexJSyncPolicy", {}, "/exchange/throttling"};
  ex.throttling->ews.at = "/exchange/throttling/ews";
  ex.throttling->ews.maxConcurrency = Limit{};
  ex.throttling->ews.maxBurst = Limit{};
  ex.servers = {{"exch01", "exch01.acme.local", "https://exch01.acme.local/EWS/Exchange.asmx",
                 "HTTP/exch01.acme.local", "/exchange/servers/0"},
                {"exch02", "exch02.acme.local", "https://exch02.acme.local/EWS/Exchange.asmx",
                 "HTTP/exch02.acme.local", "/exchange/servers/1"}};
  Nexj& nx = s.nexj;
  nx.at = "/nexj";
  nx.url = "https://crm.acme.local/nexj";
  nx.anonymousUrl = "https://crm.acme.local/nexj/anon";
  nx.channels.at = "/nexj/channels";
  MailChannel mail;
  mail.from = "crm@acme.com";
  mail.outAuthentication = "basic";
  mail.user = "crm-mail";
  mail.password = env("CRM_MAIL_PASSWORD", "/nexj/channels/mail/password");
  mail.at = "/nexj/channels/mail";
  nx.channels.mail = mail;
  SenderChannel s1, s2;
  s1.channel = "ExchangeEWSSender1", s1.server = "exch01", s1.maxSenders = 20u;
  s1.at = "/nexj/channels/senders/0";
  s2.channel = "ExchangeEWSSender2", s2.server = "exch02", s2.at = "/nexj/channels/senders/1";
  nx.channels.senders = {s1, s2};
  nx.channels.receiver = ReceiverChannel{};
  nx.channels.receiver->at = "/nexj/channels/receiver";
  Target t1, t2;
  t1.name = "EXCH01", t1.server = "exch01", t1.sender = "ExchangeEWSSender1";
  t1.autodiscover = true, t1.nexjUrl = "https://crm.acme.local/nexj/anon";
  t1.at = "/nexj/targets/0";
  t2.name = "EXCH02", t2.server = "exch02", t2.sender = "ExchangeEWSSender2";
  t2.nexjUrl = "https://crm.acme.local/nexj/anon";  // read_spec's default: anonymousUrl
  t2.at = "/nexj/targets/1";
  nx.targets = {t1, t2};
  GlobalOptions& g = nx.globalOptions;
  g.at = "/nexj/globalOptions", g.present = true;
  g.batchSyncSetup.startTime = "00:00", g.batchSyncSetup.periodMinutes = 1440u;
  g.autodiscover.startTime = "02:00";
  g.emailBlacklist = std::vector<std::string>{"^noreply@.*$", ".*@newsletter\\.example\\.com$"};
  UserOptions o1, o2;
  o1.scope = "system", o1.at = "/nexj/userOptions/0";
  o2.scope = "user:jsmith", o2.at = "/nexj/userOptions/1";
  nx.userOptions = {o1, o2};
  Users& u = s.users;
  u.at = "/users";
  u.defaultTarget = "EXCH01";
  u.csvFiles = {"users/advisors.csv"};
  u.csvAt = {"/users/csv"};
  u.list.push_back({"jsmith", "jsmith@acme.com", "EXCH01", kAllFolders, {}, "/users/list/0"});
  u.list.push_back({"mlee", "mlee@acme.com", "EXCH02", kAllFolders, {}, "/users/list/1"});
  return s;
}

User csv_user(std::string login, std::string email, uint32_t line, std::string target = "EXCH01") {
  return User{std::move(login), std::move(email), std::move(target), kAllFolders, {1, line}, ""};
}

std::string check(const Spec& spec) {
  return format_all(check_semantics(spec, doc()));
}

}  // namespace

TEST_CASE("rules: the sketch spec is clean", "[rules]") {
  Spec s = base_spec();
  s.users.list.push_back(csv_user("csv1", "csv1@acme.com", 2));
  CHECK(check(s).empty());
}

TEST_CASE("rules: references resolve, listing what is defined", "[rules]") {
  Spec s = base_spec();
  s.nexj.targets[0].server = "exch9";
  s.nexj.targets[1].sender = "Sender9";
  s.nexj.channels.senders[1].server = "EXCH02";
  s.users.defaultTarget = "EXCH07";
  s.users.list[1].target = "EXCH08";
  s.users.list.push_back(csv_user("csv1", "csv1@acme.com", 7, "EXCH09"));
  CHECK(check(s) ==
        "spec.yaml:45:17: error: unknown server 'EXCH02'; defined servers: exch01, exch02 "
        "(nexj.channels.senders[1].server)\n"
        "spec.yaml:50:15: error: unknown server 'exch9'; defined servers: exch01, exch02 "
        "(nexj.targets[0].server)\n"
        "spec.yaml:57:15: error: unknown sender channel 'Sender9'; defined sender channels: "
        "ExchangeEWSSender1, ExchangeEWSSender2 (nexj.targets[1].sender)\n"
        "spec.yaml:67:23: error: unknown target 'EXCH07'; defined targets: EXCH01, EXCH02 "
        "(users.defaults.target)\n"
        "spec.yaml:73:15: error: unknown target 'EXCH08'; defined targets: EXCH01, EXCH02 "
        "(users.list[1].target)\n"
        "users/advisors.csv:7: error: unknown target 'EXCH09'; defined targets: EXCH01, EXCH02 "
        "(column target)\n");
}

TEST_CASE("rules: long name lists are cut at ten", "[rules]") {
  Spec s = base_spec();
  s.exchange.servers.clear();
  for (int i = 0; i < 12; ++i)
    s.exchange.servers.push_back({fmt::format("s{}", i), fmt::format("s{}.acme.local", i), "", "",
                                  fmt::format("/exchange/servers/{}", i)});
  s.nexj.targets.resize(1);
  s.nexj.targets[0].server = "exch01";
  s.users.list[1].target = "EXCH01";
  s.nexj.channels.senders[0].server = "s0";
  s.nexj.channels.senders[1].server = "s1";
  CHECK(check(s) ==
        "spec.yaml:50:15: error: unknown server 'exch01'; defined servers: s0, s1, s2, s3, s4, "
        "s5, s6, s7, s8, s9 and 2 more (nexj.targets[0].server)\n");
}

TEST_CASE("rules: a target's sender must point at the target's server", "[rules]") {
  Spec s = base_spec();
  s.nexj.targets[1].sender = "ExchangeEWSSender1";
  CHECK(check(s) ==
        "spec.yaml:57:15: error: target 'EXCH02' is on server 'exch02' but its sender "
        "'ExchangeEWSSender1' points at server 'exch01' (nexj.targets[1].sender)\n");
}

TEST_CASE("rules: names are unique, without case", "[rules]") {
  Spec s = base_spec();
  s.exchange.servers[1].name = "EXCH01";
  s.exchange.servers[1].host = "exch01.ACME.local";
  s.nexj.targets[1].name = "exch01";
  s.nexj.targets[1].server = "exch01";
  s.nexj.targets[1].sender = "ExchangeEWSSender1";
  s.nexj.channels.senders[1].channel = "Mail";
  s.nexj.channels.senders[1].server = "exch01";
  s.nexj.channels.receiver->channel = "exchangeEWSSender1";
  s.nexj.userOptions[0].scope = "user:JSmith";
  s.users.list[1].target = "EXCH01";
  CHECK(check(s) ==
        "spec.yaml:28:13: error: duplicate server name 'EXCH01' (first at line 25) "
        "(exchange.servers[1].name)\n"
        "spec.yaml:29:13: error: duplicate server host 'exch01.ACME.local' (first at line 26) "
        "(exchange.servers[1].host)\n"
        "spec.yaml:44:18: error: duplicate channel name 'Mail' (first at line 35) "
        "(nexj.channels.senders[1].channel)\n"
        "spec.yaml:47:16: error: duplicate channel name 'exchangeEWSSender1' (first at line 41) "
        "(nexj.channels.receiver.channel)\n"
        "spec.yaml:55:13: error: duplicate target name 'exch01' (first at line 49) "
        "(nexj.targets[1].name)\n"
        "spec.yaml:56:15: error: target 'exch01' uses server 'exch01' like target 'EXCH01' "
        "(line 50); each Exchange server has exactly one target (nexj.targets[1].server)\n"
        "spec.yaml:65:14: error: duplicate userOptions scope 'user:jsmith' (first at line 64) "
        "(nexj.userOptions[1].scope)\n");
}

TEST_CASE("rules: logins and email addresses are unique across the spec and CSV files", "[rules]") {
  Spec s = base_spec();
  s.users.list.push_back(csv_user("JSmith", "js@acme.com", 4));
  s.users.list.push_back(csv_user("other", "MLEE@acme.com", 5));
  s.users.list.push_back(csv_user("other", "other2@acme.com", 9));
  CHECK(check(s) ==
        "users/advisors.csv:4: error: duplicate login 'JSmith' (first at spec.yaml:69) "
        "(column login)\n"
        "users/advisors.csv:5: error: duplicate email address 'MLEE@acme.com' (first for login "
        "'mlee' at spec.yaml:72) (column email)\n"
        "users/advisors.csv:9: error: duplicate login 'other' (first at line 5) (column login)\n");
}

TEST_CASE("rules: email addresses and the service account's UPN are valid", "[rules]") {
  Spec s = base_spec();
  s.users.list[0].email = "jsmith@";
  s.users.list[1].login = "m\nlee";
  s.nexj.channels.mail->from = "crm at acme.com";
  s.exchange.serviceAccount.upn = "nexj-sync@acme";
  CHECK(check(s) ==
        "spec.yaml:12:10: error: invalid user principal name \"nexj-sync@acme\": the domain has "
        "no '.' (exchange.serviceAccount.upn)\n"
        "spec.yaml:36:13: error: invalid email address \"crm at acme.com\": no '@' "
        "(nexj.channels.mail.from)\n"
        "spec.yaml:70:14: error: invalid email address \"jsmith@\": nothing after '@' "
        "(users.list[0].email)\n"
        "spec.yaml:71:14: error: login \"m\\nlee\" has a control character "
        "(users.list[1].login)\n");
  s = base_spec();
  s.exchange.serviceAccount.upn = "ACME\\nexj-sync";
  CHECK(check(s).empty());
  s.exchange.serviceAccount.upn = "ACME\\";
  CHECK(check(s) ==
        "spec.yaml:12:10: error: invalid account name \"ACME\\\\\": expected DOMAIN\\name or "
        "name@domain (exchange.serviceAccount.upn)\n");
}

TEST_CASE("rules: subscription type follows the Exchange version, streaming needs autodiscover",
          "[rules]") {
  Spec s = base_spec();
  s.exchange.version = ExchangeVersion::Exchange2010;
  s.exchange.throttling.reset();
  s.nexj.targets[1].subscription = Subscription::Streaming;
  CHECK(check(s) ==
        "spec.yaml:44:9: error: sender 'ExchangeEWSSender2' needs maxSenders: NexJ requires it "
        "with streaming subscriptions (a tenth of the synchronized users is the usual value) "
        "(nexj.channels.senders[1].maxSenders)\n"
        "spec.yaml:55:7: error: streaming subscriptions need autodiscover: true on the target "
        "(nexj.targets[1].autodiscover)\n"
        "spec.yaml:58:21: error: Exchange2010 supports push subscriptions only; streaming needs "
        "Exchange 2013 or later (nexj.targets[1].subscription)\n");
}

TEST_CASE("rules: throttling parameters follow the Exchange version", "[rules]") {
  Spec s = base_spec();
  s.exchange.throttling->ews.percentTimeInAD = Limit{100u};
  s.exchange.throttling->ews.maxConcurrency = Limit{0u};
  CHECK(check(s) ==
        "spec.yaml:21:23: error: maxConcurrency 0 would refuse every EWS request of the service "
        "account; give at least 1 or unlimited (exchange.throttling.ews.maxConcurrency)\n"
        "spec.yaml:23:24: error: percentTimeInAD (EWSPercentTimeInAD) exists only on "
        "Exchange2010, not on Exchange2016 (exchange.throttling.ews.percentTimeInAD)\n");
  // Exchange SE takes what Exchange 2019 takes.
  s.exchange.version = ExchangeVersion::ExchangeSE;
  CHECK(check(s) ==
        "spec.yaml:21:23: error: maxConcurrency 0 would refuse every EWS request of the service "
        "account; give at least 1 or unlimited (exchange.throttling.ews.maxConcurrency)\n"
        "spec.yaml:23:24: error: percentTimeInAD (EWSPercentTimeInAD) exists only on "
        "Exchange2010, not on ExchangeSE (exchange.throttling.ews.percentTimeInAD)\n");
  s = base_spec();
  s.exchange.version = ExchangeVersion::Exchange2010;
  s.exchange.throttling->ews.percentTimeInAD = Limit{100u};
  CHECK(check(s) ==
        "spec.yaml:22:17: error: maxBurst (EwsMaxBurst) does not exist on Exchange2010; it came "
        "with Exchange 2013 (exchange.throttling.ews.maxBurst)\n");
}

TEST_CASE("rules: impersonation scope needs rbac, Exchange names fit in 64 characters", "[rules]") {
  Spec s = base_spec();
  s.exchange.impersonation.method = Impersonation::Method::ExtendedRights;
  CHECK(check(s) ==
        "spec.yaml:16:7: error: scope limits an RBAC role assignment; method extendedRights has "
        "no scope (exchange.impersonation.scope)\n");
  s = base_spec();
  s.exchange.serviceAccount.identity = std::string(40, 'n');
  s.exchange.impersonation.assignmentName = std::string(40, 'n') + "-ApplicationImpersonation";
  s.exchange.impersonation.scope->name = std::string(65, 's');
  CHECK(check(s) ==
        "spec.yaml:11:15: error: the role assignment name "
        "'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn-ApplicationImpersonation' derived from the "
        "identity is not a valid Exchange object name: it is 65 characters long; Exchange allows "
        "at most 64; set exchange.impersonation.assignmentName "
        "(exchange.serviceAccount.identity)\n"
        "spec.yaml:16:13: error: scope name is 65 characters long; Exchange allows at most 64 "
        "(exchange.impersonation.scope.name)\n");
  // A written name the schema let through (it checks the same pattern) lands on the name.
  s.exchange.impersonation.assignmentNameDefaulted = false;
  s.exchange.impersonation.assignmentName = "-NexJ";
  s.exchange.impersonation.scope->name = "NexJSyncedUsers";
  CHECK(check(s) ==
        "spec.yaml:14:5: error: assignmentName '-NexJ' is not a valid Exchange object name: it "
        "starts with '-'; start with a letter or digit (exchange.impersonation.assignmentName)\n");
}

TEST_CASE("rules: URLs are https with a host", "[rules]") {
  Spec s = base_spec();
  s.nexj.url = "http://crm.acme.local/nexj";
  s.nexj.anonymousUrl = "crm.acme.local/nexj/anon";
  s.nexj.targets[0].nexjUrl = "https://admin:pw@crm.acme.local/nexj/anon";
  s.exchange.management.url = "https://exch01.acme.local:99999/wsman";
  s.exchange.servers[0].ewsUrl = "https:///EWS/Exchange.asmx";
  CHECK(check(s) ==
        "spec.yaml:6:10: error: invalid URL \"https://exch01.acme.local:99999/wsman\": the port "
        "is not a number from 1 to 65535 (exchange.management.url)\n"
        "spec.yaml:27:15: error: invalid URL \"https:///EWS/Exchange.asmx\": no host "
        "(exchange.servers[0].ewsUrl)\n"
        "spec.yaml:31:8: error: \"http://crm.acme.local/nexj\" must use https (SSL on the NexJ "
        "application server is a precondition of Exchange synchronization), not http "
        "(nexj.url)\n"
        "spec.yaml:32:17: error: invalid URL \"crm.acme.local/nexj/anon\": expected "
        "scheme://host[:port][/path] (nexj.anonymousUrl)\n"
        "spec.yaml:54:16: error: invalid URL \"https://admin:pw@crm.acme.local/nexj/anon\": user "
        "names and passwords do not belong in a URL (nexj.targets[0].nexjUrl)\n");
}

TEST_CASE("rules: URL hosts may be IPv6 literals, spaces are refused", "[rules]") {
  Spec s = base_spec();
  s.nexj.url = "https://[2001:db8::1]:8443/nexj";
  s.nexj.anonymousUrl = "https://crm acme/nexj/anon";
  CHECK(check(s) ==
        "spec.yaml:32:17: error: invalid URL \"https://crm acme/nexj/anon\": spaces and control "
        "characters are not allowed (nexj.anonymousUrl)\n");
}

TEST_CASE("rules: push needs a receiver channel at a URL Exchange can reach", "[rules]") {
  Spec s = base_spec();
  s.nexj.channels.receiver.reset();
  s.nexj.anonymousUrl = "https://localhost:8443/nexj/anon";
  s.nexj.targets[1].nexjUrl = s.nexj.anonymousUrl;  // not written: read_spec copies anonymousUrl
  CHECK(check(s) ==
        "spec.yaml:32:17: error: target 'EXCH02' uses push subscriptions: Exchange posts "
        "notifications to \"https://localhost:8443/nexj/anon\", and 'localhost' is not reachable "
        "from the Exchange server (nexj.anonymousUrl)\n"
        "spec.yaml:52:21: error: push subscriptions need the notification receiver channel "
        "(nexj.channels.receiver) (nexj.targets[0].subscription)\n"
        "spec.yaml:58:21: error: push subscriptions need the notification receiver channel "
        "(nexj.channels.receiver) (nexj.targets[1].subscription)\n");
}

TEST_CASE("rules: emailBlacklist patterns are regular expressions that compile", "[rules]") {
  Spec s = base_spec();
  s.nexj.globalOptions.emailBlacklist = std::vector<std::string>{"*@domain.com", "", "(a|b"};
  std::string what;
  try {
    std::regex r("(a|b", std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    what = e.what();  // the standard library's own text, which differs between libraries
  }
  REQUIRE_FALSE(what.empty());
  // The third pattern has no node of its own in the YAML: the error lands on the list.
  CHECK(check(s) ==
        "spec.yaml:62:21: error: pattern \"(a|b\" is not a valid regular expression: " + what +
            " (nexj.globalOptions.emailBlacklist[2])\n"
            "spec.yaml:62:22: error: pattern \"*@domain.com\" is not a valid regular expression: "
            "'*' at the start has nothing to repeat (these are regular expressions, not "
            "wildcards: *@example.com is written .*@example\\.com) "
            "(nexj.globalOptions.emailBlacklist[0])\n"
            "spec.yaml:62:38: error: an empty pattern matches every address "
            "(nexj.globalOptions.emailBlacklist[1])\n");
}

TEST_CASE("rules: every user needs a target, from the user or from users.defaults", "[rules]") {
  Spec s = base_spec();
  s.users.defaultTarget.clear();
  s.users.list[0].target.clear();
  s.users.list.push_back(csv_user("c1", "c1@acme.com", 3, ""));
  s.users.list.push_back(csv_user("c2", "c2@acme.com", 8, ""));
  CHECK(check(s) ==
        "spec.yaml:69:7: error: user 'jsmith' has no target: give target or set "
        "users.defaults.target (users.list[0].target)\n"
        "users/advisors.csv:3: error: 2 users without a target (first at this line); fill the "
        "target column or set users.defaults.target (column target)\n");
  s.users.list.clear();
  s.users.prune = true;
  CHECK(check(s).empty());
}

TEST_CASE("rules: management auth has what it needs", "[rules]") {
  Spec s = base_spec();
  s.exchange.management.password.reset();
  s.exchange.management.keyFile = "certs/key.pem";
  CHECK(check(s) ==
        "spec.yaml:6:5: error: certificateFile and keyFile are used only with auth: certificate "
        "(exchange.management.keyFile)\n"
        "spec.yaml:7:11: error: auth basic needs username and password; missing: password "
        "(exchange.management.auth)\n");
  s.exchange.management.auth = AuthMethod::Certificate;
  CHECK(check(s) ==
        "spec.yaml:7:11: error: auth certificate needs certificateFile and keyFile; missing: "
        "certificateFile (exchange.management.auth)\n");
}

TEST_CASE("rules: start times are HH:MM times of day, periods and senders are not zero",
          "[rules]") {
  Spec s = base_spec();
  s.nexj.globalOptions.batchSyncSetup.startTime = "24:00";
  s.nexj.globalOptions.autodiscover.startTime = "2:00";
  s.nexj.globalOptions.batchSyncSetup.periodMinutes = 0u;
  s.nexj.channels.senders[0].maxSenders = 0u;
  CHECK(check(s) ==
        "spec.yaml:43:21: error: maxSenders 0 leaves the channel no connections to EWS; give at "
        "least 1 or leave it unset (nexj.channels.senders[0].maxSenders)\n"
        "spec.yaml:60:34: error: startTime \"24:00\" is not a time of day; expected HH:MM from "
        "00:00 to 23:59 (nexj.globalOptions.batchSyncSetup.startTime)\n"
        "spec.yaml:60:58: error: periodMinutes must be at least 1 "
        "(nexj.globalOptions.batchSyncSetup.periodMinutes)\n"
        "spec.yaml:61:32: error: startTime \"2:00\" is not a time of day; expected HH:MM from "
        "00:00 to 23:59 (nexj.globalOptions.autodiscover.startTime)\n");
}

TEST_CASE("rules: userOptions scopes are system, userType:<name> or user:<login>", "[rules]") {
  Spec s = base_spec();
  s.nexj.userOptions[1].scope = "user:";
  CHECK(check(s) ==
        "spec.yaml:65:14: error: invalid scope \"user:\"; expected system, userType:<name> or "
        "user:<login> (nexj.userOptions[1].scope)\n");
}

TEST_CASE("rules: mail channel with basic SMTP authentication has user and password", "[rules]") {
  Spec s = base_spec();
  s.nexj.channels.mail->password.reset();
  CHECK(check(s) ==
        "spec.yaml:37:26: error: outAuthentication basic needs user and password "
        "(nexj.channels.mail.outAuthentication)\n");
}

TEST_CASE("rules: a CSV file is listed once", "[rules]") {
  Spec s = base_spec();
  s.users.csvFiles.push_back("users/advisors.csv");
  s.users.csvAt.push_back("/users/csv/1");
  CHECK(check(s) ==
        "spec.yaml:74:8: error: duplicate users CSV file 'users/advisors.csv' (first at line 74) "
        "(users.csv[1])\n");
}

TEST_CASE("rules: 100,000 CSV users are checked in linear time", "[.bench]") {
  Spec s = base_spec();
  for (uint32_t i = 0; i < 100000; ++i)
    s.users.list.push_back(
        csv_user(fmt::format("user{:06}", i), fmt::format("first.last{:06}@acme.com", i), i + 2));
  auto start = std::chrono::steady_clock::now();
  std::vector<Error> errors = check_semantics(s, doc());
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  CHECK(errors.empty());
  WARN(fmt::format("check_semantics: 100000 users in {:.1f} ms", ms.count()));
}
