// `syncdeploy show PLANFILE` (issue 16): a saved plan printed again from the file alone, as
// `plan` printed it. plan needs the Exchange lab; show needs nothing but the file.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli.h"
#include "tests/cli/apply_support.h"
#include "tests/cli/golden_support.h"
#include "tests/cli/lab_support.h"

using namespace sd::test;

namespace {

// `args` without the options that choose the output, or save it.
std::vector<std::string> without_output_options(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-out" || args[i] == "--out") {
      ++i;  // and its file
      continue;
    }
    if (args[i] != "--json" && args[i] != "--markdown" && args[i] != "--no-color")
      out.push_back(args[i]);
  }
  return out;
}

std::vector<std::string> plus(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// What plan printed as text, without the line that says where it saved the plan.
std::string without_saved_line(const std::string& out, const std::string& file) {
  const std::string line = "\nSaved the plan to " + file + ".\n";
  REQUIRE(out.ends_with(line));
  return out.substr(0, out.size() - line.size());
}

// show, with nothing in its environment: no secret, no lab, no SSL_CERT_FILE.
CliRun show(const std::vector<std::string>& args) {
  return run_cli(plus({"show"}, args), {});
}

}  // namespace

TEST_CASE("show: every golden JSON plan shows again as plan printed it", "[show][cli]") {
  const std::string scratch =
      std::filesystem::temp_directory_path() / ("sd-show-" + std::to_string(::getpid()));
  std::filesystem::create_directories(scratch);
  const std::string printed = scratch + "/printed.json", saved = scratch + "/saved.json";
  for (const std::string& dir : list_folders("tests/golden")) {
    const std::vector<std::string> args = lines_of(read_text(dir + "/args").value_or(""));
    const bool json = std::find(args.begin(), args.end(), "--json") != args.end();
    const bool out = std::find(args.begin(), args.end(), "-out") != args.end();
    const std::string stdout_json = read_text(dir + "/stdout").value_or("");
    if (args.empty() || args[0] != "plan" || !(json || out) || !stdout_json.starts_with("{"))
      continue;  // not a plan printed as JSON (e.g. --json with --markdown: an error)
    DYNAMIC_SECTION(dir) {
      // The JSON it printed, shown as JSON: the same bytes.
      std::filesystem::remove(printed);
      REQUIRE(!std::filesystem::exists(printed));
      { std::ofstream(printed, std::ios::binary) << stdout_json; }
      CliRun again = show({printed, "--json"});
      CHECK(again.code == 0);
      CHECK(again.err == "");
      CHECK(again.out == stdout_json);

      // The same plan saved with -out, shown as text and Markdown: what plan printed.
      const std::map<std::string, std::string> env = RunningLab::shared().env_with(case_env(dir));
      const std::vector<std::string> plan = without_output_options(args);
      CliRun text = run_cli(plus(plan, {"--no-color", "-out", saved}), env);
      INFO(text.err);
      CHECK(read_text(saved) == stdout_json);  // the file is what --json printed
      CliRun shown = show({saved, "--no-color"});
      CHECK(shown.code == 0);
      CHECK(shown.err == "");
      CHECK(shown.out == without_saved_line(text.out, saved));
      CliRun markdown = run_cli(plus(plan, {"--markdown"}), env);
      CliRun shown_markdown = show({saved, "--markdown"});
      CHECK(shown_markdown.code == 0);
      CHECK(shown_markdown.out == markdown.out);
    }
  }
  std::filesystem::remove_all(scratch);
}

TEST_CASE("show: the golden cases include JSON plans to show", "[show][cli]") {
  size_t cases = 0;
  for (const std::string& dir : list_folders("tests/golden")) {
    const std::vector<std::string> args = lines_of(read_text(dir + "/args").value_or(""));
    if (!args.empty() && args[0] == "plan" &&
        std::find(args.begin(), args.end(), "--json") != args.end() &&
        read_text(dir + "/stdout").value_or("").starts_with("{"))
      ++cases;
  }
  CHECK(cases >= 4);
}

TEST_CASE("show: reads the plan file only, not its spec, environment or secrets", "[show][cli]") {
  Workspace w("examples/quickstart.yaml");
  const std::string saved = w.path("plan.json");
  CliRun plan = w.run(plan_args(w, {"-out", saved}));
  INFO(plan.out << plan.err);
  REQUIRE(std::filesystem::exists(saved));
  // The spec is gone, the environment empty: no secret, no lab, no store.
  std::filesystem::remove(w.spec());
  CliRun shown = show({saved});
  CHECK(shown.code == 0);
  CHECK(shown.err == "");
  CHECK(shown.out == without_saved_line(plan.out, saved));
  CHECK(shown.out.find("Limited to: nexj (--only)") != std::string::npos);
  CliRun json = show({saved, "--json"});
  CHECK(json.code == 0);
  CHECK(json.out == read_text(saved));
  // Nothing was made beside it: no store, no environment file, no journal.
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(w.dir()))
    left.push_back(entry.path().filename().string());
  CHECK(left == std::vector<std::string>{"plan.json"});
}

TEST_CASE("show: colors on a terminal, never with --no-color or NO_COLOR", "[show][cli]") {
  const std::string plan = "tests/data/show/quickstart.json";
  auto run = [&](const std::vector<std::string>& args, const char* no_color) {
    sd::cli::Environment env;
    env.get_env = [no_color](const std::string& name) -> std::optional<std::string> {
      if (name == "NO_COLOR" && no_color) return no_color;
      return std::nullopt;
    };
    env.stdout_is_terminal = true;
    std::ostringstream out, err;
    CHECK(sd::cli::run(args, out, err, env) == 0);
    return out.str();
  };
  const std::string plain = show({plan}).out;
  CHECK(plain.find('\x1b') == std::string::npos);
  const std::string colored = run({"show", plan}, nullptr);
  CHECK(colored.find("\x1b[") != std::string::npos);
  CHECK(colored != plain);
  CHECK(run({"show", plan, "--no-color"}, nullptr) == plain);
  CHECK(run({"show", plan}, "1") == plain);
  CHECK(run({"show", plan}, "") == colored);
}

TEST_CASE("show: exit 1 with the reason for a file that is not a plan to show", "[show][cli]") {
  CliRun missing = show({"tests/data/show/nope.json"});
  CHECK(missing.code == 1);
  CHECK(missing.out == "");
  CHECK(missing.err.starts_with("tests/data/show/nope.json: error: "));
  CliRun spec = show({"examples/quickstart.yaml"});
  CHECK(spec.code == 1);
  CHECK(spec.err ==
        "examples/quickstart.yaml: error: not a saved plan: show reads the JSON plan that plan "
        "-out writes\n");
  CliRun both = show({"tests/data/show/quickstart.json", "--json", "--markdown"});
  CHECK(both.code == 1);
  CHECK(both.err == "syncdeploy: error: --json and --markdown cannot be used together\n");
  CliRun none = run_cli({"show"}, {});
  CHECK(none.code == 1);
  CHECK(none.out == "");
}
