// The lab's Exchange admin model (LabState as ExchangeAdmin): objects, exact errors,
// persistence, migration of an older state file, and the effects on the lab's EWS.
#include <catch2/catch.hpp>

#include "base/base64.h"
#include "base/sqlite_database.h"
#include "lab/ews/ews_service.h"
#include "lab/server/request_handler.h"
#include "lab/state/lab_state.h"
#include "protocol/ews_messages.h"
#include "tests/lab/lab_support.h"

namespace sd::lab {
namespace {

using test::reopen;
using test::TestLab;

constexpr const char* kServerDn =
    "CN=exch01,CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative "
    "Groups,CN=First Organization,CN=Microsoft Exchange,CN=Services,CN=Configuration,"
    "DC=example,DC=local";
constexpr const char* kDatabaseDn =
    "CN=DB01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative "
    "Groups,CN=First Organization,CN=Microsoft Exchange,CN=Services,CN=Configuration,"
    "DC=example,DC=local";
constexpr const char* kNotFoundSuffix = "' couldn't be found on 'dc01.example.local'.";

std::string message(const Status& status) {
  REQUIRE_FALSE(status.ok());
  return status.errors().front().message;
}

std::string not_found(const std::string& identity) {
  return "The operation couldn't be performed because object '" + identity + kNotFoundSuffix;
}

std::vector<std::string> aliases(const Result<std::vector<LabRecipient>>& found) {
  REQUIRE(found.ok());
  std::vector<std::string> out;
  for (const LabRecipient& r : *found) out.push_back(r.alias);
  return out;
}

std::unique_ptr<LabState> open_state(const test::ScratchDir& dir, std::string_view directory) {
  std::string file = dir.write("admin-directory.yaml", directory);
  Result<std::unique_ptr<LabState>> opened = LabState::open(dir.path("admin.db"), file);
  if (!opened.ok()) FAIL(opened.errors().front().format());
  return std::move(*opened);
}

// The request handler with Basic turned on, as these tests log in.
std::unique_ptr<WindowsAuth> basic_only() {
  LabAuthOptions auth;
  auth.basic = true;
  return std::make_unique<WindowsAuth>(auth, "");
}

TEST_CASE("admin defaults: version, domain controller, server, database, recipients",
          "[lab-admin]") {
  TestLab lab;
  LabState& s = *lab.state;
  CHECK(s.version() == LabExchangeVersion::Exchange2016);
  CHECK(s.domain_controller() == "dc01.example.local");
  REQUIRE(s.servers().size() == 1);
  CHECK(s.servers()[0].name == "exch01");
  CHECK(s.servers()[0].distinguished_name == kServerDn);
  CHECK(s.servers()[0].client_access);
  REQUIRE(s.databases().size() == 1);
  CHECK(s.databases()[0].distinguished_name == kDatabaseDn);
  // Mailboxes first, then the accounts without one.
  CHECK(aliases(s.recipients("")) ==
        std::vector<std::string>{"jsmith", "mlee", "limited", "nexj-sync", "nobody", "bulk"});
  Result<std::vector<LabRecipient>> john = s.recipients("Alias -eq 'jsmith'");
  REQUIRE(john.ok());
  REQUIRE(john->size() == 1);
  const LabRecipient& r = john->front();
  CHECK(r.name == "John Smith");
  CHECK(r.upn == "jsmith@example.com");
  CHECK(r.primary_smtp == "jsmith@example.com");
  CHECK(r.sam_account_name == "jsmith");
  CHECK(r.recipient_type_details == "UserMailbox");
  CHECK(r.distinguished_name == "CN=John Smith,CN=Users,DC=example,DC=local");
  CHECK(r.database == "DB01");
  CHECK(*s.account_alias("nexj-sync@example.local") == "nexj-sync");
  CHECK_FALSE(s.may_manage("nexj-sync@example.local"));
  CHECK(message(s.recipients("Alias -eq").errors()) ==
        "Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"Invalid "
        "filter syntax. For a description of the filter parameter syntax see the command help. "
        "\"Alias -eq\" at position 10.\"");
}

TEST_CASE("users resolve by alias, UPN or down-level logon name (domain, then alias)",
          "[lab-admin]") {
  TestLab lab;
  CHECK(*lab.state->resolve_user("nexj-sync") == "nexj-sync");
  CHECK(*lab.state->resolve_user("NEXJ-SYNC@example.local") == "nexj-sync");
  CHECK(*lab.state->resolve_user("EXAMPLE\\nexj-sync") == "nexj-sync");
  CHECK(message(lab.state->resolve_user("OTHER\\nexj-sync").errors()) ==
        not_found("OTHER\\nexj-sync"));
  CHECK(message(lab.state->resolve_user("ghost").errors()) == not_found("ghost"));
}

TEST_CASE("management scopes and role assignments: CRUD with Exchange's errors", "[lab-admin]") {
  TestLab lab;
  LabState& s = *lab.state;
  REQUIRE(s.new_management_scope({"CRM", "City -eq 'Seattle'", ""}).ok());
  CHECK(message(s.new_management_scope({"crm", "City -eq 'Paris'", ""})) ==
        "The object 'crm' already exists.");
  CHECK(message(s.new_management_scope({"Bad", "City -eq", ""})) ==
        "Cannot bind parameter 'RecipientRestrictionFilter' to the target. Exception setting "
        "\"RecipientRestrictionFilter\": \"Invalid filter syntax. For a description of the filter "
        "parameter syntax see the command help. \"City -eq\" at position 9.\"");
  CHECK(s.management_scopes().size() == 1);
  CHECK(message(s.set_management_scope({"Ghost", "City -eq 'x'", ""})) == not_found("Ghost"));
  REQUIRE(s.set_management_scope({"crm", "City -eq 'Paris'", "example.local/Users"}).ok());
  CHECK(s.management_scopes()[0].recipient_filter == "City -eq 'Paris'");
  CHECK(s.management_scopes()[0].recipient_root == "example.local/Users");

  REQUIRE(s.new_role_assignment({"", "applicationimpersonation", "EXAMPLE\\nobody", ""}).ok());
  REQUIRE(s.new_role_assignment({"Scoped", "ApplicationImpersonation", "limited", "CRM"}).ok());
  std::vector<LabRoleAssignment> assignments = s.role_assignments();
  REQUIRE(assignments.size() == 2);
  CHECK(assignments[0].name == "ApplicationImpersonation-nobody");  // Exchange's generated name
  CHECK(assignments[0].role == "ApplicationImpersonation");
  CHECK(assignments[0].user == "nobody");
  CHECK(assignments[0].enabled);
  CHECK(assignments[1].custom_recipient_write_scope == "CRM");
  CHECK(message(s.new_role_assignment({"scoped", "ApplicationImpersonation", "nobody", ""})) ==
        "The object 'scoped' already exists.");
  CHECK(message(s.new_role_assignment({"X", "Impersonator", "nobody", ""})) ==
        not_found("Impersonator"));
  CHECK(message(s.new_role_assignment({"X", "ApplicationImpersonation", "ghost", ""})) ==
        not_found("ghost"));
  CHECK(message(s.new_role_assignment({"X", "ApplicationImpersonation", "nobody", "Nope"})) ==
        not_found("Nope"));
  REQUIRE(s.set_role_assignment({"scoped", "", "", "", false}).ok());
  CHECK(s.role_assignments()[1].custom_recipient_write_scope.empty());
  CHECK_FALSE(s.role_assignments()[1].enabled);
  CHECK(message(s.set_role_assignment({"Ghost", "", "", "", true})) == not_found("Ghost"));
  REQUIRE(s.remove_role_assignment("SCOPED").ok());
  CHECK(s.role_assignments().size() == 1);
  CHECK(message(s.remove_role_assignment("Scoped")) == not_found("Scoped"));
}

TEST_CASE("throttling policies, associations and AD permissions", "[lab-admin]") {
  TestLab lab;
  LabState& s = *lab.state;
  LabThrottlingPolicy policy{"SyncPolicy", "regular", {{"ewsmaxconcurrency", "unlimited"}}};
  REQUIRE(s.new_throttling_policy(policy).ok());
  CHECK(s.throttling_policies()[0].scope == "Regular");
  CHECK(s.throttling_policies()[0].ews_limits ==
        std::map<std::string, std::string>{{"EwsMaxConcurrency", "Unlimited"}});
  CHECK(message(s.new_throttling_policy(policy)) == "The object 'SyncPolicy' already exists.");
  CHECK(message(s.new_throttling_policy({"P2", "Regular", {{"EWSPercentTimeInCAS", "500"}}})) ==
        "A parameter cannot be found that matches parameter name 'EWSPercentTimeInCAS'.");
  CHECK(message(s.set_throttling_policy({"SyncPolicy", "", {{"EwsMaxBurst", "lots"}}})) ==
        "Cannot process argument transformation on parameter 'EwsMaxBurst'. Cannot convert "
        "value \"lots\" to type \"Microsoft.Exchange.Data.Unlimited`1[System.UInt32]\". Error: "
        "\"Input string was not in a correct format.\"");
  REQUIRE(s.set_throttling_policy({"syncpolicy", "", {{"EwsMaxBurst", "300000"}}}).ok());
  CHECK(s.throttling_policies()[0].ews_limits ==
        std::map<std::string, std::string>{{"EwsMaxBurst", "300000"},
                                           {"EwsMaxConcurrency", "Unlimited"}});
  CHECK(message(s.set_throttling_policy({"Ghost", "", {}})) == not_found("Ghost"));

  CHECK(*s.throttling_association("nexj-sync") == "");
  REQUIRE(s.set_throttling_association("nexj-sync@example.local", "syncpolicy").ok());
  CHECK(*s.throttling_association("EXAMPLE\\nexj-sync") == "SyncPolicy");
  CHECK(message(s.set_throttling_association("nexj-sync", "Ghost")) == not_found("Ghost"));
  CHECK(message(s.set_throttling_association("ghost", "SyncPolicy")) == not_found("ghost"));
  REQUIRE(s.set_throttling_association("nexj-sync", "").ok());
  CHECK(*s.throttling_association("nexj-sync") == "");

  REQUIRE(s.add_ad_permission({"exch01", "nobody", "ms-exch-epi-impersonation"}).ok());
  REQUIRE(s.add_ad_permission({kServerDn, "nobody", "ms-Exch-EPI-Impersonation"}).ok());
  std::vector<LabAdPermission> permissions = s.ad_permissions(kServerDn);
  REQUIRE(permissions.size() == 1);  // the second add found it there
  CHECK(permissions[0].identity == kServerDn);
  CHECK(permissions[0].user == "nobody");
  CHECK(permissions[0].extended_right == "ms-Exch-EPI-Impersonation");
  CHECK(s.ad_permissions(kDatabaseDn).empty());
  CHECK(message(s.add_ad_permission({"EXCH99", "nobody", "ms-Exch-EPI-Impersonation"})) ==
        not_found("EXCH99"));
  CHECK(message(s.add_ad_permission({"exch01", "nobody", "Full-Control"})) ==
        not_found("Full-Control"));
}

TEST_CASE("a 2010 lab takes the 2010 throttling parameters, stored as given", "[lab-admin]") {
  test::ScratchDir dir;
  std::unique_ptr<LabState> s = open_state(dir,
                                           "version: Exchange2010\n"
                                           "accounts: [{upn: svc@corp.example, password: pw}]\n"
                                           "mailboxes: [{smtp: a@corp.example}]\n");
  CHECK(s->version() == LabExchangeVersion::Exchange2010);
  CHECK(s->domain_controller() == "dc01.corp.example");
  REQUIRE(s->new_throttling_policy({"Old",
                                    "Regular",
                                    {{"EWSPercentTimeInCAS", "500"},
                                     {"EWSFindCountLimit", "1000"},
                                     {"EWSMaxConcurrency", "Unlimited"}}})
              .ok());
  CHECK(s->throttling_policies()[0].ews_limits ==
        std::map<std::string, std::string>{{"EWSFindCountLimit", "1000"},
                                           {"EWSMaxConcurrency", "Unlimited"},
                                           {"EWSPercentTimeInCAS", "500"}});
  CHECK(message(s->set_throttling_policy({"Old", "", {{"EwsMaxBurst", "1"}}})) ==
        "A parameter cannot be found that matches parameter name 'EwsMaxBurst'.");
  CHECK(message(s->set_throttling_policy({"Old", "", {{"EWSFindCountLimit", "x"}}})) ==
        "Cannot process argument transformation on parameter 'EWSFindCountLimit'. Cannot "
        "convert value \"x\" to type \"System.UInt32\". Error: \"Input string was not in a "
        "correct format.\"");
  // 2010's budget is lifted by EWSPercentTimeInCAS unlimited.
  REQUIRE(s->set_throttling_association("svc", "Old").ok());
  std::optional<ThrottlingPolicy> limited = s->throttling_for("svc@corp.example");
  REQUIRE(limited);
  CHECK_FALSE(limited->max_concurrency);
  CHECK(limited->budget_limited);
  REQUIRE(s->set_throttling_policy({"Old", "", {{"EWSPercentTimeInCAS", "Unlimited"}}}).ok());
  CHECK_FALSE(s->throttling_for("svc@corp.example"));
}

TEST_CASE("New-Mailbox makes an account that logs in, with a mailbox", "[lab-admin]") {
  TestLab lab;
  LabState& s = *lab.state;
  REQUIRE(s.new_mailbox("Sync Service", "svc-sync", "svc-sync@example.local", "pw-1").ok());
  CHECK(*s.authenticate("svc-sync@example.local", "pw-1") == "svc-sync@example.local");
  CHECK(*s.authenticate("EXAMPLE\\svc-sync", "pw-1") == "svc-sync@example.local");
  CHECK(s.has_mailbox("svc-sync@example.local"));
  CHECK(aliases(s.recipients("Name -eq 'Sync Service'")) == std::vector<std::string>{"svc-sync"});
  CHECK(message(s.new_mailbox("Sync Service", "x", "x@example.local", "pw")) ==
        "The object 'Sync Service' already exists.");
  CHECK(message(s.new_mailbox("Other", "svc-sync", "x@example.local", "pw")) ==
        "The object 'svc-sync' already exists.");
  CHECK(message(s.new_mailbox("Other", "other", "ext@partner.com", "pw")) ==
        "The object 'ext@partner.com' already exists.");
}

TEST_CASE("admin objects persist, and a second LabState sees them after refresh()", "[lab-admin]") {
  TestLab lab;
  std::unique_ptr<LabState> other = reopen(lab.state_file);
  REQUIRE(lab.state->new_management_scope({"CRM", "City -eq 'Seattle'", ""}).ok());
  REQUIRE(lab.state->new_role_assignment({"Imp", "ApplicationImpersonation", "nobody", ""}).ok());
  CHECK(other->role_assignments().empty());  // not looked yet
  other->refresh();
  REQUIRE(other->role_assignments().size() == 1);
  CHECK(other->management_scopes()[0].recipient_filter == "City -eq 'Seattle'");
  CHECK(other->may_impersonate("nobody@example.local", "mlee@example.com"));
  // And the other way: a change by `other` is seen by the first.
  REQUIRE(other->remove_role_assignment("Imp").ok());
  lab.state->refresh();
  CHECK(lab.state->role_assignments().empty());

  lab.state.reset();
  other.reset();
  std::unique_ptr<LabState> again = reopen(lab.state_file);
  CHECK(again->management_scopes().size() == 1);
  CHECK(again->role_assignments().empty());
}

TEST_CASE("a state file of the previous version opens, with the admin defaults", "[lab-admin]") {
  test::ScratchDir dir;
  std::string file = dir.path("v1.db");
  {
    Result<std::unique_ptr<SqlDatabase>> opened_db =
        open_sqlite(file, SqlOpenMode::ReadWriteCreate);
    REQUIRE(opened_db.ok());
    std::unique_ptr<SqlDatabase> db = std::move(*opened_db);
    // Schema 1 as the previous release wrote it (lab_store.cc before the admin model).
    REQUIRE(db->exec(R"sql(
CREATE TABLE lab_hostname (position INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL) STRICT;
CREATE TABLE lab_policy (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  max_concurrency INTEGER NOT NULL, burst INTEGER NOT NULL,
  recharge_per_second INTEGER NOT NULL) STRICT;
CREATE TABLE lab_account (upn TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  password_salt TEXT NOT NULL, password_hash TEXT NOT NULL,
  impersonation TEXT NOT NULL CHECK (impersonation IN ('none', 'all', 'list')),
  throttling TEXT NOT NULL CHECK (throttling IN ('default', 'unlimited'))) STRICT;
CREATE TABLE lab_mailbox (smtp TEXT NOT NULL PRIMARY KEY COLLATE NOCASE, name TEXT NOT NULL) STRICT;
CREATE TABLE lab_impersonation (
  upn TEXT NOT NULL COLLATE NOCASE REFERENCES lab_account (upn) ON DELETE CASCADE,
  smtp TEXT NOT NULL COLLATE NOCASE REFERENCES lab_mailbox (smtp) ON DELETE CASCADE,
  PRIMARY KEY (upn, smtp)) STRICT;
CREATE TABLE lab_folder (seq INTEGER NOT NULL PRIMARY KEY, id TEXT NOT NULL UNIQUE,
  mailbox TEXT NOT NULL COLLATE NOCASE REFERENCES lab_mailbox (smtp) ON DELETE CASCADE,
  change_key TEXT NOT NULL, distinguished TEXT NOT NULL, display_name TEXT NOT NULL,
  parent_id TEXT NOT NULL, folder_class TEXT NOT NULL) STRICT;
CREATE TABLE lab_contact (smtp TEXT NOT NULL PRIMARY KEY COLLATE NOCASE) STRICT;
INSERT INTO lab_policy VALUES (1, 27, 200, 100);
INSERT INTO lab_hostname VALUES (0, 'mail.contoso.test');
INSERT INTO lab_account VALUES ('svc@contoso.test', '00', 'x', 'all', 'default');
INSERT INTO lab_mailbox VALUES ('jsmith@contoso.test', 'John Smith');
INSERT INTO lab_mailbox VALUES ('jsmith@other.test', 'Other John');
PRAGMA user_version = 1279345153;
)sql")
                .ok());
  }
  Result<std::unique_ptr<LabState>> opened = LabState::open(file, "");
  REQUIRE(opened.ok());
  LabState& s = **opened;
  CHECK(s.domain_controller() == "dc01.contoso.test");
  CHECK(s.servers()[0].name == "mail");
  CHECK(aliases(s.recipients("")) == std::vector<std::string>{"jsmith", "jsmith2", "svc"});
  CHECK(s.may_impersonate("svc@contoso.test", "jsmith@other.test"));  // the old grant
  CHECK(s.has_mailbox("jsmith@contoso.test"));
  opened->reset();
  CHECK(LabState::open(file, "").ok());  // migrated once; opens again as it is
}

// --- Effects on EWS -------------------------------------------------------------------------

std::string impersonating(const char* smtp) {
  return ews::get_folder_request({"Exchange2013_SP1", smtp}, {"calendar"});
}

bool allowed(EwsService& service, const char* account, const char* smtp) {
  HttpAnswer answer = service.handle(account, impersonating(smtp));
  if (answer.status == 200) return true;
  CHECK(answer.body.find("ErrorImpersonateUserDenied") != std::string::npos);
  return false;
}

constexpr std::string_view kEffectsDirectory = R"(hostnames: [exch01.example.local]
accounts:
  - {upn: svc@example.local, password: pw}
mailboxes:
  - smtp: jsmith@example.com
    memberOf: ["CN=CRM Users,OU=Groups,DC=example,DC=local"]
    attributes: {City: Seattle}
  - smtp: mlee@example.com
throttling: {maxConcurrency: 27, burst: 1, rechargePerSecond: 1}
)";

TEST_CASE("EWS: ApplicationImpersonation, scoped by a filter, lets the account impersonate",
          "[lab-admin]") {
  test::ScratchDir dir;
  std::unique_ptr<LabState> state = open_state(dir, kEffectsDirectory);
  EwsService service(*state);
  CHECK_FALSE(allowed(service, "svc@example.local", "jsmith@example.com"));

  REQUIRE(state->new_role_assignment({"Imp", "ApplicationImpersonation", "svc", ""}).ok());
  CHECK(allowed(service, "svc@example.local", "jsmith@example.com"));
  CHECK(allowed(service, "svc@example.local", "mlee@example.com"));

  REQUIRE(state
              ->new_management_scope(
                  {"CRM", "MemberOfGroup -eq 'CN=CRM Users,OU=Groups,DC=example,DC=local'", ""})
              .ok());
  REQUIRE(state->set_role_assignment({"Imp", "", "", "CRM", true}).ok());
  CHECK(allowed(service, "svc@example.local", "jsmith@example.com"));
  CHECK_FALSE(allowed(service, "svc@example.local", "mlee@example.com"));

  // A root the member is not under excludes it too; one it is under keeps it.
  REQUIRE(state->set_management_scope({"CRM", "City -eq 'Seattle'", "OU=Sales,DC=example,DC=local"})
              .ok());
  CHECK_FALSE(allowed(service, "svc@example.local", "jsmith@example.com"));
  REQUIRE(state->set_management_scope({"CRM", "City -eq 'Seattle'", "example.local/Users"}).ok());
  CHECK(allowed(service, "svc@example.local", "jsmith@example.com"));

  REQUIRE(state->set_role_assignment({"Imp", "", "", "CRM", false}).ok());  // disabled
  CHECK_FALSE(allowed(service, "svc@example.local", "jsmith@example.com"));
}

TEST_CASE("EWS: both EPI extended rights let the account impersonate", "[lab-admin]") {
  test::ScratchDir dir;
  std::unique_ptr<LabState> state = open_state(dir, kEffectsDirectory);
  EwsService service(*state);
  REQUIRE(state->add_ad_permission({"exch01", "svc", "ms-Exch-EPI-Impersonation"}).ok());
  CHECK_FALSE(allowed(service, "svc@example.local", "mlee@example.com"));  // one of two
  REQUIRE(state->add_ad_permission({"DB01", "svc", "ms-Exch-EPI-May-Impersonate"}).ok());
  CHECK(allowed(service, "svc@example.local", "mlee@example.com"));
}

TEST_CASE("EWS: an associated all-Unlimited policy lifts the throttling the default applies",
          "[lab-admin]") {
  test::ScratchDir dir;
  std::unique_ptr<LabState> state = open_state(dir, kEffectsDirectory);
  REQUIRE(state->new_mailbox("Svc Two", "svc2", "svc2@example.local", "pw2").ok());
  RequestHandler handler(*state, FaultOptions{}, basic_only());
  ConnectionLogin login;
  std::string body = ews::get_folder_request({"Exchange2013_SP1", ""}, {"calendar"});
  auto busy_answers = [&](const char* credentials) {
    int busy = 0;
    for (int i = 0; i < 10; ++i) {
      Decision d = handler.handle({.method = "POST",
                                   .target = kEwsPath,
                                   .authorization = "Basic " + base64_encode(credentials),
                                   .body = body},
                                  login);
      if (d.answer.body.find("ErrorServerBusy") != std::string::npos) ++busy;
    }
    return busy;
  };
  // Burst 1, one request a second back: ten requests in a row meet ErrorServerBusy (unless
  // the ten took nine seconds).
  CHECK(busy_answers("svc2@example.local:pw2") > 0);

  REQUIRE(state
              ->new_throttling_policy({"SyncPolicy",
                                       "Regular",
                                       {{"EwsMaxConcurrency", "Unlimited"},
                                        {"EwsMaxBurst", "Unlimited"},
                                        {"EwsRechargeRate", "Unlimited"},
                                        {"EwsCutoffBalance", "Unlimited"}}})
              .ok());
  REQUIRE(state->set_throttling_association("svc", "SyncPolicy").ok());
  CHECK_FALSE(state->throttling_for("svc@example.local"));  // the same as `throttling: unlimited`
  CHECK(busy_answers("svc@example.local:pw") == 0);

  // Concurrency Unlimited alone keeps the default budget.
  REQUIRE(state->new_throttling_policy({"Half", "Regular", {{"EwsMaxConcurrency", "5"}}}).ok());
  REQUIRE(state->set_throttling_association("svc2", "Half").ok());
  std::optional<ThrottlingPolicy> half = state->throttling_for("svc2@example.local");
  REQUIRE(half);
  CHECK(half->max_concurrency == 5u);
  CHECK(half->budget_limited);
  CHECK(half->burst == 1);
}

TEST_CASE("faults: WinRM requests do not move the EWS fault sequence a seed gives", "[lab-admin]") {
  test::ScratchDir dir;
  std::unique_ptr<LabState> state =
      open_state(dir,
                 "hostnames: [exch01.example.local]\naccounts:\n  - {upn: admin@example.local, "
                 "password: apw, management: true}\n"
                 "mailboxes:\n  - {smtp: jsmith@example.com}\nthrottling: {maxConcurrency: 27, "
                 "burst: 1000, rechargePerSecond: 1000}\n");
  FaultOptions faults;
  faults.error_rate = 0.5;
  faults.seed = 7;
  const std::string body = ews::get_folder_request({"Exchange2013_SP1", ""}, {"calendar"});
  const std::string admin = "Basic " + base64_encode("admin@example.local:apw");
  // Which of 16 EWS requests get the injected fault, with `wsman` WinRM requests between each.
  auto faulted = [&](int wsman) {
    RequestHandler handler(*state, faults, basic_only());
    ConnectionLogin login;
    std::string out;
    for (int i = 0; i < 16; ++i) {
      for (int k = 0; k < wsman; ++k)
        (void)handler.handle(
            {.method = "POST", .target = kWsmanPath, .authorization = admin, .body = "<x/>"},
            login);
      Decision d = handler.handle(
          {.method = "POST", .target = kEwsPath, .authorization = admin, .body = body}, login);
      out += d.answer.body.find("ErrorInternalServerError") != std::string::npos ? 'F' : '.';
    }
    return out;
  };
  const std::string alone = faulted(0);
  CHECK(alone.find('F') != std::string::npos);
  CHECK(alone.find('.') != std::string::npos);
  CHECK(faulted(1) == alone);
  CHECK(faulted(3) == alone);
}

}  // namespace
}  // namespace sd::lab
