// Exchange management as a live system, with a scripted remote shell: what a failed connection,
// a script that stops half way, and a failed action become.
#include "runtime/exchange/exchange_management.h"

#include <catch2/catch.hpp>
#include <deque>

#include "exchange/exchange_scripts.h"
#include "plan/desired_state.h"
#include "runtime/exchange/script_channel.h"

namespace sd {
namespace {

const std::string kWhere = "https://exch01.example.local:5986/wsman";

Spec exchange_only_spec() {
  Spec s;
  s.deployment = "acme";
  s.exchange.version = ExchangeVersion::Exchange2016;
  s.exchange.serviceAccount = {
      "nexj-sync", "nexj-sync@acme.local", AuthMethod::Negotiate, std::nullopt, "", false, "/sa"};
  s.exchange.impersonation.assignmentName = "NexJ-Sync-Impersonation";
  Throttling t;
  t.policy = "NexJSyncPolicy";
  t.ews.maxConcurrency = Limit{};
  s.exchange.throttling = t;
  return s;
}

// Answers each script with the next scripted output, and keeps the scripts it was given.
struct ScriptedShell : RemoteShell {
  std::deque<Result<CommandOutput>> answers;
  std::vector<std::string>* scripts;
  explicit ScriptedShell(std::vector<std::string>* seen) : scripts(seen) {}
  Result<CommandOutput> run_powershell(const std::string& script) override {
    scripts->push_back(script);
    if (answers.empty()) return make_error("no answer scripted");
    Result<CommandOutput> next = std::move(answers.front());
    answers.pop_front();
    return next;
  }
};

CommandOutput output(std::string out, int64_t code = 0, std::string err = "") {
  return CommandOutput{std::move(out), std::move(err), code};
}

// A PowerShell error record as decode_clixml gives it.
const std::string kRecord =
    "Get-ThrottlingPolicy : Access is denied.\r\nAt line:5 char:35\r\n+ ConvertTo-Json ...\r\n"
    "    + CategoryInfo          : NotSpecified: (:) [], Exception\r\n";

}  // namespace

TEST_CASE(
    "exchange management: a shell that cannot be opened fails every exchange type, and is "
    "not tried again",
    "[exchange-management]") {
  int opened = 0;
  ExchangeManagement system(kWhere, ExchangeVersion::Exchange2016,
                            [&]() -> Result<std::unique_ptr<RemoteShell>> {
                              ++opened;
                              return make_error("WinRM " + kWhere + ": connection refused");
                            });
  DesiredState desired = build_desired_state(exchange_only_spec(), {});
  ObservedState observed;
  system.observe(desired, observed);
  CHECK(observed.resources.empty());
  for (const char* type : {"exchange.service_account", "exchange.role_assignment",
                           "exchange.throttling_policy", "exchange.throttling_association"})
    CHECK(observed.failed_types[type] == "WinRM " + kWhere + ": connection refused");
  CHECK_FALSE(observed.failed_types.contains("nexj.target"));

  Plan plan = make_plan(desired, ObservedState{}, {});
  std::vector<uint32_t> all;
  for (uint32_t i = 0; i < plan.actions.size(); ++i)
    if (plan.actions[i].kind == ActionKind::Create) all.push_back(i);
  REQUIRE(all.size() == 3);  // the account is checked, not made (create: false)
  std::vector<ActionResult> results = system.apply(plan, all, {});
  REQUIRE(results.size() == all.size());
  for (const ActionResult& r : results) {
    CHECK_FALSE(r.ok);
    CHECK(r.error == "WinRM " + kWhere + ": connection refused");
  }
  CHECK(opened == 1);
  CHECK(system.describe() == "Exchange management at " + kWhere);
}

TEST_CASE(
    "exchange management: a read script that stops half way keeps what it printed and "
    "fails the rest with PowerShell's message",
    "[exchange-management]") {
  std::vector<std::string> scripts;
  auto shell = std::make_unique<ScriptedShell>(&scripts);
  ScriptedShell* answers = shell.get();
  // The account and the role assignments were printed; Get-ThrottlingPolicy was refused. The
  // queries only made for review come after everything the spec names.
  answers->answers.push_back(
      output("[{\"Name\":\"nexj-sync\",\"Alias\":\"nexj-sync\",\"UserPrincipalName\":"
             "\"nexj-sync@acme.local\",\"SamAccountName\":\"nexj-sync\",\"PrimarySmtpAddress\":"
             "\"nexj-sync@acme.local\"}]\r\n[]\r\n",
             1,
             "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
             "xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">"
             "Get-ThrottlingPolicy : Access is denied._x000D__x000A_</S><S S=\"Error\">At line:5 "
             "char:35_x000D__x000A_</S></Objs>"));
  std::unique_ptr<RemoteShell> owned = std::move(shell);
  ExchangeManagement system(
      kWhere, ExchangeVersion::Exchange2016,
      [&]() -> Result<std::unique_ptr<RemoteShell>> { return std::move(owned); });
  DesiredState desired = build_desired_state(exchange_only_spec(), {});
  ObservedState observed;
  system.observe(desired, observed);
  REQUIRE(scripts.size() == 1);
  CHECK(scripts[0] == observe_script(desired, ExchangeVersion::Exchange2016));
  const std::string error = "reading Exchange management at " + kWhere +
                            " failed: Get-ThrottlingPolicy : Access is denied.";
  CHECK(observed.failed_types["exchange.throttling_policy"] == error);
  CHECK(observed.failed_types["exchange.throttling_association"] == error);
  CHECK_FALSE(observed.failed_types.contains("exchange.service_account"));
  // What is read only for review does not fail: the review list says it is incomplete.
  CHECK_FALSE(observed.failed_types.contains("exchange.ad_permission"));
  CHECK_FALSE(observed.failed_types.contains("exchange.management_scope"));
  CHECK(observed.review_errors == std::vector<std::string>{error});
  CHECK_FALSE(observed.failed_types.contains("exchange.role_assignment"));
  REQUIRE(observed.resources.size() == 1);
  CHECK(observed.resources[0].name == "nexj-sync");
}

TEST_CASE(
    "exchange management: each action runs its own script, a failure is PowerShell's first "
    "line, and the next action still runs",
    "[exchange-management]") {
  std::vector<std::string> scripts;
  auto shell = std::make_unique<ScriptedShell>(&scripts);
  shell->answers.push_back(output("", 1, kRecord));
  shell->answers.push_back(output(""));
  shell->answers.push_back(output(""));
  std::unique_ptr<RemoteShell> owned = std::move(shell);
  ExchangeManagement system(
      kWhere, ExchangeVersion::Exchange2016,
      [&]() -> Result<std::unique_ptr<RemoteShell>> { return std::move(owned); });
  DesiredState desired = build_desired_state(exchange_only_spec(), {});
  ObservedState observed;
  // The account exists; the rest is to be made.
  ObservedResource account;
  account.type = &types::kServiceAccount;
  account.name = "nexj-sync";
  account.values = {std::string("nexj-sync@acme.local"), SecretValue{}};
  observed.resources.push_back(account);
  Plan plan = make_plan(desired, observed, {});
  std::vector<uint32_t> changes;
  for (uint32_t i = 0; i < plan.actions.size(); ++i)
    if (plan.actions[i].kind == ActionKind::Create || plan.actions[i].kind == ActionKind::Update)
      changes.push_back(i);
  REQUIRE(changes.size() == 3);
  std::vector<ActionResult> results = system.apply(plan, changes, {});
  REQUIRE(results.size() == 3);
  CHECK_FALSE(results[0].ok);
  CHECK(results[0].error == "Get-ThrottlingPolicy : Access is denied.");
  CHECK(results[1].ok);
  CHECK(results[2].ok);
  REQUIRE(scripts.size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    Result<std::string> expected =
        action_script(plan, changes[k], ExchangeVersion::Exchange2016, {});
    REQUIRE(expected.ok());
    CHECK(scripts[k] == *expected);
  }
}

TEST_CASE("exchange management: the error of a failed script", "[exchange-management]") {
  CHECK(script_error(output("", 1, kRecord)) == "Get-ThrottlingPolicy : Access is denied.");
  // A message PowerShell wrapped over two lines is one line here.
  CHECK(script_error(output("", 1,
                            "New-Mailbox : The object 'x'\r\n already exists.\r\nAt line:3 "
                            "char:1\r\n")) == "New-Mailbox : The object 'x' already exists.");
  CHECK(script_error(output("", 3, "")) == "the script ended with exit code 3");
  // A warning written before the error record is not taken for it.
  CHECK(script_error(output("", 1,
                            "WARNING: The command completed successfully but no settings of "
                            "'x' have been modified.\r\nSet-ThrottlingPolicy : Access is "
                            "denied.\r\nAt line:1 char:1\r\n")) ==
        "Set-ThrottlingPolicy : Access is denied.");
}

}  // namespace sd
