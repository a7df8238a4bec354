// plan's side outputs and styling, which golden stdout files alone cannot show.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "cli/cli.h"
#include "tests/cli/golden_support.h"
#include "tests/cli/lab_support.h"

using namespace sd::test;

namespace {

// The demo secrets, and the Exchange lab under the examples' host names (started in the test
// that first needs it, never at program start).
std::map<std::string, std::string> secrets() {
  return RunningLab::shared().env_with({{"EXCH_ADMIN_PASSWORD", "admin-pw"},
                                        {"NEXJ_SYNC_PASSWORD", "sync-pw"},
                                        {"CRM_MAIL_PASSWORD", "mail-pw"}});
}

CliRun run_on_terminal(const std::vector<std::string>& args,
                       std::map<std::string, std::string> env) {
  sd::cli::Environment environment;
  environment.stdout_is_terminal = true;
  environment.get_env = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  std::ostringstream out, err;
  CliRun run;
  run.code = sd::cli::run(args, out, err, environment);
  run.out = out.str();
  run.err = err.str();
  return run;
}

}  // namespace

TEST_CASE("plan -out saves exactly the JSON plan and says where", "[cli]") {
  const auto kSecrets = secrets();
  std::string dir =
      std::filesystem::temp_directory_path() / ("sd-out-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string file = dir + "/plan.json";
  CliRun text = run_cli({"plan", "examples/quickstart.yaml", "-out", file}, kSecrets);
  REQUIRE(text.code == 0);
  CHECK(text.out.ends_with("\nSaved the plan to " + file + ".\n"));
  CliRun json = run_cli({"plan", "examples/quickstart.yaml", "--json"}, kSecrets);
  CHECK(read_text(file) == json.out);
  // A plan that cannot be computed writes nothing, and leaves an older saved plan alone.
  CliRun failed =
      run_cli({"plan", "examples/quickstart.yaml", "-out", file}, RunningLab::shared().env());
  CHECK(failed.code == 1);
  CHECK(read_text(file) == json.out);
  std::filesystem::remove_all(dir);
}

TEST_CASE("colors only on a terminal, never with NO_COLOR or --no-color", "[cli]") {
  const std::string kEscape = "\x1b[";
  std::map<std::string, std::string> env = secrets();
  CHECK(run_on_terminal({"plan", "examples/quickstart.yaml"}, env).out.find(kEscape) !=
        std::string::npos);
  CHECK(run_cli({"plan", "examples/quickstart.yaml"}, env).out.find(kEscape) == std::string::npos);
  CHECK(
      run_on_terminal({"plan", "examples/quickstart.yaml", "--no-color"}, env).out.find(kEscape) ==
      std::string::npos);
  env["NO_COLOR"] = "1";
  CHECK(run_on_terminal({"plan", "examples/quickstart.yaml"}, env).out.find(kEscape) ==
        std::string::npos);
  env["NO_COLOR"] = "";  // set but empty does not count (no-color.org)
  CHECK(run_on_terminal({"plan", "examples/quickstart.yaml"}, env).out.find(kEscape) !=
        std::string::npos);
}

TEST_CASE("secret values never appear in any output format", "[cli]") {
  const auto kSecrets = secrets();
  for (const char* format : {"--json", "--markdown", "--no-color"}) {
    CliRun run = run_cli({"plan", "examples/quickstart.yaml", format}, kSecrets);
    REQUIRE(run.code == 0);
    for (const char* name : {"EXCH_ADMIN_PASSWORD", "NEXJ_SYNC_PASSWORD", "CRM_MAIL_PASSWORD"})
      CHECK(run.out.find(kSecrets.at(name)) == std::string::npos);
  }
}
