// Reading a saved JSON plan back: what `apply PLANFILE` trusts, so every shape is checked and
// no input crashes the reader.
#include "plan/saved_plan.h"

#include <catch2/catch.hpp>
#include <random>
#include <sstream>

#include "plan/plan_identity.h"
#include "render/render.h"
#include "tests/render/render_support.h"

using namespace sd;

namespace {

using sd::test::plan_json;

Resource sample_target(const std::string& name, const std::string& host) {
  Resource r;
  r.type = &types::kTarget;
  r.name = name;
  r.values.assign(types::kTarget.fields.size(), Unset{});
  r.values[0] = host;
  r.values[9] = true;
  return r;
}

// Four actions: create, update, disable, unknown.
Plan sample() {
  DesiredState d;
  d.deployment = "acme-prod";
  d.resources = {sample_target("EXCH01", "exch01"), sample_target("EXCH03", "exch03")};
  d.resources.push_back(Resource{&types::kFolderLink,
                                 "jsmith/calendar",
                                 {std::string("EXCH01"), std::string("j@acme.com"), true, Unset{}},
                                 {0},
                                 "",
                                 true});
  ObservedState o;
  ObservedResource seen{&types::kTarget, "EXCH01", Presence::Present, "", d.resources[0].values};
  seen.values[0] = std::string("old");
  o.resources.push_back(seen);
  seen.name = "EXCH02";  // no longer in the spec, enabled
  o.resources.push_back(seen);
  o.failed_types["nexj.folder_link"] = "EWS timed out";
  Plan p = make_plan(std::move(d), std::move(o), {});
  p.spec_file = "acme-prod.yaml";
  p.spec_digest = "sha256:00ff";
  p.only = {"nexj"};
  return p;
}

std::string saved_plan_errors(std::string_view text) {
  Result<SavedPlan> r = parse_saved_plan("plan.json", text);
  return r.ok() ? "" : format_all(r.errors());
}

// The sample's JSON with `from` replaced by `to` (the first occurrence).
std::string edited(std::string_view from, std::string_view to) {
  std::string text = plan_json(sample());
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string mutate_json(const std::string& text, std::mt19937& rng) {
  static const std::vector<std::string> kInserts = {"{",
                                                    "}",
                                                    "[",
                                                    "]",
                                                    ",",
                                                    ":",
                                                    "\"",
                                                    "null",
                                                    "1.5",
                                                    "-1",
                                                    "true",
                                                    "\\u0000",
                                                    "\xff",
                                                    "\"\"",
                                                    "99999999999999999999999",
                                                    "{\"format_version\":\"1.3\"}"};
  std::string s = text;
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t at = rng() % s.size();
    switch (rng() % 4) {
      case 0:
        s[at] = static_cast<char>(rng() % 256);
        break;
      case 1:
        s.erase(at, 1 + rng() % 40);
        break;
      case 2:
        s.insert(at, kInserts[rng() % kInserts.size()]);
        break;
      default:
        s.resize(at);
    }
  }
  return s;
}

}  // namespace

TEST_CASE("saved plan: reads back what render_json wrote", "[saved_plan]") {
  const Plan p = sample();
  Result<SavedPlan> r = parse_saved_plan("plan.json", plan_json(p));
  REQUIRE(r.ok());
  const SavedPlan& s = r.value();
  CHECK(s.format == "1.3");
  CHECK(s.plan_id == plan_id(p));
  CHECK(s.deployment == "acme-prod");
  CHECK(s.spec_file == "acme-prod.yaml");
  CHECK(s.spec_digest == "sha256:00ff");
  CHECK(s.only == std::vector<std::string>{"nexj"});
  REQUIRE(s.actions.size() == p.actions.size());
  REQUIRE(s.actions.size() == 4);
  for (size_t i = 0; i < s.actions.size(); ++i) {
    INFO(i);
    CHECK(s.actions[i].index == i);
    CHECK(s.actions[i].address == p.actions[i].address());
    CHECK(s.actions[i].kind == p.actions[i].kind);
    CHECK(s.actions[i].observed_fingerprint == observed_fingerprint(p, p.actions[i]));
    CHECK(s.actions[i].fingerprint == action_fingerprint(p, p.actions[i]));
  }
  CHECK(s.actions[0].kind == ActionKind::Update);
  CHECK(is_fingerprint(s.actions[0].observed_fingerprint));
  CHECK(s.actions[1].kind == ActionKind::Disable);
  CHECK(s.actions[2].kind == ActionKind::Create);
  CHECK(s.actions[2].observed_fingerprint == "absent");
  CHECK(s.actions[3].kind == ActionKind::Unknown);
  CHECK(s.actions[3].observed_fingerprint == "unknown");

  // Members it does not need may go, others may be added: only what apply checks is read.
  nlohmann::json doc = nlohmann::json::parse(plan_json(p));
  doc.erase("summary");
  doc["actions"][0].erase("changes");
  doc["actions"][1]["extra"] = {{"nested", {1, 2}}};
  doc["future"] = "ignored";
  CHECK(saved_plan_errors(doc.dump(2)) == "");
}

TEST_CASE("saved plan: format versions", "[saved_plan]") {
  CHECK(saved_plan_errors(edited("\"format_version\":\"1.3\"", "\"format_version\":\"1.2\"")) ==
        "plan.json: error: plan format 1.2 does not say which folder ids are asked during apply: "
        "its folder links cannot be matched safely; make the plan again with this syncdeploy\n");
  CHECK(saved_plan_errors(edited("\"format_version\":\"1.3\"", "\"format_version\":\"1.1\"")) ==
        "plan.json: error: plan format 1.1 predates folder ids resolved over EWS: its folder links "
        "can no longer match; make the plan again with this syncdeploy\n");
  CHECK(saved_plan_errors(edited("\"format_version\":\"1.3\"", "\"format_version\":\"1.0\"")) ==
        "plan.json: error: plan format 1.0 has no observed fingerprints; make the plan again "
        "with this syncdeploy\n");
  CHECK(saved_plan_errors(edited("\"format_version\":\"1.3\"", "\"format_version\":\"2.0\"")) ==
        "plan.json: error: format_version: plan format \"2.0\" is not supported; this "
        "syncdeploy reads plan format 1.3\n");
  CHECK(saved_plan_errors(edited("\"format_version\":\"1.3\"", "\"format_version\":1.1")) ==
        "plan.json: error: format_version: expected a string, found a fractional number\n");
  CHECK(saved_plan_errors(R"({"deployment": "x"})") ==
        "plan.json: error: format_version is missing: not a syncdeploy plan\n");
  CHECK(saved_plan_errors("[1, 2]") ==
        "plan.json: error: expected a JSON plan (an object), found an array\n");
  CHECK(saved_plan_errors("{\"format_version\": \"1.1\",\n  \"actions\": [}") ==
        "plan.json:2:15: error: not valid JSON: syntax error while parsing value - unexpected "
        "'}'; expected '[', '{', or a literal\n");
  CHECK(saved_plan_errors("") ==
        "plan.json:1:1: error: not valid JSON: syntax error while parsing value - unexpected end "
        "of input; expected '[', '{', or a literal\n");
}

TEST_CASE("saved plan: errors name the JSON path", "[saved_plan]") {
  CHECK(saved_plan_errors(edited("\"action\":\"disable\"", "\"action\":\"destroy\"")) ==
        "plan.json: error: actions[1].action: expected create, update, disable, remove, no-op, "
        "unknown or blocked, found \"destroy\"\n");
  CHECK(saved_plan_errors(edited("\"action\":\"disable\"", "\"action\":3")) ==
        "plan.json: error: actions[1].action: expected a string, found an integer\n");
  CHECK(saved_plan_errors(edited("{\"index\":2,", "{\"index\":7,")) ==
        "plan.json: error: actions[2].index: expected 2, found 7\n");
  CHECK(saved_plan_errors(edited("{\"index\":2,", "{\"index\":\"2\",")) ==
        "plan.json: error: actions[2].index: expected 2, found a string\n");
  CHECK(saved_plan_errors(edited("{\"index\":2,", "{")) ==
        "plan.json: error: actions[2].index: missing\n");
  CHECK(saved_plan_errors(
            edited("\"address\":\"nexj.target/EXCH01\"", "\"address\":\"nexj.targ/X\"")) ==
        "plan.json: error: actions[0].address: expected an address like \"nexj.target/EXCH01\", "
        "found \"nexj.targ/X\"\n");
  CHECK(saved_plan_errors(
            edited("\"observedFingerprint\":\"absent\"", "\"observedFingerprint\":\"gone\"")) ==
        "plan.json: error: actions[2].observedFingerprint: expected \"absent\", \"unknown\" or "
        "\"sha256:\" and 16 hex digits, found \"gone\"\n");
  CHECK(saved_plan_errors(edited("\"fingerprint\":\"sha256:", "\"fingerprint\":\"sha1:"))
            .starts_with("plan.json: error: actions[0].fingerprint: expected \"sha256:\" and 16 "
                         "hex digits, found "
                         "\"sha1:"));
  CHECK(saved_plan_errors(edited("\"only\":[\"nexj\"]", "\"only\":[\"nexj\",7]")) ==
        "plan.json: error: only[1]: expected a string, found an integer\n");
  CHECK(saved_plan_errors(edited("\"only\":[\"nexj\"]", "\"only\":[\"nexj\",\"bogus\",\"\"]")) ==
        "plan.json: error: only[1] bogus selects nothing: use a type such as "
        "exchange.service_account, "
        "or nexj, exchange\n"
        "plan.json: error: only[2] needs an address or the start of one, such as nexj, exchange "
        "or nexj.target\n");
  CHECK(saved_plan_errors(edited("\"only\":[\"nexj\"]", "\"only\":\"nexj\"")) ==
        "plan.json: error: only: expected an array of address prefixes, found a string\n");
  CHECK(saved_plan_errors(edited("\"file\":\"acme-prod.yaml\"", "\"file\":null")) ==
        "plan.json: error: spec.file: expected a string, found null\n");
  CHECK(saved_plan_errors(edited("\"planId\":\"", "\"planId\":\"x")) ==
        "plan.json: error: planId: expected 16 hex digits, found \"x" + plan_id(sample()) + "\"\n");
  CHECK(saved_plan_errors(R"({"format_version": "1.3"})") ==
        "plan.json: error: planId: missing\n"
        "plan.json: error: deployment: missing\n"
        "plan.json: error: spec: missing\n"
        "plan.json: error: only: missing\n"
        "plan.json: error: actions: missing\n");
  CHECK(saved_plan_errors(edited("\"actions\":[", "\"actions\":[7,")) ==
        "plan.json: error: actions[0]: expected an object, found an integer\n"
        "plan.json: error: actions[1].index: expected 1, found 0\n"
        "plan.json: error: actions[2].index: expected 2, found 1\n"
        "plan.json: error: actions[3].index: expected 3, found 2\n"
        "plan.json: error: actions[4].index: expected 4, found 3\n");
}

TEST_CASE("saved plan: a file edited after it was made is refused", "[saved_plan]") {
  const Plan p = sample();
  // The first action's fingerprint, swapped for another well-formed one.
  std::string fp = action_fingerprint(p, p.actions[0]);
  CHECK(saved_plan_errors(edited(fp, "sha256:0000000000000000")) ==
        "plan.json: error: planId: does not match the plan's actions: the file was changed after "
        "it was made\n");
  CHECK(saved_plan_errors(edited("\"only\":[\"nexj\"]", "\"only\":[]")) ==
        "plan.json: error: planId: does not match the plan's actions: the file was changed after "
        "it was made\n");
  // A dropped action.
  std::string text = plan_json(p);
  size_t first = text.find("\n{\"index\":3,");
  size_t end = text.find("\n]}");
  REQUIRE(first != std::string::npos);
  text.erase(first, end - first);
  text.replace(text.rfind("},"), 2, "}");
  CHECK(saved_plan_errors(text) ==
        "plan.json: error: planId: does not match the plan's actions: the file was changed after "
        "it was made\n");
}

TEST_CASE("saved plan: many bad actions stop at 20 errors", "[saved_plan]") {
  std::string text = R"({"format_version":"1.3","planId":"0123456789abcdef","deployment":"d",)"
                     R"("spec":{"file":"f","digest":""},"only":[],"actions":[)";
  for (int i = 0; i < 100; ++i) text += i ? ",1" : "1";
  text += "]}";
  Result<SavedPlan> r = parse_saved_plan("plan.json", text);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors().size() == 21);
  CHECK(r.errors().back().format() == "plan.json: error: too many errors; the first 20 are shown");
}

TEST_CASE("saved plan: corrupted plans give errors, never a crash", "[saved_plan]") {
  const std::string base = plan_json(sample());
  std::mt19937 rng(20261125);
  size_t valid = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string text = mutate_json(base, rng);
    Result<SavedPlan> r = parse_saved_plan("plan.json", text);
    if (r.ok()) {
      ++valid;  // an edit that kept the meaning (white space, a member nobody reads)
      continue;
    }
    REQUIRE_FALSE(r.errors().empty());
    for (const Error& e : r.errors()) {
      INFO(text);
      CHECK(e.format().starts_with("plan.json"));
    }
  }
  CHECK(valid < 1000);
}

TEST_CASE(
    "saved plan: nesting past 64 levels is refused where it passes them, odd values are "
    "errors too",
    "[saved_plan]") {
  // Unbalanced or balanced, at the top or deep inside a member that is not even read: no plan
  // syncdeploy writes nests more than a few levels.
  std::string deep(100000, '[');
  CHECK(saved_plan_errors(deep) == "plan.json:1:65: error: nesting is deeper than 64 levels\n");
  deep += std::string(100000, ']');
  CHECK(saved_plan_errors(deep) == "plan.json:1:65: error: nesting is deeper than 64 levels\n");
  std::string nested = std::string(50000, '[') + std::string(50000, ']');
  CHECK(saved_plan_errors(edited("\"summary\":", "\"junk\":" + nested + ",\"summary\":"))
            .ends_with(": error: nesting is deeper than 64 levels\n"));
  // 64 levels are read as any other value.
  std::string within = std::string(60, '[') + std::string(60, ']');
  CHECK(saved_plan_errors(edited("\"only\":[\"nexj\"]", "\"only\":[\"nexj\"," + within + "]")) ==
        "plan.json: error: only[1]: expected a string, found an array\n");
  CHECK(saved_plan_errors(edited("{\"index\":2,", "{\"index\":2.0,")) ==
        "plan.json: error: actions[2].index: expected 2, found 2.0\n");
  CHECK(saved_plan_errors(edited("{\"index\":2,", "{\"index\":18446744073709551617,")) ==
        "plan.json: error: actions[2].index: expected 2, found 1.8446744073709552e+19\n");
}

TEST_CASE("saved plan: a plan file is told from a YAML spec", "[saved_plan]") {
  CHECK(looks_like_saved_plan(plan_json(sample())));
  CHECK(looks_like_saved_plan("\xEF\xBB\xBF  \n{ \"format_version\" : \"1.0\" }"));
  CHECK(looks_like_saved_plan("{\"tool\": {}, \"format_version\":\"9\"}"));
  CHECK_FALSE(looks_like_saved_plan("version: 1\ndeployment: acme\n"));
  CHECK_FALSE(looks_like_saved_plan("# format_version\n{\"format_version\": 1}"));
  CHECK_FALSE(looks_like_saved_plan("{\"version\": 1, \"deployment\": \"acme\"}"));
  CHECK_FALSE(looks_like_saved_plan("{\"note\": \"format_version\"}"));
  CHECK_FALSE(looks_like_saved_plan(""));
  CHECK_FALSE(looks_like_saved_plan("   "));
}
