// The exit codes of plan and diff, one case per row of docs/cli.md's table, as a CI job reads
// them: a plan that cannot be applied is an error (1), not a success; users who cannot sync are
// 5, or, with --detailed-exitcode, pending changes (2) that a pull request may pass with, said
// on standard error; diff of live state it could not read is an error (1), not drift (2).
#include <catch2/catch.hpp>

#include "tests/cli/apply_support.h"
#include "tests/cli/lab_support.h"

using namespace sd::test;

namespace {

// The quickstart's NexJ side applied in `w`, then `more_users` (YAML list items) added to the
// spec.
void apply_quickstart(const Workspace& w, const std::string& more_users = "") {
  REQUIRE(w.run(apply_args(w)).code == 0);
  if (!more_users.empty()) w.write("quickstart.yaml", *read_text(w.spec()) + more_users);
}

// The CLI with the demo secrets but a wrong Exchange administrator password: the Exchange side
// cannot be read.
CliRun run_with_wrong_admin(const std::vector<std::string>& args) {
  std::map<std::string, std::string> env = RunningLab::shared().env_with(kDemoSecrets);
  env["EXCH_ADMIN_PASSWORD"] = "not-the-password";
  return run_cli(args, env);
}

const std::string kGhost = "    - login: ghost\n      email: ghost@example.com\n";

}  // namespace

TEST_CASE("exit codes: plan, nothing to do, changes pending", "[cli][exit-codes]") {
  Workspace w("examples/quickstart.yaml");
  apply_quickstart(w);
  CHECK(w.run(plan_args(w)).code == 0);
  CHECK(w.run(plan_args(w, {"--detailed-exitcode"})).code == 0);
  // mlee gets a second folder: one link to create.
  std::string spec = *read_text(w.spec());
  const std::string one_folder = "      folders: [calendar]\n";
  REQUIRE(spec.find(one_folder) != std::string::npos);
  spec.replace(spec.find(one_folder), one_folder.size(), "      folders: [calendar, tasks]\n");
  w.write("quickstart.yaml", spec);
  CHECK(w.run(plan_args(w)).code == 0);
  CliRun pending = w.run(plan_args(w, {"--detailed-exitcode"}));
  INFO(pending.out << pending.err);
  CHECK(pending.code == 2);
  CHECK(without_ews_summary(pending.err).empty());
}

TEST_CASE("exit codes: plan with a user who cannot sync is 5, or 2 with --detailed-exitcode",
          "[cli][exit-codes]") {
  Workspace w("examples/quickstart.yaml");
  apply_quickstart(w, kGhost);
  const std::string warning =
      "syncdeploy: warning: 3 folder links are blocked because the user cannot sync (listed in "
      "the plan); apply makes the rest\n";
  CliRun plain = w.run(plan_args(w));
  INFO(plain.out << plain.err);
  CHECK(plain.code == 5);
  CHECK(without_ews_summary(plain.err) == warning);
  // A pull request that adds a new hire without a mailbox yet passes as "changes pending".
  CliRun detailed = w.run(plan_args(w, {"--detailed-exitcode"}));
  CHECK(detailed.code == 2);
  CHECK(without_ews_summary(detailed.err) == warning);
  CHECK(
      detailed.out.find(
          "  ! nexj.folder_link/ghost/{calendar,contacts,tasks}  ghost@example.com cannot sync") !=
      std::string::npos);
}

TEST_CASE("exit codes: a plan that cannot be applied is an error, with --detailed-exitcode too",
          "[cli][exit-codes]") {
  Workspace w("examples/quickstart.yaml");
  apply_quickstart(w);
  for (bool detailed : {false, true}) {
    std::vector<std::string> args = {"plan", w.spec(), "--only", "exchange"};
    if (detailed) args.push_back("--detailed-exitcode");
    CliRun plan = run_with_wrong_admin(args);
    INFO(plan.out << plan.err);
    CHECK(plan.code == 1);
    CHECK(plan.out.find("This plan cannot be applied as is: 4 objects could not be read.") !=
          std::string::npos);
    CHECK(without_ews_summary(plan.err) ==
          "syncdeploy: error: the plan cannot be applied: 4 objects could not be read\n");
  }
}

TEST_CASE("exit codes: diff in sync 0, drift 2, live state it could not read 1",
          "[cli][exit-codes]") {
  Workspace w("examples/quickstart.yaml");
  apply_quickstart(w);
  CHECK(w.run({"diff", w.spec(), "--only", "nexj"}).code == 0);
  w.write("quickstart.yaml", *read_text(w.spec()) + kGhost);
  CHECK(w.run({"diff", w.spec(), "--only", "nexj"}).code == 2);
  CliRun unreadable = run_with_wrong_admin({"diff", w.spec(), "--only", "exchange"});
  INFO(unreadable.out << unreadable.err);
  CHECK(unreadable.code == 1);
  CHECK(without_ews_summary(unreadable.err) ==
        "syncdeploy: error: 4 objects could not be read (listed above): the drift is not known\n");
}
