// import on a lab set up by hand the way NexJ's documentation says (reference
// nexj-exchange-sync.md §2.1 and §2.2): extended rights with Add-ADPermission, and a throttling
// policy made with Exchange 2010's parameters, which a 2016 server refuses.
#include <catch2/catch.hpp>

#include "lab/server/powershell_host.h"
#include "lab/state/lab_state.h"
#include "protocol/powershell_command.h"
#include "tests/cli/exchange_support.h"
#include "tests/cli/golden_support.h"

using namespace sd::test;

namespace {

// NexJ's five commands as the reference gives them (corrected form), run in the Exchange
// Management Shell, where the snap-in is loaded.
std::string nexj_commands() {
  std::optional<std::string> text =
      read_text(std::string(SYNCDEPLOY_SOURCE_DIR) + "/tests/data/nexj/documented-commands.ps1");
  REQUIRE(text);
  return "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n" + *text;
}

std::string nexj_spec_text(const std::string& path) {
  return read_text(path).value_or("(missing: " + path + ")");
}

}  // namespace

TEST_CASE("import: a lab set up with NexJ's own commands is read as it is and its policy reported",
          "[e2e][import]") {
  RunningLab lab(fresh_lab_directory(
      {"jsmith@example.com", "mlee@example.com", "akumar@example.com"}, "",
      "  - {upn: " + std::string(kQuickstartServiceAccount) + ", password: sync-pw}\n"));
  sd::lab::ShellCommandResult shell =
      sd::lab::run_shell_command(lab.server().state(), "deploy-admin", "powershell",
                                 {"-NoProfile", "-NonInteractive", "-EncodedCommand",
                                  sd::encode_powershell_command(nexj_commands())},
                                 "");
  INFO(shell.stdout_bytes << shell.stderr_bytes);
  CHECK(shell.exit_code == 0);  // line 4 failed; the last line did not
  CHECK(contains(shell.stderr_bytes, "EWSPercentTimeInAD"));

  // The NexJ side as the quickstart has it, over the Exchange side NexJ's commands made.
  Workspace w("examples/quickstart.yaml");
  std::string spec = nexj_spec_text(w.spec());
  size_t from = spec.find("  throttling:"), to = spec.find("  servers:");
  REQUIRE(from < to);
  spec.replace(from, to - from, "  throttling:\n    policy: NexjsaPolicy\n");
  spec = replaced_once(spec, "method: rbac", "method: extendedRights");
  w.write("quickstart.yaml", spec);
  CliRun nexj = run_in_lab(lab, {"apply", w.spec(), "--only", "nexj", "--auto-approve"});
  INFO(nexj.out << nexj.err);
  REQUIRE(nexj.code == 0);

  CliRun imported = run_in_lab(lab, {"import", w.spec(), "-o", w.path("imported")});
  INFO(imported.out << imported.err);
  CHECK(imported.code == 6);
  const std::string review =
      "the throttling policy \"NexjsaPolicy\" sets no EWS limit: each inherits the default "
      "policy, which throttles (from Exchange 2013 only Unlimited lifts a limit; $null is "
      "unlimited on 2010 only); to lift them, add ews: with the limits set to unlimited";
  CHECK(imported.err ==
        "syncdeploy: warning: the import is incomplete; left out or to review (also written as "
        "comments at the end of the spec):\n  - " +
            review + "\n");
  const std::string written = nexj_spec_text(w.path("imported/quickstart.yaml"));
  CHECK(contains(written, "  impersonation:\n    method: extendedRights\n"));
  CHECK(contains(written, "  throttling:\n    policy: NexjsaPolicy\n    # " + review + "\n"));

  CliRun plan =
      run_in_lab(lab, {"plan", w.path("imported/quickstart.yaml"), "--detailed-exitcode"});
  INFO(plan.out << plan.err);
  CHECK(plan.code == 0);
  CHECK(plan.out == "No changes. quickstart matches the spec (17 objects checked).\n");

  // A spec that asks for unlimited is not satisfied by NexJ's $null on 2016: an update.
  w.write("quickstart.yaml",
          replaced_once(spec, "    policy: NexjsaPolicy\n",
                        "    policy: NexjsaPolicy\n    ews:\n      maxConcurrency: unlimited\n"));
  CliRun lifted = run_in_lab(lab, {"plan", w.spec(), "--json"});
  nlohmann::json doc = parse_plan(lifted);
  bool found = false;
  for (const auto& a : doc["actions"]) {
    if (a["address"] != "exchange.throttling_policy/NexjsaPolicy") continue;
    found = true;
    CHECK(a["action"] == "update");
    CHECK(a["reason"] == "1 field differs: ewsMaxConcurrency");
    CHECK(a["changes"][0].dump() == R"({"after":null,"field":"ewsMaxConcurrency"})");
  }
  CHECK(found);
}

namespace {

// Applies `example` on a lab of the examples, imports it, and returns the written spec's path
// once its plan has nothing to do.
std::string round_trip(const Workspace& w, const std::string& example,
                       const std::string& deployment) {
  RunningLab lab;
  CliRun apply = run_in_lab(lab, {"apply", w.spec(), "--auto-approve"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.code == 0);
  CliRun imported = run_in_lab(lab, {"import", w.spec(), "-o", w.path("imported")});
  INFO(imported.out << imported.err);
  CHECK(imported.code == 0);
  const std::string spec = w.path("imported/" + example);
  CliRun plan = run_in_lab(lab, {"plan", spec, "--detailed-exitcode"});
  INFO(plan.out << plan.err);
  CHECK(plan.code == 0);
  CHECK(contains(plan.out, "No changes. " + deployment + " matches the spec ("));
  return spec;
}

}  // namespace

TEST_CASE(
    "import: the Exchange SE example with NTLM applied on the lab comes back signing in "
    "as before with nothing to do",
    "[e2e][import]") {
  Workspace w("examples/exchange-se-ntlm.yaml");
  std::string spec = round_trip(w, "exchange-se-ntlm.yaml", "se-ntlm");
  // Signed in as the identity, as the example does: no upn is added.
  CHECK_FALSE(contains(read_text(spec).value_or(""), "upn:"));
}

TEST_CASE("import: the multi-environment example over Kerberos comes back with nothing to do",
          "[e2e][import]") {
  Workspace w("examples/multi-environment.yaml");
  (void)round_trip(w, "multi-environment.yaml", "dev-sync");
}
