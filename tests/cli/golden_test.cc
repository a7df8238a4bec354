// CLI cases under tests/golden/<case>/: `args` (one argument per line), optional `env`
// (NAME=value lines), and the expected `stdout`, `stderr` and `exit_code`.
#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>

#include "tests/cli/golden_support.h"
#include "tests/cli/lab_support.h"

using namespace sd::test;

namespace {

// "Exchange: asked 3 mailboxes on 1 server in 0.01 s; ..." -> "... in <time>; ...": the time
// varies from run to run; everything else in the line is checked.
std::string without_timings(std::string text) {
  static const std::regex kSeconds(" in [0-9]+\\.[0-9]{2} s;");
  return std::regex_replace(text, kSeconds, " in <time>;");
}

}  // namespace

TEST_CASE("CLI golden cases", "[golden]") {
  std::vector<std::string> cases = list_folders("tests/golden");
  REQUIRE(cases.size() >= 10);
  for (const std::string& dir : cases) {
    DYNAMIC_SECTION(dir) {
      std::optional<std::string> args = read_text(dir + "/args");
      REQUIRE(args);
      // Live reads go to the Exchange lab, under the examples' own host names.
      std::map<std::string, std::string> env = RunningLab::shared().env_with(case_env(dir));
      CliRun run = run_cli(lines_of(*args), env);
      CHECK(check_golden(dir + "/stdout", run.out) == "");
      CHECK(check_golden(dir + "/stderr", without_timings(run.err)) == "");
      CHECK(check_golden(dir + "/exit_code", std::to_string(run.code) + "\n") == "");
      // Every JSON plan the CLI prints keeps its documented, versioned format.
      const std::vector<std::string> argv = lines_of(*args);
      if (run.code != 1 && std::find(argv.begin(), argv.end(), "--json") != argv.end()) {
        nlohmann::json doc = nlohmann::json::parse(run.out);
        CHECK(schema_violations("schema/plan.schema.json", doc) == std::vector<std::string>{});
        CHECK(doc["format_version"] == "1.3");
      }
    }
  }
}

TEST_CASE("two plans of the same spec are byte-identical", "[golden]") {
  std::map<std::string, std::string> env =
      RunningLab::shared().env_with({{"EXCH_ADMIN_PASSWORD", "a"},
                                     {"NEXJ_SYNC_PASSWORD", "sync-pw"},
                                     {"CRM_MAIL_PASSWORD", "c"}});
  for (const char* format : {"--json", "--markdown", "--no-color"}) {
    CliRun first = run_cli({"plan", "examples/acme-prod.yaml", format}, env);
    CliRun second = run_cli({"plan", "examples/acme-prod.yaml", format}, env);
    REQUIRE(first.code == 1);  // the admin password is wrong: 5 objects unknown
    CHECK(first.out == second.out);
  }
}

TEST_CASE("the plan schema check rejects a plan that breaks the format", "[golden]") {
  std::optional<std::string> text = read_text("tests/golden/plan-quickstart-json/stdout");
  REQUIRE(text);
  nlohmann::json doc = nlohmann::json::parse(*text);
  REQUIRE(schema_violations("schema/plan.schema.json", doc).empty());
  nlohmann::json wrong_kind = doc;
  wrong_kind["actions"][0]["action"] = "delete";  // targets are never deleted; no such action
  CHECK_FALSE(schema_violations("schema/plan.schema.json", wrong_kind).empty());
  nlohmann::json leaked = doc;
  leaked["actions"][0]["changes"][1]["after"]["fingerprint"] = "hunter2";
  CHECK_FALSE(schema_violations("schema/plan.schema.json", leaked).empty());
  nlohmann::json no_actions = doc;
  no_actions.erase("actions");
  CHECK_FALSE(schema_violations("schema/plan.schema.json", no_actions).empty());
}
