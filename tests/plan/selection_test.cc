// `--only PREFIX`: which addresses a prefix selects, which prefixes are refused, and how the
// desired and observed states are cut down.
#include "plan/selection.h"

#include <catch2/catch.hpp>
#include <chrono>

#include "plan/plan.h"

using namespace sd;

namespace {

using Prefixes = std::vector<std::string>;

bool sel(const Prefixes& prefixes, std::string_view address) {
  return selects(prefixes, address);
}

std::string prefix_errors(const Prefixes& prefixes) {
  Status s = check_prefixes(prefixes);
  return s.ok() ? "" : format_all(s.errors());
}

Resource bare_resource(const ResourceType& type, std::string name,
                       std::vector<uint32_t> deps = {}) {
  Resource r;
  r.type = &type;
  r.name = std::move(name);
  r.values.assign(type.fields.size(), Unset{});
  r.depends_on = std::move(deps);
  return r;
}

ObservedResource bare_observed(const ResourceType& type, std::string name) {
  ObservedResource r;
  r.type = &type;
  r.name = std::move(name);
  r.values.assign(type.fields.size(), Unset{});
  return r;
}

std::vector<std::string> addresses_with_deps(const DesiredState& d) {
  std::vector<std::string> out;
  for (const Resource& r : d.resources) {
    std::string deps;
    for (uint32_t x : r.depends_on) deps += (deps.empty() ? "" : ",") + std::to_string(x);
    out.push_back(r.address() + " [" + deps + "]");
  }
  return out;
}

}  // namespace

TEST_CASE("selection: a prefix ends at a separator", "[selection]") {
  CHECK(sel({}, "nexj.target/EXCH01"));  // no prefixes: everything
  CHECK(sel({"nexj"}, "nexj.target/EXCH01"));
  CHECK(sel({"nexj"}, "nexj.folder_link/jsmith/calendar"));
  CHECK_FALSE(sel({"nexj"}, "exchange.service_account/nexj-sync"));
  CHECK(sel({"exchange"}, "exchange.service_account/nexj-sync"));
  CHECK(sel({"nexj.target"}, "nexj.target/EXCH01"));
  CHECK_FALSE(sel({"nexj.tar"}, "nexj.target/EXCH01"));
  CHECK_FALSE(sel({"nex"}, "nexj.target/EXCH01"));
  CHECK(sel({"nexj.target/EXCH01"}, "nexj.target/EXCH01"));
  CHECK_FALSE(sel({"nexj.target/EXCH0"}, "nexj.target/EXCH01"));
  CHECK_FALSE(sel({"nexj.target/EXCH01"}, "nexj.target/EXCH0"));
  // In the name part only '/' separates: a dotted name is one name.
  CHECK_FALSE(sel({"nexj.target/EXCH"}, "nexj.target/EXCH.old"));
  CHECK(sel({"nexj.folder_link/jsmith"}, "nexj.folder_link/jsmith/calendar"));
  CHECK(sel({"nexj.folder_link/jsmith/calendar"}, "nexj.folder_link/jsmith/calendar"));
  CHECK_FALSE(sel({"nexj.folder_link/jsmith"}, "nexj.folder_link/jsmithe/calendar"));
  CHECK_FALSE(sel({"nexj.folder_link/jsmith/cal"}, "nexj.folder_link/jsmith/calendar"));
  CHECK(sel({"exchange", "nexj.target"}, "nexj.target/X"));
  CHECK(sel({"exchange", "nexj.target"}, "exchange.role_assignment/X"));
  CHECK_FALSE(sel({"exchange", "nexj.target"}, "nexj.http_channel/X"));
}

TEST_CASE("selection: names that ignore case compare without case", "[selection]") {
  REQUIRE(types::kFolderLink.names_ignore_case);
  REQUIRE_FALSE(types::kTarget.names_ignore_case);
  CHECK(sel({"nexj.folder_link/JSmith"}, "nexj.folder_link/jsmith/calendar"));
  CHECK(sel({"nexj.folder_link/jsmith"}, "nexj.folder_link/JSMITH/Calendar"));
  CHECK(sel({"exchange.service_account/NEXJ-SYNC"}, "exchange.service_account/nexj-sync"));
  CHECK_FALSE(sel({"nexj.target/exch01"}, "nexj.target/EXCH01"));
  // The type part never ignores case.
  CHECK_FALSE(sel({"NEXJ"}, "nexj.target/EXCH01"));
  CHECK_FALSE(sel({"Nexj.folder_link/jsmith"}, "nexj.folder_link/jsmith/calendar"));
  // The typed form agrees with the address form.
  CHECK(selects(Prefixes{"nexj.folder_link/JSMITH"}, types::kFolderLink, "jsmith/tasks"));
  CHECK_FALSE(selects(Prefixes{"nexj.folder_link/JSMITH"}, types::kTarget, "jsmith"));
}

TEST_CASE("selection: which types a prefix can reach", "[selection]") {
  CHECK(selects_type({}, types::kTarget));
  CHECK(selects_type(Prefixes{"nexj"}, types::kTarget));
  CHECK_FALSE(selects_type(Prefixes{"nexj"}, types::kServiceAccount));
  CHECK(selects_type(Prefixes{"nexj.folder_link/jsmith"}, types::kFolderLink));
  CHECK_FALSE(selects_type(Prefixes{"nexj.folder_link/jsmith"}, types::kTarget));
  CHECK_FALSE(selects_type(Prefixes{"nexj.target"}, types::kFolderLink));
}

TEST_CASE("selection: prefixes that select nothing are refused", "[selection]") {
  CHECK(prefix_errors({}) == "");
  CHECK(prefix_errors({"nexj", "exchange", "nexj.target", "exchange.throttling_policy/P",
                       "nexj.folder_link/jsmith", "nexj.folder_link/jsmith/calendar"}) == "");
  CHECK(prefix_errors({"nexj.tar"}) ==
        "error: --only nexj.tar selects nothing: use a type such as nexj.target, or nexj, "
        "exchange\n");
  CHECK(prefix_errors({"crm"}) ==
        "error: --only crm selects nothing: use a type such as exchange.service_account, or "
        "nexj, exchange\n");
  CHECK(prefix_errors({"nexj."}) ==
        "error: --only nexj. selects nothing: use a type such as nexj.mail_channel, or nexj, "
        "exchange\n");
  CHECK(prefix_errors({"nexjx"}) ==
        "error: --only nexjx selects nothing: use a type such as nexj.mail_channel, or nexj, "
        "exchange\n");
  CHECK(prefix_errors({"nexj/EXCH01"}) ==
        "error: --only nexj/EXCH01 selects nothing: use a type such as nexj.mail_channel, or "
        "nexj, exchange\n");
  CHECK(prefix_errors({"nexj.targets/EXCH01"}) ==
        "error: --only nexj.targets/EXCH01 selects nothing: use a type such as nexj.target, or "
        "nexj, exchange\n");
  CHECK(prefix_errors({"nexj.target/"}) ==
        "error: --only nexj.target/ selects nothing: it ends in '/'; give the name after it\n");
  CHECK(prefix_errors({""}) ==
        "error: --only needs an address or the start of one, such as nexj, exchange or "
        "nexj.target\n");
  // Every bad prefix is named, and a hostile one cannot forge a line.
  CHECK(prefix_errors({"nexj", "x\ny", "exchange.tar"}) ==
        "error: --only x\\ny selects nothing: use a type such as exchange.service_account, or "
        "nexj, exchange\n"
        "error: --only exchange.tar selects nothing: use a type such as "
        "exchange.throttling_policy, or nexj, exchange\n");
}

TEST_CASE("selection: desired state keeps the selection, renumbered", "[selection]") {
  DesiredState d;
  d.deployment = "acme";
  d.resources = {bare_resource(types::kServiceAccount, "nexj-sync"),
                 bare_resource(types::kRoleAssignment, "imp", {0}),
                 bare_resource(types::kHttpChannel, "Sender1", {0}),
                 bare_resource(types::kTarget, "EXCH01", {2}),
                 bare_resource(types::kFolderLink, "jsmith/calendar", {1, 3}),
                 bare_resource(types::kFolderLink, "JSmith/tasks", {1, 3}),
                 bare_resource(types::kFolderLink, "jsmithe/calendar", {1, 3})};

  DesiredState all = select_desired(d, Prefixes{});
  CHECK(addresses_with_deps(all) == addresses_with_deps(d));

  DesiredState nexj = select_desired(d, Prefixes{"nexj"});
  CHECK(nexj.deployment == "acme");
  // Dependencies on the Exchange side are outside the selection: assumed in place.
  CHECK(addresses_with_deps(nexj) == std::vector<std::string>{
                                         "nexj.http_channel/Sender1 []",
                                         "nexj.target/EXCH01 [0]",
                                         "nexj.folder_link/jsmith/calendar [1]",
                                         "nexj.folder_link/JSmith/tasks [1]",
                                         "nexj.folder_link/jsmithe/calendar [1]",
                                     });

  DesiredState user = select_desired(d, Prefixes{"nexj.folder_link/jsmith", "exchange"});
  CHECK(addresses_with_deps(user) == std::vector<std::string>{
                                         "exchange.service_account/nexj-sync []",
                                         "exchange.role_assignment/imp [0]",
                                         "nexj.folder_link/jsmith/calendar [1]",
                                         "nexj.folder_link/JSmith/tasks [1]",
                                     });
  CHECK(select_desired(d, Prefixes{"nexj.target/EXCH02"}).resources.empty());
}

TEST_CASE("selection: observed state keeps the selection and its unread types", "[selection]") {
  ObservedState o;
  o.resources = {bare_observed(types::kServiceAccount, "nexj-sync"),
                 bare_observed(types::kTarget, "EXCH01"), bare_observed(types::kTarget, "EXCH09"),
                 bare_observed(types::kFolderLink, "jsmith/calendar")};
  o.failed_types = {{"exchange.service_account", "denied"}, {"nexj.folder_link", "timed out"}};
  o.unread_types = {"exchange.ad_permission", "nexj.target", "nexj.user_options"};

  ObservedState t = select_observed(o, Prefixes{"nexj.target"});
  REQUIRE(t.resources.size() == 2);
  CHECK(t.resources[0].name == "EXCH01");
  CHECK(t.resources[1].name == "EXCH09");
  CHECK(t.failed_types.empty());
  CHECK(t.unread_types == std::vector<std::string>{"nexj.target"});
  CHECK(t.by_address.size() == 2);  // indexed for lookups
  const ObservedResource* found = nullptr;
  std::string error;
  CHECK(t.presence_of(types::kTarget, "nexj.target/EXCH01", &found, &error) == Presence::Present);
  CHECK(found == &t.resources[0]);

  // A name prefix keeps its type's failure: those objects are still unknown.
  ObservedState u = select_observed(o, Prefixes{"nexj.folder_link/JSMITH"});
  REQUIRE(u.resources.size() == 1);
  CHECK(u.failed_types.size() == 1);
  CHECK(u.failed_types.count("nexj.folder_link") == 1);
  CHECK(u.unread_types.empty());

  ObservedState all = select_observed(o, Prefixes{});
  CHECK(all.resources.size() == 4);
  CHECK(all.failed_types.size() == 2);
  CHECK(all.unread_types.size() == 3);
}

TEST_CASE("selection: a limited plan is the plan of the selection", "[selection]") {
  DesiredState d;
  d.deployment = "acme";
  d.resources = {bare_resource(types::kHttpChannel, "Sender1"),
                 bare_resource(types::kTarget, "EXCH01", {0}),
                 bare_resource(types::kFolderLink, "jsmith/calendar", {1})};
  ObservedState o;
  o.unread_types = {"nexj.http_channel"};  // unread, but outside the selection
  ObservedResource old = bare_observed(types::kTarget, "EXCH00");
  old.values[static_cast<size_t>(types::kTarget.enabled_field)] = true;
  o.resources.push_back(old);
  Prefixes only{"nexj.target", "nexj.folder_link"};
  Plan p = make_plan(select_desired(d, only), select_observed(o, only), {});
  REQUIRE(p.actions.size() == 3);
  CHECK(p.actions[0].address() == "nexj.target/EXCH00");
  CHECK(p.actions[0].kind == ActionKind::Disable);
  CHECK(p.actions[1].address() == "nexj.target/EXCH01");
  CHECK(p.actions[1].kind == ActionKind::Create);
  CHECK(p.actions[1].depends_on.empty());
  CHECK(p.actions[2].depends_on == std::vector<uint32_t>{1});
  CHECK(p.summary.unknown == 0);
}

TEST_CASE("selection: 300,000 folder links stay linear", "[selection]") {
  DesiredState d;
  ObservedState o;
  d.resources.push_back(bare_resource(types::kTarget, "EXCH01"));
  d.resources.reserve(300001);
  o.resources.reserve(300000);
  for (uint32_t i = 0; i < 300000; ++i) {
    std::string name = "user" + std::to_string(i / 3) + "/f" + std::to_string(i % 3);
    d.resources.push_back(bare_resource(types::kFolderLink, name, {0}));
    o.resources.push_back(bare_observed(types::kFolderLink, name));
  }
  auto start = std::chrono::steady_clock::now();
  DesiredState links = select_desired(std::move(d), Prefixes{"nexj.folder_link"});
  ObservedState seen = select_observed(std::move(o), Prefixes{"nexj.folder_link/user7"});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  CHECK(links.resources.size() == 300000);
  CHECK(links.resources[5].depends_on.empty());
  CHECK(seen.resources.size() == 3);
  CHECK(ms < 5000);  // generous for sanitizer builds; quadratic work would take minutes
}
