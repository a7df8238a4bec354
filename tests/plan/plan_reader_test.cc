// Reading a whole JSON plan back (`syncdeploy show`): what it renders is what was saved, byte
// for byte, and a file edited or broken in any way gives errors naming the JSON path.
#include "plan/plan_reader.h"

#include <catch2/catch.hpp>

#include "plan/plan_identity.h"
#include "render/render.h"
#include "tests/cli/golden_support.h"
#include "tests/plan/plan_support.h"
#include "tests/render/render_support.h"

using namespace sd;

namespace {

using sd::test::field_number;
using sd::test::folder_link;
using sd::test::mailbox;
using sd::test::plan_json;
using sd::test::plan_markdown;
using sd::test::plan_text;

Resource spec_resource(const ResourceType& type, std::string name,
                       const std::vector<std::pair<std::string_view, Value>>& values) {
  Resource r;
  r.type = &type;
  r.name = std::move(name);
  r.values.assign(type.fields.size(), Unset{});
  for (const auto& [field, value] : values) r.values[field_number(type, field)] = value;
  return r;
}

ObservedResource live_copy(const Resource& r) {
  ObservedResource o;
  o.type = r.type;
  o.name = r.name;
  o.values = r.values;
  return o;
}

// Every kind of action and change a plan has: a blocked account, a secret that changed, a
// risky policy update, a target to update, one to create (with a name JSON must escape) and one
// to disable, folder links made with an id, asked at apply, blocked (cannot sync) and unknown,
// an object whose read failed, and the three kinds of checks.
Plan every_kind(bool deferred, std::vector<std::string> only = {}) {
  DesiredState d;
  d.deployment = "acme-prod";
  Resource account =
      spec_resource(types::kServiceAccount, "nexj-sync", {{"upn", "nexj@acme.local"}});
  account.create_allowed = false;
  Resource sender =
      spec_resource(types::kHttpChannel, "ExchangeEWSSender1",
                    {{"url", "https://exch01/EWS"},
                     {"password", SecretValue{"${env:P}", "sha256:bbbbbbbbbbbbbbbb"}}});
  Resource policy = spec_resource(types::kThrottlingPolicy, "NexJSyncPolicy",
                                  {{"ewsMaxConcurrency", NullValue{}}});
  Resource target = spec_resource(types::kTarget, "EXCH01",
                                  {{"host", "exch01.acme.local"},
                                   {"sender", "ExchangeEWSSender1"},
                                   {"keepItemsOlderThanDays", int64_t{30}},
                                   {"enabled", true}});
  target.depends_on = {1};
  Resource fresh = spec_resource(types::kTarget, "EXCH03 \"new\" \xC3\xA9\t",
                                 {{"host", "exch03"}, {"enabled", true}});
  Resource options = spec_resource(types::kGlobalOptions, "exchange",
                                   {{"emailBlacklist", StringList{"a@acme.com", "b@acme.com"}}});
  Resource made = folder_link("akim", "calendar", "akim@acme.com");
  made.depends_on = {3};
  d.resources = {account,
                 sender,
                 policy,
                 target,
                 fresh,
                 options,
                 made,
                 folder_link("jsmith", "calendar", "jsmith@acme.com"),
                 folder_link("ghost", "calendar", "ghost@acme.com"),
                 folder_link("mlee", "calendar", "mlee@acme.com")};

  ObservedState o;
  ObservedResource seen = live_copy(sender);
  seen.values[field_number(types::kHttpChannel, "password")] =
      SecretValue{"", "sha256:aaaaaaaaaaaaaaaa"};
  o.resources.push_back(seen);
  seen = live_copy(policy);
  seen.values[field_number(types::kThrottlingPolicy, "ewsMaxConcurrency")] = int64_t{10};
  o.resources.push_back(seen);
  seen = live_copy(target);
  seen.values[field_number(types::kTarget, "host")] = std::string("old");
  o.resources.push_back(seen);
  seen.name = "EXCH02";  // no longer in the spec, enabled
  o.resources.push_back(seen);
  o.failed_types["nexj.global_options"] = "the store is locked";
  o.mailboxes["akim@acme.com"] = mailbox(MailboxObservation::Status::Ok, "", {{"calendar", "AQ="}});
  o.mailboxes["ghost@acme.com"] =
      mailbox(MailboxObservation::Status::CannotSync, "no such mailbox (ErrorNonExistentMailbox)");
  o.mailboxes["mlee@acme.com"] = mailbox(MailboxObservation::Status::Unknown, "timed out");
  if (!deferred) o.mailboxes["jsmith@acme.com"] = o.mailboxes["akim@acme.com"];
  o.mailboxes_deferred = deferred;
  o.checks = {{PreconditionCheck::Status::Ok, "TLS of nexj.url (crm)", "verified", "https://crm"},
              {PreconditionCheck::Status::Warning, "exchange.management.auth is basic", "weak", ""},
              {PreconditionCheck::Status::Failed, "TLS of EWS on exch02", "expired", "https://x"}};
  o.index();
  Plan p = make_plan(std::move(d), std::move(o), {});
  p.spec_file = "specs/acme-prod.yaml";
  p.spec_digest = "sha256:00ff";
  p.only = std::move(only);
  return p;
}

std::string reader_errors(std::string_view text) {
  Result<Plan> r = read_plan_json("plan.json", text);
  return r.ok() ? "" : format_all(r.errors());
}

// The JSON of every_kind(false) with the first `from` replaced by `to`.
std::string edited_plan(std::string_view from, std::string_view to) {
  std::string text = plan_json(every_kind(false));
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("plan reader: a plan read back renders as it was saved", "[plan_reader][show]") {
  for (const Plan& p : {every_kind(false), every_kind(true), every_kind(false, {"nexj"})}) {
    const std::string json = plan_json(p);
    INFO(json);
    Result<Plan> back = read_plan_json("plan.json", json);
    REQUIRE(back.ok());
    CHECK(plan_json(*back) == json);
    CHECK(plan_text(*back, false) == plan_text(p, false));
    CHECK(plan_text(*back, true) == plan_text(p, true));
    CHECK(plan_markdown(*back) == plan_markdown(p));
    CHECK(plan_id(*back) == plan_id(p));
    REQUIRE(back->actions.size() == p.actions.size());
    for (size_t i = 0; i < p.actions.size(); ++i) {
      const Action& a = back->actions[i];
      INFO(p.actions[i].address());
      CHECK(a.address() == p.actions[i].address());
      CHECK(a.kind == p.actions[i].kind);
      CHECK(a.reason == p.actions[i].reason);
      CHECK(a.risky == p.actions[i].risky);
      CHECK(a.cannot_sync == p.actions[i].cannot_sync);
      CHECK(a.filled_at_apply == p.actions[i].filled_at_apply);
      CHECK(a.depends_on == p.actions[i].depends_on);
      CHECK(observed_fingerprint(*back, a) == observed_fingerprint(p, p.actions[i]));
      CHECK(a.desired == -1);  // the spec is not read
    }
    CHECK(back->summary.failed_checks == 1);
    CHECK(back->summary.warned_checks == 1);
    CHECK(cannot_apply_reason(back->summary) == cannot_apply_reason(p.summary));
  }
  // The plan has what every_kind() promises, so the checks above cover it.
  const Plan p = every_kind(true);
  CHECK(p.summary.create == 3);
  CHECK(p.summary.update == 3);
  CHECK(p.summary.disable == 1);
  CHECK(p.summary.unknown == 2);
  CHECK(p.summary.blocked == 2);
  CHECK(p.summary.cannot_sync == 1);
  size_t filled = 0;
  for (const Action& a : p.actions) filled += a.filled_at_apply;
  CHECK(filled == 1);
  CHECK(plan_text(p, false).find("password: (sensitive, changed)") != std::string::npos);
}

TEST_CASE("plan reader: the JSON plans of the golden cases come back byte for byte",
          "[plan_reader][show]") {
  for (const char* name : {"plan-acme-json", "plan-observed-drift-json", "plan-quickstart-json"}) {
    INFO(name);
    std::optional<std::string> json =
        sd::test::read_text(std::string("tests/golden/") + name + "/stdout");
    REQUIRE(json);
    Result<Plan> back = read_plan_json("plan.json", *json);
    REQUIRE(back.ok());
    CHECK(plan_json(*back) == *json);
  }
}

TEST_CASE("plan reader: what the fingerprints cover cannot be edited", "[plan_reader][show]") {
  const std::string changed = "the file was changed after it was made\n";
  // A value after, and the kind: the action's fingerprint no longer matches.
  CHECK(reader_errors(edited_plan("\"after\":\"exch03\"", "\"after\":\"evil\""))
            .ends_with(".fingerprint: does not match the action's changes: " + changed));
  CHECK(reader_errors(edited_plan("{\"field\":\"host\",\"after\":\"exch03\"},", ""))
            .ends_with(".fingerprint: does not match the action's changes: " + changed));
  // What is not in the fingerprints is checked against the plan's own rules.
  CHECK(reader_errors(edited_plan("\"risky\":true", "\"risky\":false")) ==
        "plan.json: error: actions[1].risky: found false, but the update of "
        "\"exchange.throttling_policy/NexJSyncPolicy\" is risky\n");
  CHECK(reader_errors(edited_plan("\"create\":3", "\"create\":2")) ==
        "plan.json: error: summary.create: found 2, but the actions count 3: " + changed);
  CHECK(reader_errors(edited_plan("\"applyable\":false", "\"applyable\":true")) ==
        "plan.json: error: applyable: found true, but the actions and checks say false\n");
  CHECK(reader_errors(edited_plan("\"step\":1,", "\"step\":4,")) ==
        "plan.json: error: actions[0].step: expected 1, the step of exchange.service_account, "
        "found 4\n");
  CHECK(reader_errors(edited_plan("\"name\":\"nexj-sync\"", "\"name\":\"other\"")) ==
        "plan.json: error: actions[0].name: expected \"nexj-sync\", its address without the "
        "type, found \"other\"\n");
  CHECK(reader_errors(
            edited_plan("\"type\":\"exchange.service_account\"", "\"type\":\"nexj.target\"")) ==
        "plan.json: error: actions[0].type: expected \"exchange.service_account\", the type of its "
        "address, found \"nexj.target\"\n");
  // And what apply checks, by apply's reader: the planId against the fingerprints.
  Plan p = every_kind(false);
  CHECK(
      reader_errors(edited_plan(action_fingerprint(p, p.actions[0]), "sha256:0000000000000000")) ==
      "plan.json: error: planId: does not match the plan's actions: " + changed);
  // The reason is for people: it is shown as the file has it.
  Result<Plan> reworded = read_plan_json("plan.json", edited_plan("does not exist", "is missing"));
  REQUIRE(reworded.ok());
  CHECK(plan_text(*reworded, false).find("is missing") != std::string::npos);
}

TEST_CASE("plan reader: unknown types, fields and shapes are errors with their JSON path",
          "[plan_reader][show]") {
  CHECK(reader_errors(edited_plan("{\"field\":\"host\",\"after\":\"exch03\"}",
                                  "{\"field\":\"hostname\",\"after\":\"exch03\"}")) ==
        "plan.json: error: actions[5].changes[0].field: nexj.target has no field \"hostname\"\n");
  CHECK(reader_errors(edited_plan("\"address\":\"nexj.target/EXCH01\"",
                                  "\"address\":\"nexj.tarjet/EXCH01\"")) ==
        "plan.json: error: actions[3].address: expected an address like \"nexj.target/EXCH01\", "
        "found \"nexj.tarjet/EXCH01\"\n");
  CHECK(reader_errors(edited_plan("\"action\":\"disable\"", "\"action\":\"delete\"")) ==
        "plan.json: error: actions[4].action: expected create, update, disable, remove, no-op, "
        "unknown or blocked, found \"delete\"\n");
  CHECK(reader_errors(edited_plan("\"after\":\"exch03\"", "\"after\":1.5")) ==
        "plan.json: error: actions[5].changes[0].after: expected null, true, false, an integer, a "
        "string, an array of strings or {\"sensitive\": true, \"fingerprint\": ...}, found 1.5\n");
  CHECK(reader_errors(edited_plan("\"after\":\"exch03\"", "\"after\":[1]")) ==
        "plan.json: error: actions[5].changes[0].after: expected null, true, false, an integer, a "
        "string, an array of strings or {\"sensitive\": true, \"fingerprint\": ...}, found an "
        "array\n");
  // A secret written as plain text is refused without being quoted back.
  CHECK(reader_errors(edited_plan(
            "\"before\":{\"sensitive\":true,\"fingerprint\":\"sha256:aaaaaaaaaaaaaaaa\"}",
            "\"before\":\"hunter2\"")) ==
        "plan.json: error: actions[2].changes[0].before: a secret is written {\"sensitive\": "
        "true, ...}, found a string\n");
  CHECK(reader_errors(edited_plan("\"changes\":[]", "\"changes\":{}")) ==
        "plan.json: error: actions[0].changes: expected an array, found an object\n");
  CHECK(reader_errors(edited_plan("\"changes\":[]", "\"changes\":[7]")) ==
        "plan.json: error: actions[0].changes[0]: expected an object, found an integer\n");
  CHECK(reader_errors(edited_plan(",\"changes\":[]", "")) ==
        "plan.json: error: actions[0].changes: missing\n");
  CHECK(reader_errors(edited_plan("\"depends_on\":[]", "\"depends_on\":[0]")) ==
        "plan.json: error: actions[0].depends_on[0]: the first action depends on none, found 0\n");
  CHECK(reader_errors(edited_plan("\"depends_on\":[3]", "\"depends_on\":[99,\"1\"]")) ==
        "plan.json: error: actions[7].depends_on[0]: expected the index of an earlier action, 0 "
        "to 6, found 99\n"
        "plan.json: error: actions[7].depends_on[1]: expected the index of an earlier action, 0 "
        "to 6, found \"1\"\n");
  CHECK(reader_errors(edited_plan("\"status\":\"warning\"", "\"status\":\"meh\"")) ==
        "plan.json: error: checks[1].status: expected \"ok\", \"warning\" or \"failed\", found "
        "\"meh\"\n");
  CHECK(reader_errors(edited_plan("\"checks\":[", "\"checks\":[3,")) ==
        "plan.json: error: checks[0]: expected an object, found an integer\n");
  CHECK(reader_errors(edited_plan("\"summary\":", "\"summary\":7,\"old\":")) ==
        "plan.json: error: summary: expected an object, found an integer\n");
  CHECK(reader_errors(edited_plan("\"reason\":\"does not exist\"", "\"reason\":null")) ==
        "plan.json: error: actions[5].reason: expected a string, found null\n");
  CHECK(reader_errors(edited_plan("\"actions\":[", "\"actions\":[],\"actions\":[")) ==
        "plan.json: error: actions: given twice\n");
  CHECK(reader_errors(edited_plan("\"format_version\":\"1.3\"", "\"format_version\":\"1.2\"")) ==
        "plan.json: error: plan format 1.2 does not say which folder ids are asked during apply: "
        "its folder links cannot be matched safely; make the plan again with this syncdeploy\n");
  // Members it does not know are left alone, as the format says consumers must.
  CHECK(reader_errors(edited_plan("\"tool\":", "\"future\":{\"x\":[1]},\"tool\":")) == "");
}

TEST_CASE("plan reader: hostile input gives short errors, never a crash", "[plan_reader][show]") {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(reader_errors(deep) == "plan.json:1:65: error: nesting is deeper than 64 levels\n");
  CHECK(reader_errors(edited_plan("\"changes\":[]", "\"changes\":" + deep))
            .ends_with(": error: nesting is deeper than 64 levels\n"));
  // 10 MB in a field's name: the error quotes a short excerpt of it.
  const std::string huge(10 << 20, 'x');
  std::string errors =
      reader_errors(edited_plan("{\"field\":\"host\",\"after\":\"exch03\"}",
                                "{\"field\":\"" + huge + "\",\"after\":\"exch03\"}"));
  CHECK(
      errors.starts_with("plan.json: error: actions[5].changes[0].field: nexj.target has no "
                         "field \"xxxx"));
  CHECK(errors.size() < 300);
  // 10 MB in a reason, which is free text: read, and rendered cut.
  Result<Plan> long_reason = read_plan_json(
      "plan.json", edited_plan("\"reason\":\"does not exist\"", "\"reason\":\"" + huge + "\""));
  REQUIRE(long_reason.ok());
  CHECK(plan_text(*long_reason, false).size() < 20000);
  // Every action bad: at most 20 errors, then one that says so.
  std::string text = plan_json(every_kind(false));
  for (size_t at = text.find("\"step\":"); at != std::string::npos;
       at = text.find("\"step\":", at + 1))
    text.replace(at, 7, "\"step\":\"x\",\"was\":");
  Result<Plan> bad = read_plan_json("plan.json", text);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors().size() <= 21);
  // Cut anywhere, or with any one byte gone: errors naming the file, or (white space) the plan.
  const std::string whole = plan_json(every_kind(false));
  for (size_t cut = 0; cut + 1 < whole.size(); cut += 7) {  // the last byte is a newline
    INFO(cut);
    std::string shorter = whole.substr(0, cut);
    Result<Plan> r = read_plan_json("plan.json", shorter);
    REQUIRE_FALSE(r.ok());
    CHECK(r.errors().front().format().starts_with("plan.json"));
    std::string gap = whole;
    gap.erase(cut, 1);
    Result<Plan> g = read_plan_json("plan.json", gap);
    if (!g.ok()) CHECK(g.errors().front().format().starts_with("plan.json"));
  }
}
