#include "plan/plan.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <iostream>

#include "plan/desired_state.h"
#include "tests/plan/plan_support.h"

using namespace sd;

namespace {

using sd::test::action_for;

// A small deployment: account, rbac without scope, throttling, one sender, receiver, target,
// two users (4 links).
Spec small_spec() {
  Spec s;
  s.deployment = "acme-prod";
  SecretRef pw;
  pw.name = "NEXJ_SYNC_PASSWORD";
  pw.at = "/exchange/serviceAccount/password";
  s.exchange.serviceAccount = {
      "nexj-sync", "nexj-sync@acme.local", AuthMethod::Negotiate, pw, "", true, "/sa"};
  s.exchange.impersonation.assignmentName = "nexj-sync-ApplicationImpersonation";
  Throttling t;
  t.policy = "NexJSyncPolicy";
  t.ews.maxConcurrency = Limit{};
  t.ews.maxBurst = Limit{500};
  s.exchange.throttling = t;
  s.exchange.servers.push_back({"exch01", "exch01.acme.local", "", "", ""});
  s.nexj.url = "https://crm.acme.local/nexj";
  SenderChannel sender;
  sender.channel = "ExchangeEWSSender1";
  sender.server = "exch01";
  s.nexj.channels.senders.push_back(sender);
  s.nexj.channels.receiver = ReceiverChannel{};
  Target target;
  target.name = "EXCH01";
  target.server = "exch01";
  target.sender = "ExchangeEWSSender1";
  s.nexj.targets.push_back(target);
  s.users.defaultTarget = "EXCH01";
  s.users.list.push_back({"jsmith", "jsmith@acme.com", "EXCH01", kAllFolders, {}, ""});
  s.users.list.push_back({"mlee", "mlee@acme.com", "EXCH01", 1, {}, ""});
  return s;
}

const SecretFingerprints kSmallFingerprints = {
    {"/exchange/serviceAccount/password", "sha256:1111111111111111"}};

DesiredState small_desired() {
  return build_desired_state(small_spec(), kSmallFingerprints);
}

// What the live systems would hold after a perfect apply: every desired object, present.
ObservedState mirror(const DesiredState& d) {
  ObservedState o;
  for (const Resource& r : d.resources) {
    ObservedResource x;
    x.type = r.type;
    x.name = r.name;
    x.values = r.values;
    for (Value& v : x.values)
      if (auto* s = std::get_if<SecretValue>(&v)) s->reference.clear();  // reads see no refs
    o.resources.push_back(std::move(x));
  }
  return o;
}

ObservedResource* find_observed(ObservedState& o, const std::string& address) {
  for (ObservedResource& r : o.resources)
    if (make_address(*r.type, r.name) == address) return &r;
  return nullptr;
}

void set(ObservedResource& r, std::string_view field, Value v) {
  int i = field_index(*r.type, field);
  REQUIRE(i >= 0);
  r.values[static_cast<size_t>(i)] = std::move(v);
}

ObservedResource gone_link(const std::string& name, bool enabled) {
  ObservedResource r;
  r.type = &types::kFolderLink;
  r.name = name;
  r.values = {std::string("EXCH01"), std::string("x@acme.com"), enabled};
  return r;
}

bool has_action(const Plan& p, const std::string& address) {
  for (const Action& a : p.actions)
    if (a.address() == address) return true;
  return false;
}

// One line per action: "kind address [deps] reason", for whole-plan comparisons.
std::vector<std::string> lines(const Plan& p) {
  std::vector<std::string> out;
  for (const Action& a : p.actions) {
    std::string deps;
    for (uint32_t d : a.depends_on) deps += (deps.empty() ? "" : ",") + std::to_string(d);
    out.push_back(std::string(to_string(a.kind)) + " " + a.address() + " [" + deps + "] " +
                  a.reason + (a.risky ? " !" : ""));
  }
  return out;
}

}  // namespace

TEST_CASE("nothing exists: everything is created, in dependency then step order", "[plan]") {
  Plan p = make_plan(small_desired(), ObservedState{}, {});
  CHECK(p.deployment == "acme-prod");
  CHECK(lines(p) ==
        std::vector<std::string>{
            "create exchange.service_account/nexj-sync [] does not exist",
            "create exchange.role_assignment/nexj-sync-ApplicationImpersonation [0] "
            "does not exist !",
            "create exchange.throttling_policy/NexJSyncPolicy [] does not exist !",
            "create exchange.throttling_association/nexj-sync [0,2] does not exist !",
            "create nexj.http_channel/ExchangeEWSNotificationReceiver [] does not exist",
            "create nexj.http_channel/ExchangeEWSSender1 [0] does not exist",
            "create nexj.target/EXCH01 [4,5] does not exist",
            "create nexj.folder_link/jsmith/calendar [1,6] does not exist",
            "create nexj.folder_link/jsmith/contacts [1,6] does not exist",
            "create nexj.folder_link/jsmith/tasks [1,6] does not exist",
            "create nexj.folder_link/mlee/calendar [1,6] does not exist",
        });
  const Action& t = action_for(p, "nexj.target/EXCH01");
  REQUIRE(t.changes.size() == 9);  // keepItemsOlderThanDays is not given: not managed
  CHECK(t.changes[0].field == 0);
  CHECK(is_unset(t.changes[0].before));
  CHECK(t.changes[0].after == Value{std::string("exch01.acme.local")});
  CHECK(t.desired == 6);
  CHECK(t.observed == -1);
  CHECK(p.summary.create == 11);
  CHECK(p.summary.risky == 3);
  CHECK(p.summary.has_changes());
}

TEST_CASE("an account that must exist and does not is blocked, not created", "[plan]") {
  Spec spec = small_spec();
  spec.exchange.serviceAccount.create = false;
  Plan p = make_plan(build_desired_state(spec, kSmallFingerprints), ObservedState{}, {});
  const Action& a = action_for(p, "exchange.service_account/nexj-sync");
  CHECK(a.kind == ActionKind::Blocked);
  CHECK(a.reason ==
        "does not exist, and exchange.serviceAccount.create is false: create the account or let "
        "syncdeploy create it");
  CHECK(a.changes.empty());
  CHECK(p.summary.blocked == 1);
  CHECK(p.summary.create == 10);
}

TEST_CASE("everything up to date: no-ops, with case and unlimited rules applied", "[plan]") {
  DesiredState d = small_desired();
  ObservedState o = mirror(d);
  set(*find_observed(o, "exchange.service_account/nexj-sync"), "upn",
      std::string("NEXJ-SYNC@ACME.LOCAL"));
  set(*find_observed(o, "exchange.role_assignment/nexj-sync-ApplicationImpersonation"), "user",
      std::string("Nexj-Sync"));
  set(*find_observed(o, "exchange.throttling_policy/NexJSyncPolicy"), "ewsMaxConcurrency",
      std::string("Unlimited"));
  set(*find_observed(o, "exchange.throttling_policy/NexJSyncPolicy"), "ewsFindCountLimit",
      int64_t{9});
  set(*find_observed(o, "nexj.folder_link/jsmith/calendar"), "email",
      std::string("JSmith@ACME.com"));
  set(*find_observed(o, "nexj.target/EXCH01"), "host", std::string("EXCH01.acme.local"));
  // A read that cannot see the fingerprint never shows a change.
  set(*find_observed(o, "nexj.http_channel/ExchangeEWSSender1"), "password", SecretValue{});
  Plan p = make_plan(std::move(d), std::move(o), {});
  for (const Action& a : p.actions) {
    INFO(a.address());
    CHECK(a.kind == ActionKind::NoOp);
    CHECK(a.reason == "up to date");
    CHECK(a.changes.empty());
    CHECK(a.observed >= 0);
  }
  CHECK(p.summary.noop == 11);
  CHECK_FALSE(p.summary.has_changes());
}

TEST_CASE("differing fields make an update that lists exactly those fields", "[plan]") {
  DesiredState d = small_desired();
  ObservedState o = mirror(d);
  set(*find_observed(o, "nexj.target/EXCH01"), "host", std::string("old.acme.local"));
  set(*find_observed(o, "nexj.target/EXCH01"), "enabled", false);
  set(*find_observed(o, "exchange.throttling_policy/NexJSyncPolicy"), "ewsMaxBurst", NullValue{});
  set(*find_observed(o, "nexj.http_channel/ExchangeEWSSender1"), "password",
      SecretValue{"", "sha256:9999999999999999"});
  Plan p = make_plan(std::move(d), std::move(o), {});

  const Action& t = action_for(p, "nexj.target/EXCH01");
  CHECK(t.kind == ActionKind::Update);
  CHECK(t.reason == "2 fields differ: enabled, host");
  REQUIRE(t.changes.size() == 2);
  CHECK(t.changes[0].field == 0);
  CHECK(t.changes[0].before == Value{std::string("old.acme.local")});
  CHECK(t.changes[0].after == Value{std::string("exch01.acme.local")});
  CHECK(t.changes[1].field == 9);
  CHECK(t.changes[1].before == Value{false});
  CHECK(t.changes[1].after == Value{true});
  CHECK_FALSE(t.risky);  // switching on is not risky

  const Action& policy = action_for(p, "exchange.throttling_policy/NexJSyncPolicy");
  CHECK(policy.reason == "1 field differs: ewsMaxBurst");
  CHECK(policy.risky);  // a policy change is always reviewed first
  const Action& sender = action_for(p, "nexj.http_channel/ExchangeEWSSender1");
  CHECK(sender.reason == "1 field differs: password");  // a changed secret: its fingerprint
  CHECK(p.summary.update == 3);
  CHECK(p.summary.noop == 8);
  CHECK(p.summary.risky == 1);
}

TEST_CASE("switching a target off is risky", "[plan]") {
  Spec spec = small_spec();
  spec.nexj.targets[0].enabled = false;
  DesiredState d = build_desired_state(spec, kSmallFingerprints);
  ObservedState o = mirror(d);
  set(*find_observed(o, "nexj.target/EXCH01"), "enabled", true);
  Plan p = make_plan(std::move(d), std::move(o), {});
  const Action& t = action_for(p, "nexj.target/EXCH01");
  CHECK(t.kind == ActionKind::Update);
  CHECK(t.risky);
}

TEST_CASE("a target the spec no longer names is disabled, never deleted", "[plan]") {
  DesiredState d = small_desired();
  ObservedState o = mirror(d);
  ObservedResource old;
  old.type = &types::kTarget;
  old.name = "EXCH00";
  old.values.assign(types::kTarget.fields.size(), Unset{});
  old.values[9] = true;
  o.resources.push_back(old);
  old.name = "EXCH-OFF";
  old.values[9] = false;  // already disabled: nothing to do
  o.resources.push_back(old);
  ObservedResource channel;  // other objects the spec does not name are left alone
  channel.type = &types::kHttpChannel;
  channel.name = "SomethingElse";
  channel.values.assign(types::kHttpChannel.fields.size(), Unset{});
  o.resources.push_back(channel);

  Plan p = make_plan(std::move(d), std::move(o), {});
  const Action& a = action_for(p, "nexj.target/EXCH00");
  CHECK(a.kind == ActionKind::Disable);
  CHECK(a.reason == "no longer in the spec; targets are never deleted, only disabled");
  CHECK(a.risky);
  CHECK(a.desired == -1);
  CHECK(a.observed == 11);
  REQUIRE(a.changes.size() == 1);
  CHECK(a.changes[0].field == 9);
  CHECK(a.changes[0].before == Value{true});
  CHECK(a.changes[0].after == Value{false});
  CHECK_FALSE(has_action(p, "nexj.target/EXCH-OFF"));
  CHECK_FALSE(has_action(p, "nexj.http_channel/SomethingElse"));
  // Ordered with the other targets by address.
  CHECK(p.actions[6].address() == "nexj.target/EXCH00");
  CHECK(p.actions[7].address() == "nexj.target/EXCH01");
  CHECK(p.summary.disable == 1);
  CHECK(p.summary.risky == 1);
}

TEST_CASE("links of users no longer named: untouched without prune, disabled with it", "[plan]") {
  auto observed = [] {
    ObservedState o = mirror(small_desired());
    o.resources.push_back(gone_link("gone/calendar", true));
    o.resources.push_back(gone_link("gone/tasks", false));
    return o;
  };
  Plan kept = make_plan(small_desired(), observed(), PlanOptions{false});
  CHECK_FALSE(has_action(kept, "nexj.folder_link/gone/calendar"));
  CHECK_FALSE(has_action(kept, "nexj.folder_link/gone/tasks"));
  CHECK(kept.summary.disable == 0);

  Plan pruned = make_plan(small_desired(), observed(), PlanOptions{true});
  const Action& a = action_for(pruned, "nexj.folder_link/gone/calendar");
  CHECK(a.kind == ActionKind::Disable);
  CHECK(a.reason == "no longer in the spec; users.prune is true");
  CHECK(a.changes.size() == 1);
  CHECK(a.changes[0].field == 2);
  CHECK_FALSE(has_action(pruned, "nexj.folder_link/gone/tasks"));
  CHECK(pruned.actions[7].address() == "nexj.folder_link/gone/calendar");
  CHECK(pruned.summary.disable == 1);
}

TEST_CASE("a failed read is unknown, never absent", "[plan]") {
  DesiredState d = small_desired();
  ObservedState o;
  o.failed_types["nexj.folder_link"] = "database is locked";
  o.unread_types.push_back("exchange.throttling_policy");
  ObservedResource sa;
  sa.type = &types::kServiceAccount;
  sa.name = "nexj-sync";
  sa.presence = Presence::Unknown;
  sa.error = "WinRM: connection refused";
  sa.values.assign(2, Unset{});
  o.resources.push_back(sa);
  Plan p = make_plan(std::move(d), std::move(o), {});
  CHECK(action_for(p, "exchange.service_account/nexj-sync").reason ==
        "could not be read: WinRM: connection refused");
  CHECK(action_for(p, "exchange.throttling_policy/NexJSyncPolicy").reason ==
        "could not be read: not read");
  const Action& l = action_for(p, "nexj.folder_link/mlee/calendar");
  CHECK(l.kind == ActionKind::Unknown);
  CHECK(l.reason == "could not be read: database is locked");
  CHECK(l.changes.empty());
  CHECK(action_for(p, "nexj.target/EXCH01").kind == ActionKind::Create);
  CHECK(p.summary.unknown == 6);
  CHECK(p.summary.create == 5);

  // An unnamed target that cannot be read might need disabling: say so.
  ObservedState o2 = mirror(small_desired());
  ObservedResource t;
  t.type = &types::kTarget;
  t.name = "EXCH00";
  t.presence = Presence::Unknown;
  t.error = "timeout";
  o2.resources.push_back(t);
  Plan p2 = make_plan(small_desired(), std::move(o2), {});
  CHECK(action_for(p2, "nexj.target/EXCH00").kind == ActionKind::Unknown);
}

TEST_CASE("the same input gives the same plan", "[plan]") {
  auto run = [] {
    ObservedState o = mirror(small_desired());
    o.resources.erase(o.resources.begin() + 3);
    set(o.resources[0], "upn", std::string("other@acme.local"));
    o.resources.push_back(gone_link("gone/calendar", true));
    return make_plan(small_desired(), std::move(o), PlanOptions{true});
  };
  Plan a = run(), b = run();
  CHECK(lines(a) == lines(b));
  REQUIRE(a.actions.size() == b.actions.size());
  for (size_t i = 0; i < a.actions.size(); ++i) {
    CHECK(a.actions[i].desired == b.actions[i].desired);
    CHECK(a.actions[i].observed == b.actions[i].observed);
    REQUIRE(a.actions[i].changes.size() == b.actions[i].changes.size());
    for (size_t c = 0; c < a.actions[i].changes.size(); ++c)
      CHECK(a.actions[i].changes[c].after == b.actions[i].changes[c].after);
  }
}

TEST_CASE("a dependency cycle does not lose actions", "[plan]") {
  DesiredState d;
  for (const char* name : {"b", "a", "c"}) {
    Resource r;
    r.type = &types::kUserOptions;
    r.name = name;
    r.values.assign(types::kUserOptions.fields.size(), Unset{});
    d.resources.push_back(r);
  }
  d.resources[0].depends_on = {1};
  d.resources[1].depends_on = {0};
  d.resources[2].depends_on = {0, 7};  // out of range: ignored
  Plan p = make_plan(std::move(d), ObservedState{}, {});
  CHECK(lines(p) == std::vector<std::string>{
                        "create nexj.user_options/a [] does not exist",
                        "create nexj.user_options/b [0] does not exist",
                        "create nexj.user_options/c [1] does not exist",
                    });
}

TEST_CASE("action kinds have stable names", "[plan]") {
  CHECK(to_string(ActionKind::Create) == "create");
  CHECK(to_string(ActionKind::Update) == "update");
  CHECK(to_string(ActionKind::Disable) == "disable");
  CHECK(to_string(ActionKind::NoOp) == "no-op");
  CHECK(to_string(ActionKind::Unknown) == "unknown");
  CHECK(to_string(ActionKind::Blocked) == "blocked");
}

// Run with: unit_tests "[.bench]" (a Release build gives the numbers that matter).
TEST_CASE("100,000 users: build_desired_state + make_plan", "[.bench]") {
  Spec spec = small_spec();
  spec.users.list.clear();
  spec.users.list.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    std::string login = "user" + std::to_string(i);
    spec.users.list.push_back({login, login + "@acme.com", "EXCH01", kAllFolders, {1, 0}, ""});
  }
  // Process CPU time as well as wall time: on a shared machine the wall clock also counts
  // waiting for a core.
  using Clock = std::chrono::steady_clock;
  struct Stamp {
    Clock::time_point wall;
    std::clock_t cpu;
  };
  auto now = [] { return Stamp{Clock::now(), std::clock()}; };
  auto ms = [](const Stamp& a, const Stamp& b) {
    auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(b.wall - a.wall).count();
    auto cpu = static_cast<long>((b.cpu - a.cpu) * 1000 / CLOCKS_PER_SEC);
    return std::to_string(wall) + " ms (cpu " + std::to_string(cpu) + " ms)";
  };
  Stamp t0 = now();
  DesiredState d = build_desired_state(spec, kSmallFingerprints);
  Stamp t1 = now();
  Plan p = make_plan(std::move(d), ObservedState{}, {});
  Stamp t2 = now();
  CHECK(p.actions.size() == 300007);
  CHECK(p.summary.create == 300007);
  ObservedState mirrored = mirror(p.desired);  // everything up to date
  p = Plan{};
  Stamp t3 = now();
  DesiredState d2 = build_desired_state(spec, kSmallFingerprints);
  Stamp t4 = now();
  Plan p2 = make_plan(std::move(d2), std::move(mirrored), {});
  Stamp t5 = now();
  CHECK(p2.summary.noop == 300007);
  std::cout << "all create: build_desired_state " << ms(t0, t1) << ", make_plan " << ms(t1, t2)
            << "\nall no-op: build_desired_state " << ms(t3, t4) << ", make_plan " << ms(t4, t5)
            << "\n";
}
