// Design decision 3: identities compare without case. An Exchange policy or a NexJ login
// written in another case by the live system is the same object, never a create plus a
// disable; NexJ target names are model names and keep their case.
#include <catch2/catch.hpp>

#include "plan/plan.h"
#include "tests/plan/plan_support.h"

using namespace sd;

namespace {

using sd::test::folder_link;

ObservedResource observed(const ResourceType& type, std::string name, std::vector<Value> values) {
  ObservedResource o;
  o.type = &type;
  o.name = std::move(name);
  o.values = std::move(values);
  return o;
}

}  // namespace

TEST_CASE("logins and Exchange identities match live names in any case", "[plan]") {
  DesiredState desired;
  desired.resources.push_back(folder_link("jsmith", "calendar", "jsmith@acme.com"));
  Resource policy;
  policy.type = &types::kThrottlingPolicy;
  policy.name = "NexJSyncPolicy";
  policy.values.assign(types::kThrottlingPolicy.fields.size(), Unset{});
  policy.values[0] = NullValue{};
  desired.resources.push_back(policy);

  ObservedState live;
  live.resources.push_back(observed(types::kFolderLink, "JSmith/calendar",
                                    {std::string("EXCH01"), std::string("JSMITH@acme.com"), true}));
  std::vector<Value> policy_values(types::kThrottlingPolicy.fields.size(), Unset{});
  policy_values[0] = std::string("Unlimited");
  live.resources.push_back(observed(types::kThrottlingPolicy, "nexjsyncpolicy", policy_values));

  PlanOptions prune;
  prune.prune = true;  // with prune, a mismatch would also disable the live link
  Plan plan = make_plan(desired, live, prune);
  REQUIRE(plan.actions.size() == 2);
  for (const Action& a : plan.actions) {
    INFO(a.address());
    CHECK(a.kind == ActionKind::NoOp);
    CHECK(a.observed >= 0);
  }
}

TEST_CASE("target names keep their case: another case is another target", "[plan]") {
  DesiredState desired;
  Resource target;
  target.type = &types::kTarget;
  target.name = "EXCH01";
  target.values.assign(types::kTarget.fields.size(), Unset{});
  target.values[9] = true;
  desired.resources.push_back(target);
  ObservedState live;
  std::vector<Value> values(types::kTarget.fields.size(), Unset{});
  values[9] = true;
  live.resources.push_back(observed(types::kTarget, "exch01", values));
  Plan plan = make_plan(desired, live, PlanOptions{});
  REQUIRE(plan.actions.size() == 2);
  CHECK(plan.actions[0].address() == "nexj.target/EXCH01");
  CHECK(plan.actions[0].kind == ActionKind::Create);
  CHECK(plan.actions[1].address() == "nexj.target/exch01");
  CHECK(plan.actions[1].kind == ActionKind::Disable);
}

TEST_CASE("an observed state may not list one identity twice in two cases", "[observed]") {
  Result<ObservedState> parsed = parse_observed_state("obs.json",
                                                      R"({"format_version": "1", "resources": [
            {"address": "nexj.folder_link/jsmith/calendar", "status": "absent"},
            {"address": "nexj.folder_link/JSMITH/calendar", "status": "absent"}]})");
  REQUIRE_FALSE(parsed.ok());
  CHECK(format_all(parsed.errors()) ==
        "obs.json: error: duplicate address \"nexj.folder_link/JSMITH/calendar\" (first at "
        "resources[0]) (resources[1].address)\n");
}
