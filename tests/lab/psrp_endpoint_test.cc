// The lab's remote PowerShell endpoint (/PowerShell) through the PSRP client: what Exchange's
// restricted endpoint runs (Exchange cmdlets with parameters as values, a SecureString
// password), what it refuses (scripts, cmdlets it does not have, another configuration), and
// what an Exchange cmdlet's error looks like: the same words the WinRS way gives.
#include <catch2/catch.hpp>

#include "base/disk_files.h"
#include "exchange/exchange_scripts.h"
#include "plan/desired_state.h"
#include "runtime/exchange/psrp_channel.h"
#include "runtime/exchange/runspace_pool.h"
#include "spec/load_spec.h"
#include "tests/cli/lab_support.h"

namespace sd {
namespace {

using psrp::Command;
using psrp::PowerShell;

RunspacePoolOptions lab_pool_options(
    std::string_view resource = "http://schemas.microsoft.com/powershell/Microsoft.Exchange") {
  test::RunningLab& lab = test::RunningLab::shared();
  RunspacePoolOptions options;
  options.transport.url = "https://exch01.example.local/PowerShell/";
  options.transport.auth = AuthMethod::Basic;  // the shared lab keeps Basic on for acme-prod
  options.transport.user = "EXAMPLE\\deploy-admin";
  options.transport.password = "admin-pw";
  options.transport.ca_file = lab.server().ca_file();
  options.transport.connect_to = {{"exch01.example.local", 443, "127.0.0.1", lab.server().port()}};
  options.transport.resource_uri = std::string(resource);
  return options;
}

std::unique_ptr<RunspacePool> lab_pool() {
  Result<std::unique_ptr<RunspacePool>> pool = RunspacePool::open(lab_pool_options());
  if (!pool) FAIL(pool.errors().front().message);
  return std::move(pool).value();
}

PowerShell lab_statement(Command command) {
  PowerShell powershell;
  powershell.statements = {{std::move(command)}};
  return powershell;
}

PipelineResult lab_ran(Result<PipelineResult> result) {
  if (!result) FAIL(result.errors().front().message);
  return std::move(result).value();
}

}  // namespace

TEST_CASE("lab psrp: a pool opens on Microsoft.Exchange and runs Exchange cmdlets", "[lab][psrp]") {
  auto pool = lab_pool();
  CHECK(pool->protocol_version() == "2.3");
  const PipelineResult result = lab_ran(pool->run(lab_statement(
      Command::cmdlet("Get-Mailbox").with("Filter", psrp::Value::string("Alias -eq 'jsmith'")))));
  CHECK(result.completed());
  REQUIRE(result.output.size() == 1);
  const psrp::Value& mailbox = result.output[0];
  REQUIRE(mailbox.property("PrimarySmtpAddress"));
  CHECK(mailbox.property("PrimarySmtpAddress")->display() == "jsmith@example.com");
  CHECK(mailbox.property("primarysmtpaddress") == mailbox.property("PrimarySmtpAddress"));
}

TEST_CASE("lab psrp: a password travels as a SecureString and creates the account", "[lab][psrp]") {
  auto pool = lab_pool();
  Result<psrp::Value> password = pool->secure_string("Pa55-word!");
  REQUIRE(password.ok());
  const std::string alias = "psrp-test-account";
  const PipelineResult created = lab_ran(pool->run(
      lab_statement(Command::cmdlet("New-Mailbox")
                        .with("Name", psrp::Value::string(alias))
                        .with("Alias", psrp::Value::string(alias))
                        .with("UserPrincipalName", psrp::Value::string(alias + "@example.local"))
                        .with("Password", *password))));
  CHECK(created.completed());
  CHECK(created.errors.empty());
  // The account exists; the lab took the password the SecureString carried (the lab refuses a
  // SecureString it cannot decrypt: see from_psrp).
  const PipelineResult found = lab_ran(pool->run(
      lab_statement(Command::cmdlet("Get-Mailbox")
                        .with("Filter", psrp::Value::string("Alias -eq '" + alias + "'")))));
  REQUIRE(found.output.size() == 1);
}

TEST_CASE("lab psrp: what a no-language endpoint refuses", "[lab][psrp]") {
  auto pool = lab_pool();
  SECTION("a script, with Windows' record") {
    const PipelineResult result =
        lab_ran(pool->run(lab_statement(Command::script("Get-Mailbox | Remove-Mailbox"))));
    CHECK(result.state == static_cast<int32_t>(psrp::PipelineState::Failed));
    REQUIRE(result.failure);
    CHECK(result.failure->message ==
          "The syntax is not supported by this runspace. This can occur if the runspace is in "
          "no-language mode.");
    CHECK(result.failure->error_id == "ScriptsNotAllowed");
    CHECK(result.failure->category ==
          "ParserError: (Get-Mailbox | Remove-Mailbox:String) [], "
          "ParseException");
  }
  SECTION("a cmdlet the endpoint does not have") {
    for (const char* name : {"Add-PSSnapin", "ConvertTo-Json", "Where-Object", "Get-Nothing"}) {
      const PipelineResult result = lab_ran(pool->run(lab_statement(Command::cmdlet(name))));
      CHECK(result.completed());
      REQUIRE(result.errors.size() == 1);
      CHECK(result.errors[0].message ==
            "The term '" + std::string(name) +
                "' is not recognized as the name of a cmdlet, function, script file, or operable "
                "program. Check the spelling of the name, or if a path was included, verify that "
                "the path is correct and try again.");
    }
  }
  SECTION("a value that would be code in a script is only a value") {
    const std::string hostile = "x'; Remove-ManagementScope -Identity all; '";
    const PipelineResult result = lab_ran(pool->run(lab_statement(
        Command::cmdlet("Set-ManagementScope")
            .with("Identity", psrp::Value::string(hostile))
            .with("RecipientRestrictionFilter", psrp::Value::string("Alias -eq 'x'")))));
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].command == "Set-ManagementScope");
    CHECK(result.errors[0].message.find(hostile) != std::string::npos);
  }
}

TEST_CASE("lab psrp: an Exchange error is the cmdlet's record, the pipeline completes",
          "[lab][psrp]") {
  auto pool = lab_pool();
  const PipelineResult result =
      lab_ran(pool->run(lab_statement(Command::cmdlet("Set-ManagementRoleAssignment")
                                          .with("Identity", psrp::Value::string("NoSuchAssignment"))
                                          .with("Enabled", psrp::Value::boolean(false)))));
  CHECK(result.completed());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].command == "Set-ManagementRoleAssignment");
  CHECK(result.errors[0].line().starts_with(
      "Set-ManagementRoleAssignment : The operation couldn't be performed because object "
      "'NoSuchAssignment' couldn't be found on "));
}

TEST_CASE("lab psrp: a cmdlet's warning comes as a WARNING_RECORD", "[lab][psrp]") {
  auto pool = lab_pool();
  // An entry nobody holds: nothing to remove, Exchange warns and the pipeline completes.
  const PipelineResult result =
      lab_ran(pool->run(lab_statement(Command::cmdlet("Remove-ADPermission")
                                          .with("Identity", psrp::Value::string("exch01"))
                                          .with("User", psrp::Value::string("deploy-admin"))
                                          .with("ExtendedRights", psrp::Value::string("Receive-As"))
                                          .with("Confirm", psrp::Value::boolean(false)))));
  CHECK(result.completed());
  CHECK(result.errors.empty());
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].starts_with(
      "Can't remove the access control entry on the object \"CN=exch01,CN=Servers,"));
  CHECK(result.warnings[0].ends_with(
      "\" for account \"EXAMPLE\\deploy-admin\" because the ACE doesn't exist on the object."));
}

TEST_CASE("lab psrp: another session configuration is not there", "[lab][psrp]") {
  Result<std::unique_ptr<RunspacePool>> pool = RunspacePool::open(
      lab_pool_options("http://schemas.microsoft.com/powershell/Microsoft.PowerShell"));
  REQUIRE_FALSE(pool.ok());
  CHECK(pool.errors().front().message ==
        "WinRM https://exch01.example.local/PowerShell/: The WS-Management service cannot "
        "process the request. The resource URI "
        "(http://schemas.microsoft.com/powershell/Microsoft.PowerShell) was not found in the "
        "WS-Management catalog. (WSManFault 2150858770)");
}

TEST_CASE(
    "lab psrp: the quickstart's Exchange side is read with one pool and one pipeline per "
    "object type",
    "[lab][psrp]") {
  Result<LoadedSpec> loaded = load_spec("examples/quickstart.yaml", DiskFiles());
  REQUIRE(loaded.ok());
  const ExchangeVersion version = loaded->spec.exchange.version;
  const DesiredState desired = build_desired_state(loaded->spec, {});
  PsrpChannel channel(lab_pool());
  const unsigned opened = channel.pool().requests();  // Create and the Receive of its opening
  CHECK(opened == 2);
  Result<ManagementRead> read = channel.read(desired, version);
  REQUIRE(read.ok());
  CHECK_FALSE(read->stopped);
  // Nine queries (account, scopes, role assignments, policies, each right's servers and their
  // entries, association; everything that concerns the account): a Command and a Receive each.
  CHECK(channel.pool().requests() - opened == 18);
  ObservedState observed;
  read_observation(desired, version, read->lines, observed);
  CHECK(observed.failed_types.empty());
}

}  // namespace sd
