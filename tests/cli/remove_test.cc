// The spec's `remove:` list end to end on the lab: what a rename left behind is listed for
// review, then removed by naming it, in the right order, and the next plan has nothing to do.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/exchange_support.h"
#include "tests/cli/golden_support.h"

using namespace sd::test;

namespace {

// "kind address: reason" of every action that is not a plain no-op.
std::vector<std::string> action_lines(const nlohmann::json& plan) {
  std::vector<std::string> out;
  for (const auto& a : plan["actions"])
    if (a["action"] != "no-op" || a["reason"] != "up to date")
      out.push_back(a["action"].get<std::string>() + " " + a["address"].get<std::string>() + ": " +
                    a["reason"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("remove: a renamed assignment and policy and a hand-made channel are removed by name",
          "[e2e][remove]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  REQUIRE(run_in_lab(lab, {"apply", w.spec(), "--auto-approve"}).code == 0);
  replace_in_file(w, "env/quickstart.environment", "<ChannelConnections>",
                  "<ChannelConnections>\n    <MailConnection channel=\"OldMail\" "
                  "from=\"old@example.com\"/>");
  replace_in_file(w, "quickstart.yaml", "    policy: NexJSyncPolicy\n",
                  "    policy: NexJSyncPolicy2\n");
  replace_in_file(w, "quickstart.yaml", "    method: rbac\n",
                  "    method: rbac\n    assignmentName: NexJ-Impersonation\n");
  w.write("quickstart.yaml", read_text(w.spec()).value_or("") +
                                 "remove:\n"
                                 "  - exchange.role_assignment/nexj-sync-ApplicationImpersonation\n"
                                 "  - exchange.throttling_policy/NexJSyncPolicy\n"
                                 "  - nexj.mail_channel/OldMail\n");

  CliRun plan = run_in_lab(lab, {"plan", w.spec(), "--json"});
  INFO(plan.out << plan.err);
  REQUIRE(plan.code == 0);
  nlohmann::json doc = nlohmann::json::parse(plan.out);
  // The new before the old goes; the old policy once the association left it.
  CHECK(action_lines(doc) ==
        std::vector<std::string>{
            "create exchange.role_assignment/NexJ-Impersonation: does not exist",
            "create exchange.throttling_policy/NexJSyncPolicy2: does not exist",
            "update exchange.throttling_association/nexj-sync: 1 field differs: policy",
            "remove exchange.role_assignment/nexj-sync-ApplicationImpersonation: named in "
            "remove:",
            "remove exchange.throttling_policy/NexJSyncPolicy: named in remove:",
            "remove nexj.mail_channel/OldMail: named in remove:",
        });
  CHECK(doc["summary"]["remove"] == 3);
  CHECK(doc["unmanaged"].empty());

  CliRun text = run_in_lab(lab, {"plan", w.spec()});
  CHECK(contains(text.out,
                 "Plan for deployment quickstart: 2 to create, 1 to update, 0 to "
                 "disable, 3 to remove, "));
  INFO(text.out);
  CHECK(contains(text.out,
                 "\n  x exchange.role_assignment/nexj-sync-ApplicationImpersonation  "
                 "(remove: named in remove:)\n"));
  CHECK(contains(text.out,
                 "\n  x exchange.role_assignment/nexj-sync-ApplicationImpersonation  "
                 "(step 1, remove: named in remove:)\n"));

  CliRun apply = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CHECK_FALSE(contains(read_text(w.path("env/quickstart.environment")).value_or(""), "OldMail"));

  CliRun again = run_in_lab(lab, {"plan", w.spec(), "--json"});
  nlohmann::json after = nlohmann::json::parse(again.out);
  CHECK(action_lines(after) ==
        std::vector<std::string>{
            "no-op exchange.role_assignment/nexj-sync-ApplicationImpersonation: named in "
            "remove:, and not found live",
            "no-op exchange.throttling_policy/NexJSyncPolicy: named in remove:, and not found "
            "live",
            "no-op nexj.mail_channel/OldMail: named in remove:, and not found live",
        });
  CliRun quiet = run_in_lab(lab, {"plan", w.spec(), "--detailed-exitcode"});
  CHECK(quiet.code == 0);
  CHECK(quiet.out == "No changes. quickstart matches the spec (19 objects checked).\n");
}

TEST_CASE("remove: a policy the account still uses is blocked until its association goes too",
          "[e2e][remove]") {
  RunningLab lab(fresh_quickstart_directory());
  Workspace w("examples/quickstart.yaml");
  REQUIRE(run_in_lab(lab, {"apply", w.spec(), "--auto-approve"}).code == 0);
  // The spec stops managing throttling, and asks for the policy to go.
  std::string spec = read_text(w.spec()).value_or("");
  size_t from = spec.find("  throttling:"), to = spec.find("  servers:");
  REQUIRE(from < to);
  spec.erase(from, to - from);
  w.write("quickstart.yaml", spec + "remove:\n  - exchange.throttling_policy/NexJSyncPolicy\n");

  CliRun plan = run_in_lab(lab, {"plan", w.spec()});
  INFO(plan.out << plan.err);
  CHECK(contains(plan.out,
                 "  ! exchange.throttling_policy/NexJSyncPolicy  the service account's throttling "
                 "association names it: remove exchange.throttling_association/nexj-sync too, or "
                 "set exchange.throttling.policy to another policy\n"));
  CliRun refused = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  CHECK(refused.code == 1);
  CHECK(contains(refused.err, "1 action is blocked"));

  w.write("quickstart.yaml", spec +
                                 "remove:\n  - exchange.throttling_policy/NexJSyncPolicy\n"
                                 "  - exchange.throttling_association/nexj-sync\n");
  CliRun apply = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CliRun quiet = run_in_lab(lab, {"plan", w.spec(), "--detailed-exitcode"});
  INFO(quiet.out << quiet.err);
  CHECK(quiet.code == 0);
  // Nothing left to review: the account is back on the default policy, which is not listed.
  CHECK(quiet.out == "No changes. quickstart matches the spec (16 objects checked).\n");
}
