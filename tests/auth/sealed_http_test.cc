// Remote PowerShell over plain http with message encryption, client against lab, as Exchange
// serves /PowerShell on port 80: with Kerberos and with NTLM a SecureString password goes out
// and a mailbox comes back, while a relay between them (a packet capture on loopback,
// tests/lab/wire_relay.h) sees no SOAP, no cmdlet and no password in clear. An answer that does
// not decrypt stops the client with an error that says so, and nothing more is sent.
#include <catch2/catch.hpp>

#include "runtime/exchange/runspace_pool.h"
#include "tests/auth/realm_support.h"
#include "tests/lab/wire_relay.h"

namespace sd {
namespace {

RunspacePoolOptions sealed_pool_options(uint16_t port, AuthMethod auth, std::string user) {
  RunspacePoolOptions options;
  options.transport.url = "http://exch01.example.local/PowerShell/";
  options.transport.auth = auth;
  options.transport.user = std::move(user);
  options.transport.password = "admin-pw";
  options.transport.connect_to = {{"exch01.example.local", 80, "127.0.0.1", port}};
  options.transport.resource_uri = "http://schemas.microsoft.com/powershell/Microsoft.Exchange";
  options.transport.operation_timeout = std::chrono::seconds(5);
  return options;
}

psrp::PowerShell statement(psrp::Command command) {
  psrp::PowerShell powershell;
  powershell.statements = {{std::move(command)}};
  return powershell;
}

// A new mailbox with a SecureString password, then Get-Mailbox of it, through a relay; what the
// relay saw.
std::string create_mailbox_sealed(AuthMethod auth, const std::string& user) {
  test::TestRealm realm;
  test::AuthLab lab(realm, {}, test::kAdminDirectory);
  test::WireRelay relay(lab.server->http_port());
  {
    Result<std::unique_ptr<RunspacePool>> pool =
        RunspacePool::open(sealed_pool_options(relay.port(), auth, user));
    if (!pool) FAIL(pool.errors().front().message);
    Result<psrp::Value> password = (*pool)->secure_string("Wire-Pa55-Secret!");
    REQUIRE(password.ok());
    Result<PipelineResult> created = (*pool)->run(
        statement(psrp::Command::cmdlet("New-Mailbox")
                      .with("Name", psrp::Value::string("wire-account"))
                      .with("Alias", psrp::Value::string("wire-account"))
                      .with("UserPrincipalName", psrp::Value::string("wire-account@example.local"))
                      .with("Password", *password)));
    if (!created) FAIL(created.errors().front().message);
    CHECK(created->completed());
    CHECK(created->errors.empty());
    Result<PipelineResult> read = (*pool)->run(
        statement(psrp::Command::cmdlet("Get-Mailbox")
                      .with("Filter", psrp::Value::string("Alias -eq 'wire-account'"))));
    if (!read) FAIL(read.errors().front().message);
    REQUIRE(read->output.size() == 1);
    REQUIRE(read->output[0].property("Alias"));
    CHECK(read->output[0].property("Alias")->display() == "wire-account");
  }
  return relay.bytes();
}

void check_nothing_in_clear(const std::string& wire) {
  REQUIRE(wire.size() > 10000);
  CHECK(wire.find("POST /PowerShell/ HTTP/1.1") != std::string::npos);
  CHECK(wire.find("Content-Type: multipart/encrypted;protocol=\"application/"
                  "HTTP-SPNEGO-session-encrypted\";boundary=\"Encrypted Boundary\"") !=
        std::string::npos);
  CHECK(wire.find("\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=") !=
        std::string::npos);
  for (const char* clear : {"Wire-Pa55-Secret!", "admin-pw", "New-Mailbox", "Get-Mailbox",
                            "wire-account", "Envelope", "Microsoft.Exchange", "soap-envelope"})
    CHECK(wire.find(clear) == std::string::npos);
}

}  // namespace

TEST_CASE("sealed http: remote PowerShell with Kerberos, nothing in clear on the wire",
          "[auth][encryption]") {
  const std::string wire =
      create_mailbox_sealed(AuthMethod::Kerberos, "deploy-admin@EXAMPLE.LOCAL");
  check_nothing_in_clear(wire);
  CHECK(wire.find("Authorization: Negotiate ") != std::string::npos);
}

TEST_CASE("sealed http: remote PowerShell with NTLM, nothing in clear on the wire",
          "[auth][encryption]") {
  const std::string wire = create_mailbox_sealed(AuthMethod::Ntlm, "EXAMPLE\\deploy-admin");
  check_nothing_in_clear(wire);
}

TEST_CASE("sealed http: an answer that does not decrypt stops the client, nothing more is sent",
          "[auth][encryption]") {
  test::TestRealm realm;
  lab::FaultOptions faults;
  faults.corrupt_seal_rate = 1;
  test::AuthLab lab(realm, {}, test::kAdminDirectory, faults);
  Result<std::unique_ptr<RunspacePool>> pool = RunspacePool::open(sealed_pool_options(
      lab.server->http_port(), AuthMethod::Kerberos, "deploy-admin@EXAMPLE.LOCAL"));
  REQUIRE_FALSE(pool.ok());
  const std::string message = pool.errors().front().message;
  INFO(message);
  CHECK(message.find("WinRM http://exch01.example.local/PowerShell/: ") == 0);
  CHECK(message.find("exch01.example.local:80: cannot decrypt the answer of "
                     "HTTP/exch01.example.local: ") != std::string::npos);
  // The Create that failed is the only management request the lab saw.
  CHECK(lab.server->stats().management_requests == 1);
}

TEST_CASE("sealed http: Basic and certificates are refused over http before anything is sent",
          "[auth][encryption]") {
  RunspacePoolOptions options = sealed_pool_options(1, AuthMethod::Basic, "EXAMPLE\\deploy-admin");
  Result<std::unique_ptr<RunspacePool>> pool = RunspacePool::open(options);
  REQUIRE_FALSE(pool.ok());
  CHECK(pool.errors().front().message ==
        "WinRM http://exch01.example.local/PowerShell/: auth basic needs https: over http only "
        "Kerberos, NTLM and Negotiate, whose message encryption seals every body, are used");
}

}  // namespace sd
