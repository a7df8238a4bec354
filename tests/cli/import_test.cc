// import end to end: a deployment set up on the lab comes back as a spec (golden files under
// tests/data/import/) whose plan against the same live state has nothing to do; what the spec
// cannot say exits 6 and is listed; objects the spec stops naming are shown for review.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/cli/exchange_support.h"
#include "tests/cli/golden_support.h"

using namespace sd::test;

namespace {

std::string file_text(const std::string& path) {
  return read_text(path).value_or("(missing: " + path + ")");
}

}  // namespace

TEST_CASE(
    "import: the quickstart applied on a fresh lab comes back as a spec whose plan has "
    "nothing to do",
    "[e2e][import]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  CliRun apply = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);

  CliRun imported = run_in_lab(lab, {"import", w.spec(), "-o", w.path("imported")});
  INFO(imported.out << imported.err);
  REQUIRE(imported.code == 0);
  const std::string spec = w.path("imported/quickstart.yaml");
  CHECK(imported.out == "Wrote " + spec +
                            " (3 users, 6 folder links). Plan it to see that nothing would "
                            "change.\n");
  CHECK(check_golden("tests/data/import/quickstart.yaml", file_text(spec)) == "");

  CliRun valid = run_in_lab(lab, {"validate", spec});
  CHECK(valid.code == 0);
  CliRun plan = run_in_lab(lab, {"plan", spec, "--detailed-exitcode"});
  INFO(plan.out << plan.err);
  CHECK(plan.code == 0);
  CHECK(plan.out == "No changes. quickstart matches the spec (16 objects checked).\n");

  // Never over a file: the second import into the same folder writes nothing.
  w.write("imported/quickstart.yaml", "mine");
  CliRun again = run_in_lab(lab, {"import", w.spec(), "-o", w.path("imported")});
  CHECK(again.code == 1);
  CHECK(again.err == "syncdeploy: error: " + spec +
                         " exists; import never writes over a file: give another folder with "
                         "-o\n");
  CHECK(file_text(spec) == "mine");
}

TEST_CASE("import: acme-prod, fifty users from its CSV, comes back with its users in a CSV file",
          "[e2e][import]") {
  // The NexJ side: acme's Exchange management is behind its own CA, which the lab is not.
  Workspace w("examples/acme-prod.yaml", {"users/advisors.csv"});
  CliRun apply = w.run(apply_args(w));
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CliRun imported = run_in_lab(RunningLab::shared(),
                               {"import", w.spec(), "-o", w.path("imported"), "--only", "nexj"});
  INFO(imported.out << imported.err);
  REQUIRE(imported.code == 0);
  CHECK(check_golden("tests/data/import/acme-prod.yaml",
                     file_text(w.path("imported/acme-prod.yaml"))) == "");
  CHECK(check_golden("tests/data/import/acme-prod-users.csv",
                     file_text(w.path("imported/users/acme-prod-users.csv"))) == "");
  CliRun plan = run_in_lab(RunningLab::shared(), {"plan", w.path("imported/acme-prod.yaml"),
                                                  "--only", "nexj", "--detailed-exitcode"});
  INFO(plan.out << plan.err);
  CHECK(plan.code == 0);
  CHECK(contains(plan.out, "No changes. acme-prod matches the spec ("));
}

TEST_CASE("import: what the spec cannot say exits 6, is listed, and is shown by plan for review",
          "[e2e][import]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  REQUIRE(run_in_lab(lab, {"apply", w.spec(), "--auto-approve"}).code == 0);
  // A second mail channel, set up by hand: a spec has one.
  replace_in_file(w, "env/quickstart.environment", "<ChannelConnections>",
                  "<ChannelConnections>\n    <MailConnection channel=\"OldMail\" "
                  "from=\"old@example.com\"/>");

  CliRun imported = run_in_lab(lab, {"import", w.spec(), "-o", w.path("imported")});
  INFO(imported.out << imported.err);
  CHECK(imported.code == 6);
  const std::string left_out =
      "the mail channel \"OldMail\" is left out: a spec has one mail channel (plan lists it for "
      "review)";
  CHECK(imported.err ==
        "syncdeploy: warning: the import is incomplete; left out or to review (also written as "
        "comments at the end of the spec):\n  - " +
            left_out + "\n");
  const std::string spec = file_text(w.path("imported/quickstart.yaml"));
  CHECK(contains(spec, "    # " + left_out + "\n    mail:\n"));
  CHECK(
      spec.ends_with("\n# Left out or to review (syncdeploy import exits 6 when anything is):\n"
                     "# - " +
                     left_out + "\n"));

  CliRun plan = run_in_lab(lab, {"plan", w.path("imported/quickstart.yaml")});
  INFO(plan.out << plan.err);
  CHECK(plan.code == 0);
  CHECK(plan.out ==
        "No changes. quickstart matches the spec (16 objects checked).\n"
        "\n"
        "Not managed by this spec (1 object; nothing is done to it): review\n"
        "  ? nexj.mail_channel/OldMail  to adopt: nexj.channels.mail.channel: OldMail; to "
        "remove: list nexj.mail_channel/OldMail under remove:\n");
}

TEST_CASE(
    "a renamed assignment and policy: the old ones are shown for review, with how to adopt or "
    "remove them",
    "[e2e][import]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  REQUIRE(run_in_lab(lab, {"apply", w.spec(), "--auto-approve"}).code == 0);
  replace_in_file(w, "quickstart.yaml", "    policy: NexJSyncPolicy\n",
                  "    policy: NexJSyncPolicy2\n");
  replace_in_file(w, "quickstart.yaml", "    method: rbac\n",
                  "    method: rbac\n    assignmentName: NexJ-Impersonation\n");

  CliRun plan = run_in_lab(lab, {"plan", w.spec()});
  INFO(plan.out << plan.err);
  CHECK(plan.code == 0);
  CHECK(contains(plan.out, "Plan for deployment quickstart: 2 to create, 1 to update, "));
  CHECK(contains(plan.out,
                 "\nNot managed by this spec (2 objects; nothing is done to them): review\n"
                 "  ? exchange.role_assignment/nexj-sync-ApplicationImpersonation  to adopt: "
                 "impersonation.assignmentName: nexj-sync-ApplicationImpersonation; to "
                 "remove: list exchange.role_assignment/nexj-sync-ApplicationImpersonation "
                 "under remove:\n"
                 "  ? exchange.throttling_policy/NexJSyncPolicy  to adopt: throttling.policy: "
                 "NexJSyncPolicy; to remove: list exchange.throttling_policy/NexJSyncPolicy "
                 "under remove:, once no account uses it\n"));
  CliRun json = run_in_lab(lab, {"plan", w.spec(), "--json"});
  nlohmann::json doc = parse_plan(json);
  REQUIRE(doc["unmanaged"].size() == 2);
  CHECK(doc["unmanaged"][0]["address"] ==
        "exchange.role_assignment/nexj-sync-ApplicationImpersonation");
  CHECK(doc["unmanaged"][1]["address"] == "exchange.throttling_policy/NexJSyncPolicy");
}

TEST_CASE(
    "the first plan of a deployment set up by hand says each object is adopted, not made "
    "again",
    "[e2e][import]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  REQUIRE(run_in_lab(lab, {"apply", w.spec(), "--auto-approve"}).code == 0);
  // As if it had been set up by hand: live state, but no apply of it in a journal.
  std::filesystem::remove(w.path("state/nexj-config.db.journal.db"));
  replace_in_file(w, "quickstart.yaml", "realtimeSync: running", "realtimeSync: paused");

  CliRun plan = run_in_lab(lab, {"plan", w.spec()});
  INFO(plan.out << plan.err);
  CHECK(plan.code == 0);
  CHECK(contains(plan.out,
                 "Plan for deployment quickstart: 0 to create, 1 to update, 0 to disable, 15 "
                 "unchanged\n"
                 "First plan of this deployment (no apply of it has ended): 15 objects found live "
                 "adopted as they are, 1 adopted and changed; nothing that exists is made "
                 "again.\n"));
  CHECK(contains(plan.out,
                 "  ~ nexj.global_options/exchange  (step 5, update: adopt and change: 1 field "
                 "differs: realtimeSync)\n"));
  nlohmann::json doc = parse_plan(run_in_lab(lab, {"plan", w.spec(), "--json"}));
  CHECK(doc["adopting"] == true);
  CHECK(doc["actions"][0]["reason"] == "adopt (matches)");

  // Once an apply of it has ended, nothing is adopted any more.
  REQUIRE(run_in_lab(lab, {"apply", w.spec(), "--auto-approve"}).code == 0);
  CliRun after = run_in_lab(lab, {"plan", w.spec()});
  CHECK(after.out == "No changes. quickstart matches the spec (16 objects checked).\n");
}
