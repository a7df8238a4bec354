// What apply prints around a large plan: the plan summarized before it acts (the folder links
// counted, the full plan with --verbose), and progress lines while it writes.
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

#include "cli/cli.h"
#include "tests/cli/apply_support.h"
#include "tests/cli/exchange_support.h"

using namespace sd::test;

namespace {

struct ApplyRun {
  int code = 0;
  std::string out, err;
};

// apply of the workspace's spec, NexJ only, without asking, in `lab`, with progress lines as
// often as they can come (every batch).
ApplyRun apply_in(RunningLab& lab, const Workspace& w, const std::vector<std::string>& more) {
  const std::map<std::string, std::string> env = lab.env_with(kDemoSecrets);
  sd::cli::Environment environment;
  environment.get_env = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  environment.progress_interval = std::chrono::milliseconds(0);
  std::ostringstream out, err;
  ApplyRun run;
  run.code = sd::cli::run(apply_args(w, more), out, err, environment);
  run.out = out.str();
  run.err = err.str();
  return run;
}

}  // namespace

TEST_CASE("apply: a large plan is summarized before it acts, in full with --verbose",
          "[apply][e2e]") {
  const std::vector<std::string> logins = numbered_users(120);
  RunningLab lab(quickstart_lab_directory(emails_of(logins)));
  Workspace quiet("examples/quickstart.yaml");
  use_csv_users(quiet, logins, "calendar, tasks");
  ApplyRun summarized = apply_in(lab, quiet, {});
  INFO(summarized.out << summarized.err);
  REQUIRE(summarized.code == 0);
  // 120 users: past the 100 apply lists one by one.
  CHECK(summarized.out.find("  step 7  nexj.folder_link                  240 to create for 120 "
                            "users\n") != std::string::npos);
  CHECK(summarized.out.find("  nexj.folder_link: 240 to create for 120 users (counted above; "
                            "--verbose lists them)\n") != std::string::npos);
  CHECK(summarized.out.find("nexj.folder_link/u0001") == std::string::npos);
  CHECK(summarized.out.find("Apply complete: 246 done, 0 failed, 0 skipped.") != std::string::npos);
  // Written in batches (the environment file, then the store's): a line before each after the
  // first, and how long it all took at the end.
  CHECK(std::regex_search(
      summarized.err, std::regex(R"((^|\n)apply: 3 of 246 actions done in \d+ s(, \d+/s, about )"
                                 R"(\d+ s left)?; now writing to [^\n]*nexj-config\.db\n)")));
  CHECK(std::regex_search(summarized.err,
                          std::regex(R"(\napply: 246 actions finished in \d+ s\n$)")));

  Workspace verbose("examples/quickstart.yaml");
  use_csv_users(verbose, logins, "calendar, tasks");
  ApplyRun full = apply_in(lab, verbose, {"--verbose"});
  REQUIRE(full.code == 0);
  CHECK(full.out.find("  + nexj.folder_link/u0120/tasks  (step 7, create: does not exist)\n"
                      "      target: \"EXCH01\"\n") != std::string::npos);
}
