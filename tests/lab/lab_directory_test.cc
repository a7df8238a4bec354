#include "lab/state/lab_directory.h"

#include <catch2/catch.hpp>

#include "tests/lab/lab_support.h"

namespace sd::lab {
namespace {

std::vector<std::string> error_lines(std::string_view text) {
  Result<LabDirectory> d = parse_directory("lab/directory.yaml", text);
  REQUIRE_FALSE(d.ok());
  std::vector<std::string> lines;
  for (const Error& e : d.errors()) lines.push_back(e.format());
  return lines;
}

TEST_CASE("the example directory file loads", "[lab]") {
  Result<LabDirectory> d =
      load_directory(std::string(SYNCDEPLOY_SOURCE_DIR) + "/examples/lab/directory.yaml");
  REQUIRE(d.ok());
  CHECK(d->hostnames == std::vector<std::string>{"exch01.example.local", "crm.example.local"});
  REQUIRE(d->accounts.size() == 1);
  CHECK(d->accounts[0].upn == "deploy-admin@example.local");
  CHECK(d->accounts[0].password == "admin-pw");
  CHECK(d->accounts[0].management);
  CHECK(d->accounts[0].impersonation == ImpersonationScope::None);
  CHECK_FALSE(d->accounts[0].throttling_unlimited);
  REQUIRE(d->mailboxes.size() == 4);
  CHECK(d->mailboxes[0].smtp == "jsmith@example.com");
  CHECK(d->mailboxes[0].name == "John Smith");
  CHECK(d->mailboxes[0].folders == std::vector<std::string>{"CRM Sync"});
  CHECK(d->mailboxes[1].smtp == "mlee@example.com");
  CHECK(d->mailboxes[2].smtp == "akumar@example.com");
  CHECK(d->mailboxes[3].smtp == "tnguyen@example.com");
  CHECK(d->contacts.size() == 1);
  CHECK(d->throttling.max_concurrency == 27);
  CHECK(d->throttling.burst == 200);
  CHECK(d->throttling.recharge_per_second == 100);
}

TEST_CASE("directory defaults: impersonation none, default throttling, name from the address",
          "[lab]") {
  Result<LabDirectory> d = parse_directory("d.yaml",
                                           "accounts:\n"
                                           "  - upn: svc@example.local\n"
                                           "    password: x\n"
                                           "mailboxes:\n"
                                           "  - smtp: a.b@example.com\n");
  REQUIRE(d.ok());
  CHECK(d->accounts[0].impersonation == ImpersonationScope::None);
  CHECK_FALSE(d->accounts[0].throttling_unlimited);
  CHECK(d->mailboxes[0].name == "a.b");
  CHECK(d->throttling.max_concurrency == 27);
  CHECK(d->throttling.burst == 200);
  CHECK(d->throttling.recharge_per_second == 100);
  CHECK(d->hostnames.empty());
}

TEST_CASE("an impersonation list names mailboxes", "[lab]") {
  Result<LabDirectory> d =
      parse_directory("d.yaml",
                      "accounts:\n"
                      "  - upn: svc@example.local\n"
                      "    password: x\n"
                      "    impersonation: [b@example.com, a@example.com]\n"
                      "    throttling: unlimited\n"
                      "mailboxes: [{smtp: a@example.com}, {smtp: b@example.com}]\n");
  REQUIRE(d.ok());
  CHECK(d->accounts[0].impersonation == ImpersonationScope::List);
  CHECK(d->accounts[0].impersonation_mailboxes ==
        std::vector<std::string>{"b@example.com", "a@example.com"});
  CHECK(d->accounts[0].throttling_unlimited);
}

TEST_CASE("a bad mailbox address is reported at its value", "[lab]") {
  CHECK(error_lines("mailboxes:\n"
                    "  - smtp: jsmith@example.com\n"
                    "  - name: Somebody\n"
                    "    smtp: jsmith\n") ==
        std::vector<std::string>{
            "lab/directory.yaml:4:11: error: mailbox smtp is not an email address"});
}

TEST_CASE("every problem of a directory file is reported, in file order", "[lab]") {
  CHECK(error_lines("hostnames: [exch01.example.local, \"bad host\"]\n"
                    "accounts:\n"
                    "  - upn: svc@example.local\n"
                    "    password: x\n"
                    "    impersonation: [ghost@example.com]\n"
                    "    throttling: sometimes\n"
                    "mailboxes:\n"
                    "  - smtp: jsmith@example.com\n"
                    "  - smtp: JSMITH@example.com\n"
                    "    colour: blue\n"
                    "contacts: [not-an-address]\n"
                    "throttling: {burst: 0}\n") ==
        std::vector<std::string>{
            "lab/directory.yaml:1:35: error: hostname is not a DNS name",
            "lab/directory.yaml:5:21: error: ghost@example.com is not a mailbox of the directory",
            "lab/directory.yaml:6:17: error: account throttling must be default or unlimited",
            "lab/directory.yaml:9:11: error: address JSMITH@example.com is listed twice",
            "lab/directory.yaml:10:5: error: unknown key 'colour' in mailboxes (expected smtp, "
            "name, alias, folders, memberOf, attributes)",
            "lab/directory.yaml:11:12: error: contact is not an email address",
            "lab/directory.yaml:12:21: error: throttling burst must be a whole number from 1 to "
            "1000000000"});
}

TEST_CASE("directory accounts need a UPN and a password, once each", "[lab]") {
  CHECK(error_lines("accounts:\n"
                    "  - upn: svc@example.local\n"
                    "  - upn: SVC@example.local\n"
                    "    password: y\n"
                    "  - password: z\n"
                    "    impersonation: some\n"
                    "mailboxes: [{smtp: a@example.com}]\n") ==
        std::vector<std::string>{
            "lab/directory.yaml:2:5: error: account has no password",
            "lab/directory.yaml:3:10: error: account SVC@example.local is listed twice",
            "lab/directory.yaml:5:5: error: account has no upn",
            "lab/directory.yaml:6:20: error: impersonation must be all, none or a list of "
            "mailbox addresses"});
}

TEST_CASE("directory files that are not mappings, empty or not YAML", "[lab]") {
  CHECK(error_lines("- a\n- b\n") ==
        std::vector<std::string>{"lab/directory.yaml:1:1: error: the directory file must be a "
                                 "mapping with hostnames, accounts, mailboxes, contacts and "
                                 "throttling"});
  CHECK(error_lines("accounts: []\n") ==
        std::vector<std::string>{"lab/directory.yaml: error: the directory file has no mailboxes"});
  CHECK(error_lines("mailboxes: [\n") ==
        std::vector<std::string>{"lab/directory.yaml:2:1: error: YAML syntax: end of sequence "
                                 "flow not found"});
  CHECK(error_lines("mailboxes: {smtp: a@example.com}\nfolders: 3\n") ==
        std::vector<std::string>{
            "lab/directory.yaml:1:12: error: mailboxes must be a list",
            "lab/directory.yaml:2:1: error: unknown key 'folders' (expected version, domain, "
            "hostnames, accounts, mailboxes, contacts, throttling, servers, databases, "
            "managementScopes, roleAssignments, throttlingPolicies, throttlingAssociations, "
            "adPermissions)"});
}

TEST_CASE("a missing directory file is an error naming it", "[lab]") {
  test::ScratchDir dir;
  Result<LabDirectory> d = load_directory(dir.path("nope.yaml"));
  REQUIRE_FALSE(d.ok());
  CHECK(d.errors().front().format() ==
        dir.path("nope.yaml") + ": error: cannot read file: No such file or directory");
}

TEST_CASE("mailbox folders must be distinct names", "[lab]") {
  CHECK(error_lines("mailboxes:\n"
                    "  - smtp: a@example.com\n"
                    "    folders: [CRM Sync, crm sync, \"\"]\n") ==
        std::vector<std::string>{
            "lab/directory.yaml:3:25: error: folder 'crm sync' is listed twice",
            "lab/directory.yaml:3:35: error: folder name must be non-empty text"});
}

}  // namespace
}  // namespace sd::lab

namespace sd::lab {
namespace {

TEST_CASE("directory admin keys: version, domain, aliases, servers and initial objects",
          "[lab-admin]") {
  Result<LabDirectory> d = parse_directory(
      "d.yaml",
      "version: Exchange2013\n"
      "domain: Corp.Example\n"
      "accounts:\n"
      "  - {upn: svc@example.local, password: x, alias: nexj-svc, management: true}\n"
      "mailboxes:\n"
      "  - smtp: a@example.com\n"
      "    memberOf: [\"CN=CRM,OU=Groups,DC=corp,DC=example\"]\n"
      "    attributes: {city: Oslo, CustomAttribute1: 7}\n"
      "  - smtp: a@example.org\n"
      "servers: [{name: EX1}, {name: EX2, clientAccess: false}]\n"
      "databases: [{name: MDB1}]\n"
      "managementScopes: [{name: S, recipientFilter: \"City -eq 'Oslo'\"}]\n"
      "roleAssignments: [{role: ApplicationImpersonation, user: nexj-svc, "
      "customRecipientWriteScope: S}]\n"
      "throttlingPolicies: [{name: P, ewsLimits: {EwsMaxBurst: Unlimited, EwsMaxConcurrency: 5}}]\n"
      "throttlingAssociations: [{user: svc@example.local, policy: P}]\n"
      "adPermissions: [{identity: EX1, user: nexj-svc, extendedRight: "
      "ms-Exch-EPI-Impersonation}]\n");
  REQUIRE(d.ok());
  CHECK(d->admin.version == LabExchangeVersion::Exchange2013);
  CHECK(d->admin.domain == "corp.example");
  CHECK(d->accounts[0].alias == "nexj-svc");
  CHECK(d->accounts[0].management);
  CHECK(d->mailboxes[0].alias == "a");
  CHECK(d->mailboxes[1].alias == "a2");  // made unique, as Exchange does
  CHECK(d->mailboxes[0].attributes ==
        std::map<std::string, std::string>{{"City", "Oslo"}, {"CustomAttribute1", "7"}});
  REQUIRE(d->admin.servers.size() == 2);
  CHECK_FALSE(d->admin.servers[1].client_access);
  CHECK(d->admin.databases[0].distinguished_name.starts_with("CN=MDB1,CN=Databases,"));
  REQUIRE(d->admin.assignments.size() == 1);
  CHECK(d->admin.assignments[0].name == "ApplicationImpersonation-nexj-svc");
  CHECK(d->admin.policies[0].ews_limits.at("EwsMaxConcurrency") == "5");
  CHECK(d->admin.associations[0].user == "nexj-svc");
  CHECK(d->admin.permissions[0].identity.starts_with("CN=EX1,CN=Servers,"));
  std::vector<LabRecipient> recipients = directory_recipients(*d);
  REQUIRE(recipients.size() == 3);  // two mailboxes, then the account
  CHECK(recipients[0].database == "MDB1");
  CHECK(recipients[2].distinguished_name == "CN=nexj-svc,CN=Users,DC=corp,DC=example");
}

TEST_CASE("directory admin keys: errors at file:line:col", "[lab-admin]") {
  std::vector<std::string> lines = error_lines(
      "version: Exchange2007\n"
      "accounts:\n"
      "  - {upn: svc@example.local, password: x, alias: \"bad alias\", management: yes}\n"
      "mailboxes:\n"
      "  - {smtp: a@example.com, attributes: {Colour: red}, memberOf: [plain]}\n"
      "managementScopes: [{name: S, recipientFilter: \"City -eq\"}]\n"
      "roleAssignments: [{role: Boss, user: svc}, {role: ApplicationImpersonation, user: nope}]\n"
      "throttlingPolicies: [{name: P, ewsLimits: {EWSPercentTimeInCAS: 5}}]\n"
      "throttlingAssociations: [{user: svc, policy: Q}]\n");
  CHECK(lines ==
        std::vector<std::string>{
            "lab/directory.yaml:1:10: error: version must be Exchange2010, Exchange2013, "
            "Exchange2016 or Exchange2019",
            "lab/directory.yaml:3:50: error: account alias 'bad alias' has a character an "
            "Exchange alias cannot have",
            "lab/directory.yaml:3:75: error: account management must be true or false",
            "lab/directory.yaml:5:40: error: 'Colour' is not a filterable attribute the lab knows "
            "(for example City, Department, Company, Office, Title, CustomAttribute1)",
            "lab/directory.yaml:5:65: error: memberOf entry must be a group's distinguished name "
            "(CN=...)",
            "lab/directory.yaml:6:20: error: Cannot bind parameter 'RecipientRestrictionFilter' to "
            "the target. Exception setting \"RecipientRestrictionFilter\": \"Invalid filter "
            "syntax. For a description of the filter parameter syntax see the command help. "
            "\"City -eq\" at position 9.\"",
            "lab/directory.yaml:7:19: error: The operation couldn't be performed because object "
            "'Boss' couldn't be found on 'dc01.example.local'.",
            "lab/directory.yaml:7:44: error: The operation couldn't be performed because object "
            "'nope' couldn't be found on 'dc01.example.local'.",
            "lab/directory.yaml:8:22: error: A parameter cannot be found that matches parameter "
            "name 'EWSPercentTimeInCAS'.",
            "lab/directory.yaml:9:26: error: The operation couldn't be performed because object "
            "'Q' couldn't be found on 'dc01.example.local'."});
}

}  // namespace
}  // namespace sd::lab
