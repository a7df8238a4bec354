#include "exchange/exchange_scripts.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "plan/unmanaged.h"

using namespace sd;

namespace {

const char* const kHeader2016 =
    "$ErrorActionPreference = 'Stop'\n"
    "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n";
const char* const kHeader2010 =
    "$ErrorActionPreference = 'Stop'\n"
    "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n";

// Exchange 2016, rbac with a scope, a throttling policy: every Exchange type but AD rights.
Spec spec2016() {
  Spec s;
  s.deployment = "acme";
  s.exchange.version = ExchangeVersion::Exchange2016;
  SecretRef pw;
  pw.name = "NEXJ_SYNC_PASSWORD";
  pw.at = "/exchange/serviceAccount/password";
  s.exchange.serviceAccount = {
      "nexj-sync", "nexj-sync@acme.local", AuthMethod::Negotiate, pw, "", true, "/sa"};
  s.exchange.impersonation.assignmentName = "NexJ-Sync-Impersonation";
  s.exchange.impersonation.scope =
      ManagementScope{"NexJSyncedUsers", "MemberOfGroup -eq 'CN=NexJ Users,DC=acme,DC=local'",
                      "acme.local/Advisors", "/scope"};
  Throttling t;
  t.policy = "NexJSyncPolicy";
  t.ews.maxConcurrency = Limit{};
  t.ews.maxSubscriptions = Limit{5000};
  t.ews.maxBurst = Limit{};
  s.exchange.throttling = t;
  return s;
}

Spec spec2010() {
  Spec s = spec2016();
  s.exchange.version = ExchangeVersion::Exchange2010;
  EwsLimits e;
  e.maxConcurrency = Limit{};
  e.percentTimeInCAS = Limit{500};
  e.findCountLimit = Limit{1000};
  s.exchange.throttling->ews = e;
  return s;
}

Spec spec_extended_rights() {
  Spec s = spec2016();
  s.exchange.impersonation.method = Impersonation::Method::ExtendedRights;
  s.exchange.impersonation.scope.reset();
  s.exchange.throttling.reset();
  return s;
}

DesiredState desired(const Spec& s) {
  return build_desired_state(s, {});
}

std::string select(std::initializer_list<const char*> properties) {
  std::string out = " | Select-Object ";
  bool first = true;
  for (const char* p : properties) {
    out += std::string(first ? "" : ", ") + "@{n='" + p + "';e={[string]$_." + p + "}}";
    first = false;
  }
  return out + ")";
}

// What a fully set-up Exchange 2016 prints for spec2016(), line by line.
const char* const kAccount =
    R"([{"Name":"nexj-sync","Alias":"nexj-sync","UserPrincipalName":"NEXJ-SYNC@acme.local",)"
    R"("SamAccountName":"nexjsync","PrimarySmtpAddress":"nexj-sync@acme.com"}])";
const char* const kScopes =
    R"([{"Name":"Other","RecipientFilter":"x","RecipientRoot":""},)"
    R"({"Name":"nexjsyncedusers","RecipientFilter":"MemberOfGroup -eq 'CN=NexJ Users,DC=acme,)"
    R"(DC=local'","RecipientRoot":"acme.local/Advisors"}])";
const char* const kRoles =
    R"([{"Name":"NexJ-Sync-Impersonation","Role":"ApplicationImpersonation",)"
    R"("RoleAssigneeName":"ACME\\nexjsync","CustomRecipientWriteScope":"NexJSyncedUsers",)"
    R"("Enabled":"True"}])";
const char* const kPolicies =
    R"([{"Name":"NexJSyncPolicy","EwsMaxConcurrency":"Unlimited","EwsMaxSubscriptions":"5000",)"
    R"("EwsMaxBurst":"Unlimited","EwsRechargeRate":"","EwsCutoffBalance":""}])";
const char* const kAssociation = R"([{"Name":"nexj-sync","ThrottlingPolicyId":"NexJSyncPolicy"}])";
// The four lines of the extended rights' queries when there is no server and no database.
const char* const kNoRights = "[]\r\n[]\r\n[]\r\n[]";

std::string lines(std::initializer_list<std::string> l) {
  std::string out;
  for (const std::string& s : l) out += s + "\r\n";  // WinRS gives \r\n
  return out;
}

ObservedState read(const DesiredState& d, ExchangeVersion v, const std::string& text) {
  ObservedState o;
  read_observation(d, v, text, o);
  return o;
}

const ObservedResource* find(const ObservedState& o, const std::string& address) {
  for (const ObservedResource& r : o.resources)
    if (r.type && make_address(*r.type, r.name) == address) return &r;
  return nullptr;
}

Value field(const ObservedResource& r, std::string_view name) {
  return r.values[static_cast<size_t>(field_index(*r.type, name))];
}

std::vector<std::string> plan_lines(const Plan& p) {
  std::vector<std::string> out;
  for (const Action& a : p.actions)
    out.push_back(std::string(to_string(a.kind)) + " " + a.address() + ": " + a.reason);
  return out;
}

uint32_t index_of(const Plan& p, const std::string& address) {
  for (uint32_t i = 0; i < p.actions.size(); ++i)
    if (p.actions[i].address() == address) return i;
  FAIL("no action " << address);
  return 0;
}

const SecretValues kSecrets = {{"${env:NEXJ_SYNC_PASSWORD}", "pa'ss"}};

std::string script(const Plan& p, const std::string& address, ExchangeVersion v) {
  Result<std::string> s = action_script(p, index_of(p, address), v, kSecrets);
  if (!s.ok()) FAIL(s.errors()[0].format());
  return *s;
}

}  // namespace

TEST_CASE("the read script: one query per type, the account's in the end, whatever the spec names",
          "[exchange-scripts]") {
  CHECK(is_exchange_management_type(types::kThrottlingAssociation));
  CHECK_FALSE(is_exchange_management_type(types::kTarget));
  CHECK(observe_script(desired(spec2016()), ExchangeVersion::Exchange2016) ==
        std::string(kHeader2016) +
            "ConvertTo-Json -Compress -InputObject @(Get-Mailbox -Filter 'UserPrincipalName -eq "
            "''nexj-sync@acme.local''' -ResultSize 'Unlimited'" +
            select({"Name", "Alias", "UserPrincipalName", "SamAccountName", "PrimarySmtpAddress"}) +
            "\nConvertTo-Json -Compress -InputObject @(Get-ManagementScope" +
            select({"Name", "RecipientFilter", "RecipientRoot"}) +
            "\nConvertTo-Json -Compress -InputObject @(Get-ManagementRoleAssignment -Role "
            "'ApplicationImpersonation'" +
            select({"Name", "Role", "RoleAssigneeName", "CustomRecipientWriteScope", "Enabled"}) +
            "\nConvertTo-Json -Compress -InputObject @(Get-ThrottlingPolicy" +
            select({"Name", "EwsMaxConcurrency", "EwsMaxSubscriptions", "EwsMaxBurst",
                    "EwsRechargeRate", "EwsCutoffBalance"}) +
            "\nConvertTo-Json -Compress -InputObject @(Get-ThrottlingPolicyAssociation -Identity "
            "'nexj-sync'" +
            select({"Name", "ThrottlingPolicyId"}) +
            "\nConvertTo-Json -Compress -InputObject @(Get-ExchangeServer" +
            select({"Name", "DistinguishedName"}) +
            "\nConvertTo-Json -Compress -InputObject @(Get-ExchangeServer | ForEach-Object { "
            "Get-ADPermission -Identity $_.DistinguishedName -User 'nexj-sync' }" +
            select({"Identity", "User", "ExtendedRights", "Deny", "IsInherited"}) +
            "\nConvertTo-Json -Compress -InputObject @(Get-MailboxDatabase" +
            select({"Name", "DistinguishedName"}) +
            "\nConvertTo-Json -Compress -InputObject @(Get-MailboxDatabase | ForEach-Object { "
            "Get-ADPermission -Identity $_.DistinguishedName -User 'nexj-sync' }" +
            select({"Identity", "User", "ExtendedRights", "Deny", "IsInherited"}) + "\n");
}

TEST_CASE("the read script of 2010 and of extended rights", "[exchange-scripts]") {
  Spec s = spec2010();
  s.exchange.serviceAccount.upn.clear();  // found by alias then
  std::string script2010 = observe_script(desired(s), ExchangeVersion::Exchange2010);
  CHECK(script2010.starts_with(std::string(kHeader2010) +
                               "ConvertTo-Json -Compress -InputObject @(Get-Mailbox -Filter "
                               "'Alias -eq ''nexj-sync''' -ResultSize 'Unlimited'"));
  CHECK(script2010.find(
            "ConvertTo-Json -Compress -InputObject @(Get-ThrottlingPolicy" +
            select({"Name", "EWSMaxConcurrency", "EWSMaxSubscriptions", "EWSPercentTimeInAD",
                    "EWSPercentTimeInCAS", "EWSPercentTimeInMailboxRPC",
                    "EWSFastSearchTimeoutInSeconds", "EWSFindCountLimit"}) +
            "\n") != std::string::npos);

  std::string rights =
      observe_script(desired(spec_extended_rights()), ExchangeVersion::Exchange2016);
  const std::string perms = select({"Identity", "User", "ExtendedRights", "Deny", "IsInherited"});
  const std::string targets = select({"Name", "DistinguishedName"});
  const size_t first = rights.rfind("\n", rights.find("@(Get-ExchangeServer")) + 1;
  // The rights the spec names come first; the scopes and the rest are read after, for review.
  const size_t association = rights.rfind("\n", rights.find("@(Get-ManagementScope")) + 1;
  CHECK(rights.substr(first, association - first) ==
        "ConvertTo-Json -Compress -InputObject @(Get-ExchangeServer" + targets +
            "\nConvertTo-Json -Compress -InputObject @(Get-ExchangeServer | ForEach-Object { "
            "Get-ADPermission -Identity $_.DistinguishedName -User 'nexj-sync' }" +
            perms + "\nConvertTo-Json -Compress -InputObject @(Get-MailboxDatabase" + targets +
            "\nConvertTo-Json -Compress -InputObject @(Get-MailboxDatabase | ForEach-Object { "
            "Get-ADPermission -Identity $_.DistinguishedName -User 'nexj-sync' }" +
            perms + "\n");
}

TEST_CASE("read back: present objects, normalized names and unlimited limits match the spec",
          "[exchange-scripts]") {
  DesiredState d = desired(spec2016());
  ObservedState o = read(d, ExchangeVersion::Exchange2016,
                         lines({kAccount, kScopes, kRoles, kPolicies, kAssociation, kNoRights}));
  CHECK(o.failed_types.empty());
  REQUIRE(o.resources.size() == 5);
  const ObservedResource* account = find(o, "exchange.service_account/nexj-sync");
  REQUIRE(account);
  CHECK(field(*account, "upn") == Value{std::string("NEXJ-SYNC@acme.local")});
  CHECK(field(*account, "password") == Value{SecretValue{}});  // never read: never a change
  const ObservedResource* role = find(o, "exchange.role_assignment/NexJ-Sync-Impersonation");
  REQUIRE(role);
  // ACME\nexjsync is the account by its sAMAccountName: the spec's spelling.
  CHECK(field(*role, "user") == Value{std::string("nexj-sync")});
  CHECK(field(*role, "enabled") == Value{true});
  const ObservedResource* policy = find(o, "exchange.throttling_policy/NexJSyncPolicy");
  REQUIRE(policy);
  CHECK(field(*policy, "ewsMaxConcurrency") == Value{NullValue{}});
  CHECK(field(*policy, "ewsMaxSubscriptions") == Value{int64_t{5000}});
  CHECK(field(*policy, "ewsMaxBurst") == Value{NullValue{}});
  CHECK(field(*policy, "ewsFindCountLimit") == Value{Unset{}});  // a 2010 limit: not read
  // The scope the spec names, found without case; the other one is not listed.
  CHECK(find(o, "exchange.management_scope/NexJSyncedUsers"));
  CHECK_FALSE(find(o, "exchange.management_scope/Other"));

  Plan p = make_plan(std::move(d), std::move(o), {});
  CHECK(plan_lines(p) == std::vector<std::string>{
                             "no-op exchange.management_scope/NexJSyncedUsers: up to date",
                             "no-op exchange.service_account/nexj-sync: up to date",
                             "no-op exchange.role_assignment/NexJ-Sync-Impersonation: up to date",
                             "no-op exchange.throttling_policy/NexJSyncPolicy: up to date",
                             "no-op exchange.throttling_association/nexj-sync: up to date",
                         });
}

TEST_CASE("read back: nothing there, and the account's queries stopped by its absence",
          "[exchange-scripts]") {
  DesiredState d = desired(spec2016());
  // Get-ThrottlingPolicyAssociation -Identity fails on a missing account: the script stops.
  ObservedState o = read(d, ExchangeVersion::Exchange2016, lines({"[]", "[]", "[]", "[]"}));
  CHECK(o.failed_types.empty());
  CHECK(o.resources.empty());
  Plan p = make_plan(std::move(d), std::move(o), {});
  CHECK(plan_lines(p) == std::vector<std::string>{
                             "create exchange.management_scope/NexJSyncedUsers: does not exist",
                             "create exchange.service_account/nexj-sync: does not exist",
                             "create exchange.role_assignment/NexJ-Sync-Impersonation: does not "
                             "exist",
                             "create exchange.throttling_policy/NexJSyncPolicy: does not exist",
                             "create exchange.throttling_association/nexj-sync: does not exist",
                         });
}

TEST_CASE("read back: a missing line or a garbage line fails its type, not others",
          "[exchange-scripts]") {
  DesiredState d = desired(spec2016());
  SECTION("the account exists and the association line is missing") {
    ObservedState o =
        read(d, ExchangeVersion::Exchange2016, lines({kAccount, kScopes, kRoles, kPolicies}));
    CHECK(o.failed_types ==
          std::map<std::string, std::string, std::less<>>{
              {"exchange.throttling_association",
               "the Exchange read printed 4 lines; line 5 (Get-ThrottlingPolicyAssociation) is "
               "missing: the script stopped before it"}});
    CHECK(o.resources.size() == 4);
    // The review-only queries after it are missing too: the review list says so, no type fails.
    REQUIRE(o.review_errors.size() == 4);
    CHECK(o.review_errors[0] ==
          "the Exchange read printed 4 lines; line 6 (Get-ExchangeServer) is missing: the script "
          "stopped before it");
    std::string error;
    CHECK(o.presence_of(types::kThrottlingAssociation, "exchange.throttling_association/nexj-sync",
                        nullptr, &error) == Presence::Unknown);
  }
  SECTION("what is read only for review is refused: nothing the spec names fails") {
    // An administrator without the AD permissions role: the script stops at Get-ADPermission,
    // after every query the spec needs.
    ObservedState o = read(d, ExchangeVersion::Exchange2016,
                           lines({kAccount, kScopes, kRoles, kPolicies, kAssociation}));
    CHECK(o.failed_types.empty());
    CHECK(o.resources.size() == 5);
    CHECK(o.review_errors.size() == 4);
    Plan p = make_plan(std::move(d), std::move(o), {});
    CHECK(cannot_apply_reason(p.summary).empty());
  }
  SECTION("nothing printed at all: every type fails, none is absent") {
    ObservedState o = read(d, ExchangeVersion::Exchange2016, "");
    CHECK(o.failed_types.size() == 5);
    CHECK(o.failed_types.at("exchange.service_account") ==
          "the Exchange read printed 0 lines; line 1 (Get-Mailbox) is missing: the script "
          "stopped before it");
    CHECK(o.failed_types.at("exchange.throttling_association") ==
          "the Exchange read printed 0 lines; line 5 (Get-ThrottlingPolicyAssociation) is "
          "missing: the script stopped before it");
  }
  SECTION("garbage") {
    auto error_of = [&](std::string role_line) {
      ObservedState o =
          read(d, ExchangeVersion::Exchange2016,
               lines({kAccount, kScopes, role_line, kPolicies, kAssociation, kNoRights}));
      CHECK(o.resources.size() == 4);  // the other types are read
      CHECK_FALSE(find(o, "exchange.role_assignment/NexJ-Sync-Impersonation"));
      REQUIRE(o.failed_types.size() == 1);
      return o.failed_types.at("exchange.role_assignment");
    };
    CHECK(error_of("WARNING: something\x1b[31m") ==
          "line 3 of the Exchange read (Get-ManagementRoleAssignment): not a JSON array: "
          "\"WARNING: something\\x1B[31m\"");
    CHECK(error_of(R"({"Name":"x"})") ==
          "line 3 of the Exchange read (Get-ManagementRoleAssignment): not a JSON array: "
          "\"{\\\"Name\\\":\\\"x\\\"}\"");
    CHECK(error_of(R"(["x"])") ==
          "line 3 of the Exchange read (Get-ManagementRoleAssignment): element 1 is not an object");
    CHECK(error_of(R"([{"Name":"NexJ-Sync-Impersonation","Role":"r"}])") ==
          "line 3 of the Exchange read (Get-ManagementRoleAssignment): element 1 has no string "
          "property 'RoleAssigneeName'");
    CHECK(error_of(R"([{"Name":"NexJ-Sync-Impersonation","Role":"r","RoleAssigneeName":"u",)"
                   R"("CustomRecipientWriteScope":"","Enabled":"maybe"}])") ==
          "line 3 of the Exchange read (Get-ManagementRoleAssignment): Enabled of "
          "'NexJ-Sync-Impersonation' is \"maybe\", not 'True' or 'False'");
    CHECK(error_of(R"([{"Name":"NexJ-Sync-Impersonation","Role":"r","RoleAssigneeName":"u",)"
                   R"("CustomRecipientWriteScope":"","Enabled":1}])") ==
          "line 3 of the Exchange read (Get-ManagementRoleAssignment): element 1 has no string "
          "property 'Enabled'");
    // Values no Exchange gives: a line break, a bidi override, a 10,000-character name.
    const std::string not_a_value =
        "line 3 of the Exchange read (Get-ManagementRoleAssignment): element 1 property 'Name' "
        "is not a value Exchange gives (control or bidi characters, line breaks, invalid UTF-8, "
        "or longer than 4096 characters)";
    auto role_named = [](const std::string& name) {
      return R"([{"Name":")" + name +
             R"(","Role":"r","RoleAssigneeName":"u","CustomRecipientWriteScope":"",)"
             R"("Enabled":"True"}])";
    };
    CHECK(error_of(role_named("NexJ\\r\\nSet-Mailbox x")) == not_a_value);  // JSON escapes
    CHECK(error_of(role_named("NexJ\\u202Enoitanosrepmi")) == not_a_value);
    CHECK(error_of(role_named("NexJ\\u2028x")) == not_a_value);
    CHECK(error_of(role_named(std::string(10'000, 'n'))) == not_a_value);
  }
  SECTION("a limit that is not a number") {
    ObservedState o = read(
        d, ExchangeVersion::Exchange2016,
        lines({kAccount, kScopes, kRoles,
               R"([{"Name":"NexJSyncPolicy","EwsMaxConcurrency":"-1","EwsMaxSubscriptions":"",)"
               R"("EwsMaxBurst":"","EwsRechargeRate":"","EwsCutoffBalance":""}])",
               kAssociation}));
    CHECK(o.failed_types.at("exchange.throttling_policy") ==
          "line 4 of the Exchange read (Get-ThrottlingPolicy): EwsMaxConcurrency of "
          "'NexJSyncPolicy' is \"-1\", not a number, '' or 'Unlimited'");
  }
}

TEST_CASE("read back: differences the plan turns into updates", "[exchange-scripts]") {
  DesiredState d = desired(spec2016());
  ObservedState o = read(
      d, ExchangeVersion::Exchange2016,
      lines({kAccount, R"([{"Name":"NexJSyncedUsers","RecipientFilter":"x","RecipientRoot":""}])",
             R"([{"Name":"NexJ-Sync-Impersonation","Role":"ApplicationImpersonation",)"
             R"("RoleAssigneeName":"someone-else","CustomRecipientWriteScope":"",)"
             R"("Enabled":"False"}])",
             R"([{"Name":"NexJSyncPolicy","EwsMaxConcurrency":"10","EwsMaxSubscriptions":"5000",)"
             R"("EwsMaxBurst":"Unlimited","EwsRechargeRate":"1","EwsCutoffBalance":"2"}])",
             R"([{"Name":"nexj-sync","ThrottlingPolicyId":""}])", kNoRights}));
  REQUIRE(o.failed_types.empty());
  const ObservedResource* role = find(o, "exchange.role_assignment/NexJ-Sync-Impersonation");
  REQUIRE(role);
  CHECK(field(*role, "user") == Value{std::string("someone-else")});  // not the account: kept
  CHECK(field(*find(o, "exchange.throttling_association/nexj-sync"), "policy") ==
        Value{NullValue{}});
  Plan p = make_plan(std::move(d), std::move(o), {});
  CHECK(plan_lines(p) ==
        std::vector<std::string>{
            "update exchange.management_scope/NexJSyncedUsers: 2 fields differ: recipientFilter, "
            "recipientRoot",
            "no-op exchange.service_account/nexj-sync: up to date",
            "update exchange.role_assignment/NexJ-Sync-Impersonation: 3 fields differ: "
            "customRecipientWriteScope, enabled, user",
            "update exchange.throttling_policy/NexJSyncPolicy: 1 field differs: ewsMaxConcurrency",
            "update exchange.throttling_association/nexj-sync: 1 field differs: policy",
        });
  const auto v = ExchangeVersion::Exchange2016;
  CHECK(script(p, "exchange.management_scope/NexJSyncedUsers", v) ==
        std::string(kHeader2016) +
            "Set-ManagementScope -Identity 'NexJSyncedUsers' -RecipientRestrictionFilter "
            "'MemberOfGroup -eq ''CN=NexJ Users,DC=acme,DC=local''' -RecipientRoot "
            "'acme.local/Advisors'\n");
  CHECK(script(p, "exchange.throttling_policy/NexJSyncPolicy", v) ==
        std::string(kHeader2016) +
            "Set-ThrottlingPolicy -Identity 'NexJSyncPolicy' -EwsMaxConcurrency 'Unlimited'\n");
  // Another user cannot be set on an assignment: it is removed and made again.
  CHECK(script(p, "exchange.role_assignment/NexJ-Sync-Impersonation", v) ==
        std::string(kHeader2016) +
            "Remove-ManagementRoleAssignment -Identity 'NexJ-Sync-Impersonation' "
            "-Confirm:$false\n"
            "New-ManagementRoleAssignment -Name 'NexJ-Sync-Impersonation' -Role "
            "'ApplicationImpersonation' -User 'nexj-sync' -CustomRecipientWriteScope "
            "'NexJSyncedUsers'\n");
  CHECK(script(p, "exchange.throttling_association/nexj-sync", v) ==
        std::string(kHeader2016) +
            "Set-ThrottlingPolicyAssociation -Identity 'nexj-sync' -ThrottlingPolicy "
            "'NexJSyncPolicy'\n");
}

TEST_CASE("role assignment updates: scope set, scope removed, enabled", "[exchange-scripts]") {
  auto plan_with = [](Spec s, const std::string& role_line) {
    DesiredState d = desired(s);
    // Without a scope in the spec the scopes are read only for review, after the rest.
    ObservedState o =
        read(d, ExchangeVersion::Exchange2016,
             s.exchange.impersonation.scope
                 ? lines({kAccount, kScopes, role_line, kPolicies, kAssociation, kNoRights})
                 : lines({kAccount, role_line, kPolicies, kAssociation, kScopes, kNoRights}));
    REQUIRE(o.failed_types.empty());
    return make_plan(std::move(d), std::move(o), {});
  };
  const std::string address = "exchange.role_assignment/NexJ-Sync-Impersonation";
  Plan rescoped = plan_with(
      spec2016(), R"([{"Name":"NexJ-Sync-Impersonation","Role":"ApplicationImpersonation",)"
                  R"("RoleAssigneeName":"nexj-sync@acme.local",)"
                  R"("CustomRecipientWriteScope":"Old","Enabled":"False"}])");
  CHECK(script(rescoped, address, ExchangeVersion::Exchange2016) ==
        std::string(kHeader2016) +
            "Set-ManagementRoleAssignment -Identity 'NexJ-Sync-Impersonation' "
            "-CustomRecipientWriteScope 'NexJSyncedUsers' -Enabled $true\n");
  Spec unscoped = spec2016();
  unscoped.exchange.impersonation.scope.reset();
  Plan widened = plan_with(unscoped, kRoles);
  CHECK(script(widened, address, ExchangeVersion::Exchange2016) ==
        std::string(kHeader2016) +
            "Set-ManagementRoleAssignment -Identity 'NexJ-Sync-Impersonation' "
            "-RecipientRelativeWriteScope 'Organization'\n");
}

TEST_CASE("creates of every type, 2016 and 2010 parameter sets", "[exchange-scripts]") {
  Plan p = make_plan(desired(spec2016()), ObservedState{}, {});
  const auto v = ExchangeVersion::Exchange2016;
  CHECK(script(p, "exchange.service_account/nexj-sync", v) ==
        std::string(kHeader2016) +
            "New-Mailbox -Name 'nexj-sync' -Alias 'nexj-sync' -UserPrincipalName "
            "'nexj-sync@acme.local' -Password (ConvertTo-SecureString -String 'pa''ss' "
            "-AsPlainText -Force)\n");
  CHECK(script(p, "exchange.management_scope/NexJSyncedUsers", v) ==
        std::string(kHeader2016) +
            "New-ManagementScope -Name 'NexJSyncedUsers' -RecipientRestrictionFilter "
            "'MemberOfGroup -eq ''CN=NexJ Users,DC=acme,DC=local''' -RecipientRoot "
            "'acme.local/Advisors'\n");
  CHECK(script(p, "exchange.role_assignment/NexJ-Sync-Impersonation", v) ==
        std::string(kHeader2016) +
            "New-ManagementRoleAssignment -Name 'NexJ-Sync-Impersonation' -Role "
            "'ApplicationImpersonation' -User 'nexj-sync' -CustomRecipientWriteScope "
            "'NexJSyncedUsers'\n");
  CHECK(script(p, "exchange.throttling_policy/NexJSyncPolicy", v) ==
        std::string(kHeader2016) +
            "New-ThrottlingPolicy -Name 'NexJSyncPolicy' -ThrottlingPolicyScope 'Regular' "
            "-EwsMaxConcurrency 'Unlimited' -EwsMaxSubscriptions 5000 -EwsMaxBurst 'Unlimited'\n");
  CHECK(script(p, "exchange.throttling_association/nexj-sync", v) ==
        std::string(kHeader2016) +
            "Set-ThrottlingPolicyAssociation -Identity 'nexj-sync' -ThrottlingPolicy "
            "'NexJSyncPolicy'\n");

  Plan old = make_plan(desired(spec2010()), ObservedState{}, {});
  CHECK(script(old, "exchange.throttling_policy/NexJSyncPolicy", ExchangeVersion::Exchange2010) ==
        std::string(kHeader2010) +
            "New-ThrottlingPolicy -Name 'NexJSyncPolicy' -EWSMaxConcurrency $null "
            "-EWSPercentTimeInCAS 500 -EWSFindCountLimit 1000\n");
  // A 2013+ limit cannot be written for 2010 (the spec rules refuse it before this).
  Result<std::string> wrong =
      action_script(p, index_of(p, "exchange.throttling_policy/NexJSyncPolicy"),
                    ExchangeVersion::Exchange2010, kSecrets);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.errors()[0].message == "ewsMaxBurst has no throttling parameter on Exchange2010");
}

TEST_CASE("extended rights: read on every server and database, granted on every one",
          "[exchange-scripts]") {
  DesiredState d = desired(spec_extended_rights());
  const char* servers = R"([{"Name":"EXCH01","DistinguishedName":"CN=EXCH01,CN=Servers"},)"
                        R"({"Name":"EXCH02","DistinguishedName":"CN=EXCH02,CN=Servers"}])";
  const char* server_rights =
      R"([{"Identity":"EXCH01","User":"ACME\\nexjsync","ExtendedRights":"ms-Exch-EPI-Impersonation",)"
      R"("Deny":"False","IsInherited":"False"},)"
      R"({"Identity":"CN=EXCH02,CN=Servers","User":"nexj-sync@acme.local",)"
      R"("ExtendedRights":"Send-As ms-Exch-EPI-Impersonation","Deny":"False","IsInherited":"False"}])";
  const char* databases = R"([{"Name":"DB1","DistinguishedName":"CN=DB1"},)"
                          R"({"Name":"DB2","DistinguishedName":"CN=DB2"}])";
  // DB2 denies it: not granted everywhere, so absent.
  const char* database_rights =
      R"([{"Identity":"DB1","User":"ACME\\nexj-sync","ExtendedRights":"ms-Exch-EPI-May-Impersonate",)"
      R"("Deny":"False","IsInherited":"True"},)"
      R"({"Identity":"DB2","User":"ACME\\nexj-sync","ExtendedRights":"ms-Exch-EPI-May-Impersonate",)"
      R"("Deny":"True","IsInherited":"False"}])";
  ObservedState o = read(d, ExchangeVersion::Exchange2016,
                         lines({kAccount, servers, server_rights, databases, database_rights, "[]",
                                "[]", "[]", "[]"}));
  CHECK(o.failed_types.empty());
  Plan p = make_plan(std::move(d), std::move(o), {});
  CHECK(plan_lines(p) ==
        std::vector<std::string>{
            "no-op exchange.service_account/nexj-sync: up to date",
            "no-op exchange.ad_permission/nexj-sync/ms-Exch-EPI-Impersonation: up to date",
            "create exchange.ad_permission/nexj-sync/ms-Exch-EPI-May-Impersonate: does not exist",
        });
  CHECK(script(p, "exchange.ad_permission/nexj-sync/ms-Exch-EPI-May-Impersonate",
               ExchangeVersion::Exchange2016) ==
        std::string(kHeader2016) +
            "Get-MailboxDatabase | ForEach-Object { Add-ADPermission -Identity "
            "$_.DistinguishedName -User 'nexj-sync' -ExtendedRights "
            "'ms-Exch-EPI-May-Impersonate' }\n");

  // Without the account, Get-ADPermission -User stops the script: both rights are absent.
  DesiredState d2 = desired(spec_extended_rights());
  ObservedState none = read(d2, ExchangeVersion::Exchange2016, lines({"[]", servers}));
  CHECK(none.failed_types.empty());
  CHECK(none.resources.empty());
}

TEST_CASE("action errors: missing secret, unchangeable account, not an Exchange change",
          "[exchange-scripts]") {
  Plan p = make_plan(desired(spec2016()), ObservedState{}, {});
  uint32_t account = index_of(p, "exchange.service_account/nexj-sync");
  Result<std::string> missing = action_script(p, account, ExchangeVersion::Exchange2016, {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.errors()[0].message ==
        "the secret ${env:NEXJ_SYNC_PASSWORD} was not resolved; it is the password that creates "
        "exchange.service_account/nexj-sync");
  CHECK(missing.errors()[0].subject == "exchange.service_account/nexj-sync");

  Result<std::string> out_of_range =
      action_script(p, static_cast<uint32_t>(p.actions.size()), ExchangeVersion::Exchange2016, {});
  CHECK(out_of_range.errors()[0].message == "no action 5 in the plan (it has 5)");

  // The filter finds the account by its UPN, so only a hand-written observation differs.
  DesiredState d = desired(spec2016());
  ObservedState o = read(d, ExchangeVersion::Exchange2016,
                         lines({kAccount, kScopes, kRoles, kPolicies, kAssociation, kNoRights}));
  for (ObservedResource& r : o.resources)
    if (r.type == &types::kServiceAccount)
      r.values[static_cast<size_t>(field_index(types::kServiceAccount, "upn"))] =
          std::string("old@acme.local");
  Plan drift = make_plan(std::move(d), std::move(o), {});
  Result<std::string> account_update =
      action_script(drift, index_of(drift, "exchange.service_account/nexj-sync"),
                    ExchangeVersion::Exchange2016, kSecrets);
  REQUIRE_FALSE(account_update.ok());
  CHECK(account_update.errors()[0].message ==
        "the account exists and differs (upn: \"old@acme.local\" -> \"nexj-sync@acme.local\"); "
        "syncdeploy does not change an existing account: change it on Exchange or in the spec");
  Result<std::string> noop =
      action_script(drift, index_of(drift, "exchange.management_scope/NexJSyncedUsers"),
                    ExchangeVersion::Exchange2016, kSecrets);
  CHECK(noop.errors()[0].message ==
        "no-op actions run no PowerShell; only create, update and remove do");
}

TEST_CASE("a value that cannot be written: the read skips its query, apply and export refuse",
          "[exchange-scripts]") {
  Spec s = spec2016();
  s.exchange.impersonation.scope->recipientFilter = "Name -eq 'x'\nRemove-Mailbox -Identity boss";
  s.exchange.serviceAccount.upn = "a\nb@acme.local";
  DesiredState d = desired(s);
  std::string read_script = observe_script(d, ExchangeVersion::Exchange2016);
  CHECK(read_script.find("Get-Mailbox -Filter") == std::string::npos);
  CHECK(read_script.find("Remove-Mailbox") == std::string::npos);
  ObservedState o = read(d, ExchangeVersion::Exchange2016,
                         lines({kScopes, kRoles, kPolicies, kAssociation, kNoRights}));
  CHECK(o.failed_types.at("exchange.service_account") ==
        "Get-Mailbox was not run: cannot write the UserPrincipalName filter value: it holds a "
        "line break (U+000A) at byte 2, which a one-line PowerShell string cannot carry");
  CHECK(o.failed_types.size() == 1);

  Plan p = make_plan(desired(s), ObservedState{}, {});
  Result<std::string> scope =
      action_script(p, index_of(p, "exchange.management_scope/NexJSyncedUsers"),
                    ExchangeVersion::Exchange2016, kSecrets);
  REQUIRE_FALSE(scope.ok());
  CHECK(scope.errors()[0].message ==
        "cannot write -RecipientRestrictionFilter of New-ManagementScope in PowerShell: it holds "
        "a line break (U+000A) at byte 13, which a one-line PowerShell string cannot carry");

  // The export: every line is a comment or a statement; the hostile text stays in comments.
  std::string exported = render_powershell(p, ExchangeVersion::Exchange2016);
  std::istringstream in(exported);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    CHECK_FALSE(line.starts_with("Remove-Mailbox"));
  }
  CHECK(exported.find("# left out: create exchange.management_scope/NexJSyncedUsers: does not "
                      "exist: cannot write -RecipientRestrictionFilter of New-ManagementScope in "
                      "PowerShell: it holds a line break (U+000A) at byte 13, which a one-line "
                      "PowerShell string cannot carry\n") != std::string::npos);
}

TEST_CASE("export: comments with the changes, prompts for passwords, left-out actions",
          "[exchange-scripts]") {
  DesiredState d = desired(spec2016());
  ObservedState o;
  o.failed_types["exchange.throttling_association"] = "line 5: broken\nInvoke-Evil";
  Plan p = make_plan(std::move(d), std::move(o), {});
  p.deployment = "acme";
  std::string exported = render_powershell(p, ExchangeVersion::Exchange2016);
  CHECK(exported.starts_with(
      "# syncdeploy export --powershell: deployment \"acme\", Exchange2016\n"
      "# Review before running. Passwords are asked for with Read-Host.\n" +
      std::string(kHeader2016) +
      "# create exchange.management_scope/NexJSyncedUsers: does not exist\n"
      "#   recipientFilter = \"MemberOfGroup -eq 'CN=NexJ Users,DC=acme,DC=local'\"\n"
      "#   recipientRoot = \"acme.local/Advisors\"\n"
      "New-ManagementScope -Name 'NexJSyncedUsers' -RecipientRestrictionFilter 'MemberOfGroup "
      "-eq ''CN=NexJ Users,DC=acme,DC=local''' -RecipientRoot 'acme.local/Advisors'\n"
      "# create exchange.service_account/nexj-sync: does not exist\n"
      "#   upn = \"nexj-sync@acme.local\"\n"
      "#   password = (sensitive)\n"
      "New-Mailbox -Name 'nexj-sync' -Alias 'nexj-sync' -UserPrincipalName "
      "'nexj-sync@acme.local' -Password (Read-Host -AsSecureString -Prompt "
      "'Password for exchange.service_account/nexj-sync (${env:NEXJ_SYNC_PASSWORD})')\n"));
  CHECK(exported.ends_with(
      "# left out: unknown exchange.throttling_association/nexj-sync: could not be read: line 5: "
      "broken\\nInvoke-Evil\n"));

  Plan empty = make_plan(DesiredState{}, ObservedState{}, {});
  CHECK(render_powershell(empty, ExchangeVersion::Exchange2010) ==
        "# syncdeploy export --powershell: deployment \"\", Exchange2010\n"
        "# Review before running. Passwords are asked for with Read-Host.\n" +
            std::string(kHeader2010) +
            "# Nothing to run: the plan has no Exchange change that this script can make.\n");
}

// What concerns the account and the spec does not name, one case per Exchange type: the old
// object after a rename, the rights left after a switch to RBAC, a policy the spec dropped.
TEST_CASE("read back: what concerns the account but the spec does not name is shown for review",
          "[exchange-scripts]") {
  const char* scopes =
      R"([{"Name":"NexJSyncedUsers","RecipientFilter":"MemberOfGroup -eq 'CN=NexJ Users,DC=acme,)"
      R"(DC=local'","RecipientRoot":"acme.local/Advisors"},)"
      R"({"Name":"OldScope","RecipientFilter":"Department -eq 'Sales'","RecipientRoot":""},)"
      R"({"Name":"Unused","RecipientFilter":"x","RecipientRoot":""}])";
  const char* roles =
      R"([{"Name":"NexJ-Sync-Impersonation","Role":"ApplicationImpersonation",)"
      R"("RoleAssigneeName":"ACME\\nexjsync","CustomRecipientWriteScope":"NexJSyncedUsers",)"
      R"("Enabled":"True"},)"
      R"({"Name":"Old-Impersonation","Role":"ApplicationImpersonation",)"
      R"("RoleAssigneeName":"nexj-sync@acme.local","CustomRecipientWriteScope":"OldScope",)"
      R"("Enabled":"True"},)"
      R"({"Name":"Someone-Else","Role":"ApplicationImpersonation",)"
      R"("RoleAssigneeName":"ACME\\other","CustomRecipientWriteScope":"Unused","Enabled":"True"}])";
  const char* policies =
      R"([{"Name":"NexJSyncPolicy","EwsMaxConcurrency":"Unlimited","EwsMaxSubscriptions":"5000",)"
      R"("EwsMaxBurst":"","EwsRechargeRate":"","EwsCutoffBalance":""},)"
      R"({"Name":"OldPolicy","EwsMaxConcurrency":"20","EwsMaxSubscriptions":"",)"
      R"("EwsMaxBurst":"Unlimited","EwsRechargeRate":"","EwsCutoffBalance":""}])";
  // The rights on the one server, left from before the switch to RBAC; no mailbox database.
  const std::string rights = lines({R"([{"Name":"EX1","DistinguishedName":"CN=EX1"}])",
                                    R"([{"Identity":"CN=EX1","User":"ACME\\nexj-sync",)"
                                    R"("ExtendedRights":"ms-Exch-EPI-Impersonation",)"
                                    R"("Deny":"False","IsInherited":"False"}])",
                                    "[]"}) +
                             "[]";
  const char* old_association = R"([{"Name":"nexj-sync","ThrottlingPolicyId":"OldPolicy"}])";
  auto unmanaged_of = [](const Plan& p) {
    std::vector<std::string> out;
    for (uint32_t j : p.unmanaged) {
      const ObservedResource& o = p.observed.resources[j];
      out.push_back(make_address(*o.type, o.name) + ": " + unmanaged_hint(o));
    }
    return out;
  };
  const std::string kRoleHint =
      "exchange.role_assignment/Old-Impersonation: to adopt: impersonation.assignmentName: "
      "Old-Impersonation; to remove: list exchange.role_assignment/Old-Impersonation under "
      "remove:";
  const std::string kScopeHint =
      "exchange.management_scope/OldScope: to adopt: impersonation.scope.name: OldScope; to "
      "remove: list exchange.management_scope/OldScope under remove:, with the assignments "
      "that use it";
  const std::string kRightHint =
      "exchange.ad_permission/nexj-sync/ms-Exch-EPI-Impersonation: to adopt: "
      "impersonation.method: extendedRights; to remove: list "
      "exchange.ad_permission/nexj-sync/ms-Exch-EPI-Impersonation under remove:";
  const std::string kPolicyHint =
      "exchange.throttling_policy/OldPolicy: to adopt: throttling.policy: OldPolicy; to "
      "remove: list exchange.throttling_policy/OldPolicy under remove:, once no account uses "
      "it";

  SECTION("renamed assignment, scope and policy; rights left from extended rights") {
    DesiredState d = desired(spec2016());
    ObservedState o = read(d, ExchangeVersion::Exchange2016,
                           lines({kAccount, scopes, roles, policies, old_association, rights}));
    REQUIRE(o.failed_types.empty());
    const ObservedResource* old_policy = find(o, "exchange.throttling_policy/OldPolicy");
    REQUIRE(old_policy);
    CHECK(field(*old_policy, "ewsMaxConcurrency") == Value{int64_t{20}});
    CHECK(field(*find(o, "exchange.role_assignment/Old-Impersonation"), "user") ==
          Value{std::string("nexj-sync")});
    CHECK_FALSE(find(o, "exchange.role_assignment/Someone-Else"));
    CHECK_FALSE(find(o, "exchange.management_scope/Unused"));
    Plan p = make_plan(std::move(d), std::move(o), {});
    // In plan order: step, then type.
    CHECK(unmanaged_of(p) ==
          std::vector<std::string>{kRightHint, kScopeHint, kRoleHint, kPolicyHint});
    // The association the spec names moves to its policy: an update, not an unmanaged object.
    CHECK(plan_lines(p).back() ==
          "update exchange.throttling_association/nexj-sync: 1 field differs: policy");
  }
  SECTION("a spec without throttling: the association and its policy are shown") {
    Spec s = spec2016();
    s.exchange.throttling.reset();
    DesiredState d = desired(s);
    ObservedState o =
        read(d, ExchangeVersion::Exchange2016,
             lines({kAccount, kScopes, kRoles, policies, kNoRights, old_association}));
    REQUIRE(o.failed_types.empty());
    Plan p = make_plan(std::move(d), std::move(o), {});
    CHECK(unmanaged_of(p) ==
          std::vector<std::string>{
              "exchange.throttling_association/nexj-sync: to adopt: throttling.policy: the "
              "policy it names; to remove: list exchange.throttling_association/nexj-sync "
              "under remove:",
              kPolicyHint});
  }
  SECTION("the default policy and no other assignment: nothing to review") {
    Spec s = spec2016();
    s.exchange.throttling.reset();
    DesiredState d = desired(s);
    ObservedState o = read(d, ExchangeVersion::Exchange2016,
                           lines({kAccount, kScopes, kRoles, policies, kNoRights,
                                  R"([{"Name":"nexj-sync","ThrottlingPolicyId":""}])"}));
    Plan p = make_plan(std::move(d), std::move(o), {});
    CHECK(p.unmanaged.empty());
  }
}

TEST_CASE("remove: what the spec's remove: names is read by name and taken away by its cmdlet",
          "[exchange-scripts][remove]") {
  const char* scopes =
      R"([{"Name":"NexJSyncedUsers","RecipientFilter":"MemberOfGroup -eq 'CN=NexJ Users,DC=acme,)"
      R"(DC=local'","RecipientRoot":"acme.local/Advisors"},)"
      R"({"Name":"OldScope","RecipientFilter":"Department -eq 'Sales'","RecipientRoot":""}])";
  const char* roles =
      R"([{"Name":"NexJ-Sync-Impersonation","Role":"ApplicationImpersonation",)"
      R"("RoleAssigneeName":"ACME\\nexjsync","CustomRecipientWriteScope":"NexJSyncedUsers",)"
      R"("Enabled":"True"},)"
      R"({"Name":"Old-Impersonation","Role":"ApplicationImpersonation",)"
      R"("RoleAssigneeName":"nexj-sync@acme.local","CustomRecipientWriteScope":"OldScope",)"
      R"("Enabled":"False"}])";
  // The right on the one server; the databases' queries are only for review (the list names
  // no right on them), so they come last.
  const std::string server_rights = lines({R"([{"Name":"EX1","DistinguishedName":"CN=EX1"}])",
                                           R"([{"Identity":"CN=EX1","User":"ACME\\nexj-sync",)"
                                           R"("ExtendedRights":"ms-Exch-EPI-Impersonation",)"
                                           R"("Deny":"False","IsInherited":"False"}])"});
  Spec s = spec2016();
  s.exchange.throttling.reset();
  DesiredState d = desired(s);
  d.removals = {
      Removal{&types::kRoleAssignment, "Old-Impersonation", "/remove/0"},
      Removal{&types::kManagementScope, "OldScope", "/remove/1"},
      Removal{&types::kAdPermission, "nexj-sync/ms-Exch-EPI-Impersonation", "/remove/2"},
      Removal{&types::kThrottlingAssociation, "nexj-sync", "/remove/3"},
  };
  // What the list names is read before what is read only for review.
  ObservedState o = read(d, ExchangeVersion::Exchange2016,
                         lines({kAccount, scopes, roles}) + server_rights +
                             lines({kAssociation, kPolicies}) + "[]\r\n[]\r\n");
  REQUIRE(o.failed_types.empty());
  CHECK(o.review_errors.empty());
  CHECK(field(*find(o, "exchange.role_assignment/Old-Impersonation"), "user") ==
        Value{std::string("nexj-sync")});
  Plan p = make_plan(std::move(d), std::move(o), {});
  CHECK(p.unmanaged.size() == 1);  // the associated policy, which the list does not name
  const std::string confirm = " -Confirm:$false\n";
  CHECK(script(p, "exchange.role_assignment/Old-Impersonation", ExchangeVersion::Exchange2016) ==
        kHeader2016 + std::string("Remove-ManagementRoleAssignment -Identity 'Old-Impersonation'") +
            confirm);
  CHECK(script(p, "exchange.management_scope/OldScope", ExchangeVersion::Exchange2016) ==
        kHeader2016 + std::string("Remove-ManagementScope -Identity 'OldScope'") + confirm);
  CHECK(script(p, "exchange.ad_permission/nexj-sync/ms-Exch-EPI-Impersonation",
               ExchangeVersion::Exchange2016) ==
        kHeader2016 +
            std::string("Get-ExchangeServer | ForEach-Object { Remove-ADPermission -Identity "
                        "$_.DistinguishedName -User 'nexj-sync' -ExtendedRights "
                        "'ms-Exch-EPI-Impersonation' -Confirm:$false }\n"));
  CHECK(script(p, "exchange.throttling_association/nexj-sync", ExchangeVersion::Exchange2016) ==
        kHeader2016 + std::string("Set-ThrottlingPolicyAssociation -Identity 'nexj-sync' "
                                  "-ThrottlingPolicy $null\n"));
  // The export writes them too, with what is taken away.
  std::string exported = render_powershell(p, ExchangeVersion::Exchange2016);
  CHECK(exported.find("# remove exchange.management_scope/OldScope: named in remove:\n"
                      "#   recipientFilter: \"Department -eq 'Sales'\" -> (unset)\n") !=
        std::string::npos);
}
