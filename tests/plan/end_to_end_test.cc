// Specs as YAML text through every stage the CLI runs (parse_yaml -> check_schema -> read_spec
// [-> parse_users_csv] -> check_semantics -> build_desired_state). The rules and desired-state
// tests build Spec objects by hand; these make sure what the reader actually produces, with its
// defaults applied, is what those stages expect.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plan/desired_state.h"
#include "spec/document.h"
#include "spec/schema_check.h"
#include "spec/semantic_rules.h"
#include "spec/spec_reader.h"
#include "spec/users_csv.h"
#include "tests/plan/plan_support.h"

using namespace sd;

namespace {

using sd::test::field_value;

struct Loaded {
  Document doc;
  Spec spec;
  std::string errors;  // CSV and rule errors, formatted
};

// `csv` holds the text of each users.csv entry, in order. The schema must accept the spec: these
// tests are about the stages after it.
Loaded load(std::string_view yaml, const std::vector<std::string>& csv = {}) {
  auto parsed = parse_yaml("spec.yaml", yaml);
  REQUIRE(parsed.ok());
  Loaded l{std::move(parsed).value(), {}, {}};
  REQUIRE(format_all(check_schema(l.doc)) == "");
  l.spec = read_spec(l.doc);
  Users& users = l.spec.users;
  REQUIRE(users.csvFiles.size() == csv.size());
  std::vector<Error> errors;
  for (size_t i = 0; i < csv.size(); ++i) {
    std::vector<Error> e =
        parse_users_csv(users.csvFiles[i], csv[i], static_cast<uint16_t>(i + 1), users, users.list);
    errors.insert(errors.end(), e.begin(), e.end());
  }
  std::vector<Error> rules = check_semantics(l.spec, l.doc);
  errors.insert(errors.end(), rules.begin(), rules.end());
  l.errors = format_all(errors);
  return l;
}

// Replaces the first `from` in `text` (which must be there) with `to`.
std::string edit(std::string text, std::string_view from, std::string_view to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

const Resource* find_resource(const DesiredState& d, std::string_view address) {
  for (const Resource& r : d.resources)
    if (r.address() == address) return &r;
  return nullptr;
}

uint32_t index_of(const DesiredState& d, std::string_view address) {
  for (size_t i = 0; i < d.resources.size(); ++i)
    if (d.resources[i].address() == address) return static_cast<uint32_t>(i);
  FAIL("no resource " << address);
  return 0;
}

// What was the smallest Exchange Online deployment (streaming targets with autodiscover and
// maxSenders, no impersonation block, no throttling): the schema now refuses the version.
constexpr std::string_view kOnline = R"(version: 1
deployment: online
exchange:
  version: ExchangeOnline
  management:
    url: https://outlook.office365.com:5986/wsman
    username: admin@acme.onmicrosoft.com
    password: ${env:EXO_ADMIN_PASSWORD}
  serviceAccount:
    identity: nexj-sync@acme.com
    password: ${env:NEXJ_SYNC_PASSWORD}
  servers:
    - name: eo
      host: outlook.office365.com
nexj:
  url: https://crm.acme.com/nexj
  environmentFile: env/online.environment
  store: sqlite:state/online.db
  channels:
    senders:
      - channel: ExchangeEWSSender1
        server: eo
        maxSenders: 10
  targets:
    - name: EXO
      server: eo
      sender: ExchangeEWSSender1
      subscription: streaming
      autodiscover: true
users:
  list:
    - login: jsmith
      email: jsmith@acme.com
)";

// An on-premises deployment that writes only what is required: every default applies.
constexpr std::string_view kOnPremises = R"(version: 1
deployment: defaults
exchange:
  version: Exchange2016
  management:
    url: https://exch01.acme.local:5986/wsman
    username: ACME\deploy-admin
    password: ${env:EXCH_ADMIN_PASSWORD}
  serviceAccount:
    identity: ACME\nexj-sync
    password: ${env:NEXJ_SYNC_PASSWORD}
  servers:
    - name: exch01
      host: exch01.acme.local
nexj:
  url: https://crm.acme.local/nexj/
  environmentFile: env/defaults.environment
  store: sqlite:state/defaults.db
  channels:
    senders:
      - channel: ExchangeEWSSender1
        server: exch01
    receiver:
      channel: ExchangeEWSNotificationReceiver
  targets:
    - name: EXCH01
      server: exch01
      sender: ExchangeEWSSender1
users:
  list:
    - login: jsmith
      email: jsmith@acme.com
  csv: users.csv
)";

}  // namespace

TEST_CASE("end to end: Exchange Online is refused first, with the reason alone", "[e2e]") {
  auto parsed = parse_yaml("spec.yaml", kOnline);
  REQUIRE(parsed.ok());
  CHECK(format_all(check_schema(*parsed)) ==
        "spec.yaml:4:12: error: ExchangeOnline is not supported: EWS in Exchange Online is "
        "blocked from October 2026 unless the tenant allow-lists the application and switched "
        "off in April 2027, ApplicationImpersonation was removed from Exchange Online in "
        "February 2025, and remote PowerShell to Exchange Online was shut off in October 2023 "
        "(exchange.version)\n");
}

TEST_CASE("end to end: on premises, no impersonation block means rbac over the organization",
          "[e2e]") {
  Loaded l = load(kOnPremises, {"login,email\nmlee,mlee@acme.com\n"});
  CHECK(l.errors == "");
  const Impersonation& imp = l.spec.exchange.impersonation;
  CHECK_FALSE(imp.specified);
  CHECK(imp.method == Impersonation::Method::Rbac);
  CHECK(imp.assignmentNameDefaulted);

  DesiredState d = build_desired_state(l.spec, {});
  // The name is the account without its domain (ACME\nexj-sync -> nexj-sync).
  const Resource* ra =
      find_resource(d, "exchange.role_assignment/nexj-sync-ApplicationImpersonation");
  REQUIRE(ra);
  CHECK(field_value(*ra, "user") == Value{std::string("ACME\\nexj-sync")});
  CHECK(field_value(*ra, "customRecipientWriteScope") == Value{std::string()});
  const uint32_t ra_index = index_of(d, ra->address());
  const Resource* link = find_resource(d, "nexj.folder_link/mlee/tasks");
  REQUIRE(link);
  CHECK(link->depends_on == std::vector<uint32_t>{index_of(d, "nexj.target/EXCH01"), ra_index});
}

TEST_CASE("end to end: the derived role assignment name is checked like a written one", "[e2e]") {
  std::string spec = edit(std::string(kOnPremises), R"(identity: ACME\nexj-sync)",
                          "identity: nexj-synchronization-service-account@acme.local");
  // 36 + 25 characters: fits.
  CHECK(load(spec, {"login,email\n"}).errors == "");
  spec = edit(std::string(kOnPremises), R"(identity: ACME\nexj-sync)",
              "identity: nexj-synchronization-service-account-of-acme@acme.local");
  CHECK(load(spec, {"login,email\n"}).errors ==
        "spec.yaml:10:15: error: the role assignment name "
        "'nexj-synchronization-service-account-of-acme-ApplicationImpersonation' derived from "
        "the identity is not a valid Exchange object name: it is 69 characters long; Exchange "
        "allows at most 64; set exchange.impersonation.assignmentName "
        "(exchange.serviceAccount.identity)\n");
  // Writing the name settles it.
  spec =
      edit(spec, "  servers:\n", "  impersonation:\n    assignmentName: NexJ-Sync\n  servers:\n");
  Loaded named = load(spec, {"login,email\n"});
  CHECK(named.errors == "");
  CHECK(find_resource(build_desired_state(named.spec, {}), "exchange.role_assignment/NexJ-Sync"));

  // The upn is the name the service account signs in with: a bare identity does not do there.
  spec = edit(std::string(kOnPremises), R"(identity: ACME\nexj-sync)",
              "identity: nexj+sync\n    upn: nexj-sync@acme.local");
  CHECK(load(spec, {"login,email\n"}).errors ==
        "spec.yaml:10:15: error: the role assignment name 'nexj+sync-ApplicationImpersonation' "
        "derived from the identity is not a valid Exchange object name: '+' is not allowed; use "
        "letters, digits, spaces, '.', '_' and '-'; set exchange.impersonation.assignmentName "
        "(exchange.serviceAccount.identity)\n");
  // extendedRights makes no role assignment: no name to check.
  spec = edit(spec, "  servers:\n", "  impersonation:\n    method: extendedRights\n  servers:\n");
  CHECK(load(spec, {"login,email\n"}).errors == "");
}

TEST_CASE("end to end: default URLs (anonymousUrl, ewsUrl, a target's nexjUrl)", "[e2e]") {
  Loaded l = load(kOnPremises, {"login,email\n"});
  REQUIRE(l.errors == "");
  CHECK(l.spec.nexj.anonymousUrl == "https://crm.acme.local/nexj/anon");
  DesiredState d = build_desired_state(l.spec, {});
  const Resource* target = find_resource(d, "nexj.target/EXCH01");
  REQUIRE(target);
  CHECK(field_value(*target, "nexjUrl") == Value{std::string("https://crm.acme.local/nexj/anon")});
  const Resource* sender = find_resource(d, "nexj.http_channel/ExchangeEWSSender1");
  REQUIRE(sender);
  CHECK(field_value(*sender, "url") ==
        Value{std::string("https://exch01.acme.local/EWS/Exchange.asmx")});

  // A written anonymousUrl is the target's default.
  std::string spec =
      edit(std::string(kOnPremises),
           "  environmentFile:", "  anonymousUrl: https://lb.acme.local/anon\n  environmentFile:");
  Loaded anon = load(spec, {"login,email\n"});
  REQUIRE(anon.errors == "");
  DesiredState d2 = build_desired_state(anon.spec, {});
  target = find_resource(d2, "nexj.target/EXCH01");
  REQUIRE(target);
  CHECK(field_value(*target, "nexjUrl") == Value{std::string("https://lb.acme.local/anon")});
}

TEST_CASE("end to end: a push URL Exchange cannot reach is reported where it is written", "[e2e]") {
  // Neither anonymousUrl nor nexjUrl written: both come from url, so the error is on url.
  std::string spec = edit(std::string(kOnPremises), "url: https://crm.acme.local/nexj/",
                          "url: https://localhost/nexj");
  CHECK(load(spec, {"login,email\n"}).errors ==
        "spec.yaml:16:8: error: target 'EXCH01' uses push subscriptions: Exchange posts "
        "notifications to \"https://localhost/nexj/anon\", and 'localhost' is not reachable from "
        "the Exchange server (nexj.url)\n");
  // anonymousUrl written, the target's nexjUrl taken from it: the error is on anonymousUrl.
  spec = edit(std::string(kOnPremises),
              "  environmentFile:", "  anonymousUrl: https://127.0.0.1/anon\n  environmentFile:");
  CHECK(load(spec, {"login,email\n"}).errors ==
        "spec.yaml:17:17: error: target 'EXCH01' uses push subscriptions: Exchange posts "
        "notifications to \"https://127.0.0.1/anon\", and '127.0.0.1' is not reachable from the "
        "Exchange server (nexj.anonymousUrl)\n");
  // The target's own nexjUrl is where its error goes.
  spec = edit(spec, "      sender: ExchangeEWSSender1\n",
              "      sender: ExchangeEWSSender1\n      nexjUrl: https://localhost/anon\n");
  CHECK(load(spec, {"login,email\n"}).errors ==
        "spec.yaml:30:16: error: target 'EXCH01' uses push subscriptions: Exchange posts "
        "notifications to \"https://localhost/anon\", and 'localhost' is not reachable from the "
        "Exchange server (nexj.targets[0].nexjUrl)\n");
}

TEST_CASE("end to end: with one target, users.defaults.target is that target", "[e2e]") {
  Loaded l = load(kOnPremises, {"login,email,folders\nmlee,mlee@acme.com,calendar\n"});
  CHECK(l.errors == "");
  CHECK(l.spec.users.defaultTarget == "EXCH01");
  REQUIRE(l.spec.users.list.size() == 2);
  for (const User& u : l.spec.users.list) CHECK(u.target == "EXCH01");
  DesiredState d = build_desired_state(l.spec, {});
  const Resource* link = find_resource(d, "nexj.folder_link/mlee/calendar");
  REQUIRE(link);
  CHECK(field_value(*link, "target") == Value{std::string("EXCH01")});
  CHECK(link->depends_on.front() == index_of(d, "nexj.target/EXCH01"));
}

TEST_CASE("end to end: logins with '/' or a C1 control character are refused", "[e2e]") {
  std::string spec = edit(std::string(kOnPremises), "login: jsmith", "login: sales/jsmith");
  CHECK(load(spec, {"login,email\n"}).errors ==
        "spec.yaml:31:14: error: login \"sales/jsmith\" contains '/'; logins cannot contain '/' "
        "because folder links are addressed nexj.folder_link/<login>/<folder> "
        "(users.list[0].login)\n");
  // The schema refuses C0 controls in text; U+0085 (NEL) gets past it and stops here.
  spec = edit(std::string(kOnPremises), "login: jsmith", "login: \"j\\x85smith\"");
  CHECK(load(spec, {"login,email\n"}).errors ==
        "spec.yaml:31:14: error: login \"j\\u{0085}smith\" has a control character "
        "(users.list[0].login)\n");
}
