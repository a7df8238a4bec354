// The spec's `remove:` list in the plan: what is removed, in which order, and what is blocked
// because something that stays uses it.
#include "plan/removals.h"

#include <catch2/catch.hpp>

#include "plan/selection.h"
#include "plan/unmanaged.h"
#include "tests/plan/plan_support.h"

using namespace sd;
using sd::test::action_for;

namespace {

Resource resource(const ResourceType& type, std::string name,
                  std::vector<std::pair<std::string_view, Value>> values = {}) {
  Resource r;
  r.type = &type;
  r.name = std::move(name);
  r.values.assign(type.fields.size(), Value{Unset{}});
  for (auto& [field, v] : values) r.values[static_cast<size_t>(field_index(type, field))] = v;
  return r;
}

ObservedResource live(const ResourceType& type, std::string name,
                      std::vector<std::pair<std::string_view, Value>> values = {}) {
  Resource r = resource(type, std::move(name), std::move(values));
  ObservedResource o;
  o.type = r.type;
  o.name = std::move(r.name);
  o.values = std::move(r.values);
  return o;
}

ObservedResource assignment(std::string name, std::string user, std::string scope) {
  return live(types::kRoleAssignment, std::move(name),
              {{"role", std::string("ApplicationImpersonation")},
               {"user", std::move(user)},
               {"customRecipientWriteScope", std::move(scope)},
               {"enabled", true}});
}

// The account and its new assignment, as the spec names them; live: the account only.
struct Fixture {
  DesiredState desired;
  ObservedState observed;

  Fixture() {
    desired.deployment = "acme";
    desired.resources.push_back(resource(types::kServiceAccount, "nexj-sync"));
    desired.resources.push_back(resource(types::kRoleAssignment, "New",
                                         {{"role", std::string("ApplicationImpersonation")},
                                          {"user", std::string("nexj-sync")},
                                          {"customRecipientWriteScope", std::string()},
                                          {"enabled", true}}));
    desired.resources.back().depends_on = {0};
    observed.resources.push_back(live(types::kServiceAccount, "nexj-sync"));
  }
  void remove(const ResourceType& type, std::string name) {
    desired.removals.push_back(Removal{&type, std::move(name), "/remove/0"});
  }
  Plan plan() { return make_plan(desired, observed, {}); }
};

// "kind address [addresses it depends on] reason"
std::string line(const Plan& p, const std::string& address) {
  const Action& a = action_for(p, address);
  std::string deps;
  for (uint32_t d : a.depends_on) deps += (deps.empty() ? "" : ", ") + p.actions[d].address();
  return std::string(to_string(a.kind)) + " [" + deps + "] " + a.reason;
}

}  // namespace

TEST_CASE("remove: an assignment of the account found live is removed after the new one is made",
          "[plan][remove]") {
  Fixture f;
  f.observed.resources.push_back(assignment("Old", "nexj-sync", "OldScope"));
  f.observed.resources.push_back(live(types::kManagementScope, "OldScope",
                                      {{"recipientFilter", std::string("City -eq 'Toronto'")}}));
  f.remove(types::kRoleAssignment, "old");  // names ignore case
  f.remove(types::kManagementScope, "OldScope");
  Plan p = f.plan();
  CHECK(line(p, "exchange.role_assignment/old") ==
        "remove [exchange.role_assignment/New] named in remove:");
  CHECK(line(p, "exchange.management_scope/OldScope") ==
        "remove [exchange.role_assignment/New, exchange.role_assignment/old] named in remove:");
  const Action& old = action_for(p, "exchange.role_assignment/old");
  CHECK(old.risky);
  REQUIRE(old.changes.size() == 4);
  CHECK(old.changes[1].before == Value{std::string("nexj-sync")});
  CHECK(is_unset(old.changes[1].after));
  CHECK(p.summary.remove == 2);
  CHECK(p.summary.has_changes());
  // What the spec removes is not also listed for review.
  CHECK(p.unmanaged.empty());
  // The order: make the new, then take the old away, the scope last.
  CHECK(p.actions.back().address() == "exchange.management_scope/OldScope");
}

TEST_CASE("remove: nothing live is a no-op, an unread type is unknown", "[plan][remove]") {
  Fixture f;
  f.remove(types::kRoleAssignment, "Gone");
  f.remove(types::kThrottlingPolicy, "Unread");
  f.observed.failed_types.emplace("exchange.throttling_policy", "Get-ThrottlingPolicy: refused");
  Plan p = f.plan();
  CHECK(line(p, "exchange.role_assignment/Gone") ==
        "no-op [] named in remove:, and not found live");
  CHECK(line(p, "exchange.throttling_policy/Unread") ==
        "unknown [] could not be read: Get-ThrottlingPolicy: refused");
  CHECK(p.summary.remove == 0);
}

TEST_CASE("remove: another user's assignment is blocked, whatever its name", "[plan][remove]") {
  Fixture f;
  f.observed.resources.push_back(assignment("Payroll", "ACME\\payroll-app", ""));
  f.remove(types::kRoleAssignment, "Payroll");
  Plan p = f.plan();
  CHECK(line(p, "exchange.role_assignment/Payroll") ==
        "blocked [] it is assigned to \"ACME\\\\payroll-app\", not to the service account "
        "\"nexj-sync\": syncdeploy removes only what concerns its account");
  CHECK(p.summary.blocked == 1);
  CHECK(cannot_apply_reason(p.summary) == "1 action is blocked");
}

TEST_CASE("remove: a scope or policy that something staying uses is blocked", "[plan][remove]") {
  Fixture f;
  f.observed.resources.push_back(assignment("Kept", "nexj-sync", "OldScope"));
  f.observed.resources.push_back(live(types::kManagementScope, "OldScope",
                                      {{"recipientFilter", std::string("City -eq 'Toronto'")}}));
  f.observed.resources.push_back(live(types::kThrottlingPolicy, "OldPolicy"));
  f.observed.resources.push_back(
      live(types::kThrottlingAssociation, "nexj-sync", {{"policy", std::string("OldPolicy")}}));
  f.remove(types::kManagementScope, "OldScope");
  f.remove(types::kThrottlingPolicy, "OldPolicy");
  Plan p = f.plan();
  CHECK(line(p, "exchange.management_scope/OldScope") ==
        "blocked [] the role assignment \"Kept\" uses it: remove the assignment too "
        "(exchange.role_assignment/Kept), or give it another scope");
  CHECK(line(p, "exchange.throttling_policy/OldPolicy") ==
        "blocked [] the service account's throttling association names it: remove "
        "exchange.throttling_association/nexj-sync too, or set exchange.throttling.policy to "
        "another policy");

  SECTION("removing the association too frees the policy, which goes after it") {
    f.remove(types::kThrottlingAssociation, "nexj-sync");
    Plan q = f.plan();
    CHECK(line(q, "exchange.throttling_association/nexj-sync") ==
          "remove [exchange.role_assignment/New] named in remove:");
    CHECK(line(q, "exchange.throttling_policy/OldPolicy") ==
          "remove [exchange.role_assignment/New, exchange.throttling_association/nexj-sync] "
          "named in remove:");
  }
  SECTION("a spec that moves the association to its own policy frees the old one") {
    f.desired.resources.push_back(resource(types::kThrottlingPolicy, "NewPolicy"));
    f.desired.resources.push_back(resource(types::kThrottlingAssociation, "nexj-sync",
                                           {{"policy", std::string("NewPolicy")}}));
    Plan q = f.plan();
    CHECK(action_for(q, "exchange.throttling_policy/OldPolicy").kind == ActionKind::Remove);
    CHECK(action_for(q, "exchange.throttling_association/nexj-sync").kind == ActionKind::Update);
  }
}

TEST_CASE("remove: a channel found live is removed after the spec's channels", "[plan][remove]") {
  Fixture f;
  f.desired.resources.push_back(resource(types::kHttpChannel, "NewSender",
                                         {{"url", std::string("https://exch/EWS/Exchange.asmx")}}));
  f.observed.resources.push_back(live(types::kHttpChannel, "OldSender",
                                      {{"url", std::string("https://old/EWS/Exchange.asmx")}}));
  f.remove(types::kHttpChannel, "OldSender");
  f.remove(types::kHttpChannel, "oldsender");  // channel names keep their case
  Plan p = f.plan();
  CHECK(line(p, "nexj.http_channel/OldSender") ==
        "remove [nexj.http_channel/NewSender] named in remove:");
  CHECK(line(p, "nexj.http_channel/oldsender") == "no-op [] named in remove:, and not found live");
}

TEST_CASE("remove: a channel a target still names waits for the target's disable or is blocked",
          "[plan][remove]") {
  Fixture f;
  f.observed.resources.push_back(live(types::kHttpChannel, "OldSender"));
  f.observed.resources.push_back(live(types::kHttpChannel, "OldReceiver"));
  // A target the spec no longer names: disabled, then its channel goes.
  f.observed.resources.push_back(
      live(types::kTarget, "OLD", {{"sender", std::string("OldSender")}, {"enabled", true}}));
  // A target the spec keeps, whose receiver it does not manage: it would point at nothing.
  f.desired.resources.push_back(resource(types::kTarget, "EXCH01", {{"enabled", true}}));
  f.observed.resources.push_back(live(
      types::kTarget, "EXCH01", {{"receiver", std::string("OldReceiver")}, {"enabled", true}}));
  f.remove(types::kHttpChannel, "OldSender");
  f.remove(types::kHttpChannel, "OldReceiver");
  Plan p = f.plan();
  CHECK(line(p, "nexj.http_channel/OldSender") == "remove [nexj.target/OLD] named in remove:");
  CHECK(line(p, "nexj.http_channel/OldReceiver") ==
        "blocked [] the target \"EXCH01\" stays enabled and names it as its receiver: point the "
        "target at another channel in the spec, or let the spec stop naming the target (it is "
        "then disabled)");
}

TEST_CASE("remove: what decides a removal could not be read: unknown, never removed",
          "[plan][remove]") {
  Fixture f;
  f.observed.resources.push_back(live(types::kThrottlingPolicy, "OldPolicy"));
  f.observed.failed_types.emplace("exchange.throttling_association",
                                  "Get-ThrottlingPolicyAssociation: refused");
  f.remove(types::kThrottlingPolicy, "OldPolicy");
  Plan p = f.plan();
  CHECK(line(p, "exchange.throttling_policy/OldPolicy") ==
        "unknown [] could not be read: what may still use it could not be read "
        "(exchange.throttling_association): Get-ThrottlingPolicyAssociation: refused");
  CHECK(cannot_apply_reason(p.summary) == "1 object could not be read");
}

TEST_CASE("remove: with --only selecting part of a side a removal is blocked", "[plan][remove]") {
  Fixture f;
  f.observed.resources.push_back(assignment("Old", "someone-else", ""));
  f.remove(types::kRoleAssignment, "Old");
  // --only exchange.role_assignment: the account is not selected, so whose it is is unknown.
  const std::vector<std::string> only = {"exchange.role_assignment"};
  f.desired = select_desired(std::move(f.desired), only);
  f.observed = select_observed(std::move(f.observed), only);
  CHECK(f.desired.only == only);
  Plan p = f.plan();
  CHECK(line(p, "exchange.role_assignment/Old") ==
        "blocked [] --only selects part of the Exchange side, and a removal is checked against "
        "all of it: plan it with --only exchange or without --only");
}

TEST_CASE("remove: the review list's hint quotes an address YAML would cut", "[plan][remove]") {
  ObservedResource o = assignment("Foo #2", "nexj-sync", "");
  CHECK(unmanaged_hint(o) ==
        "to adopt: impersonation.assignmentName: Foo #2; to remove: list "
        "\"exchange.role_assignment/Foo #2\" under remove:");
}
