// What remote PowerShell puts on the wire over https, seen by a relay between the client and
// the lab (tests/lab/wire_relay.h): a new account's password, the cmdlets and the SOAP never
// appear in clear. Over http with message encryption: tests/auth/sealed_http_test.cc.
#include <catch2/catch.hpp>

#include "runtime/exchange/runspace_pool.h"
#include "tests/cli/lab_support.h"
#include "tests/lab/wire_relay.h"

namespace sd {

TEST_CASE("psrp wire: no password, cmdlet or SOAP in clear between client and Exchange",
          "[lab][psrp]") {
  test::RunningLab& lab = test::RunningLab::shared();
  test::WireRelay relay(lab.server().port());
  RunspacePoolOptions options;
  options.transport.url = "https://exch01.example.local/PowerShell/";
  options.transport.auth = AuthMethod::Basic;
  options.transport.user = "EXAMPLE\\deploy-admin";
  options.transport.password = "admin-pw";
  options.transport.ca_file = lab.server().ca_file();
  options.transport.connect_to = {{"exch01.example.local", 443, "127.0.0.1", relay.port()}};
  options.transport.resource_uri = "http://schemas.microsoft.com/powershell/Microsoft.Exchange";
  {
    Result<std::unique_ptr<RunspacePool>> pool = RunspacePool::open(options);
    REQUIRE(pool.ok());
    Result<psrp::Value> password = (*pool)->secure_string("Wire-Pa55-Secret!");
    REQUIRE(password.ok());
    psrp::PowerShell create;
    create.statements = {
        {psrp::Command::cmdlet("New-Mailbox")
             .with("Name", psrp::Value::string("wire-account"))
             .with("Alias", psrp::Value::string("wire-account"))
             .with("UserPrincipalName", psrp::Value::string("wire-account@example.local"))
             .with("Password", *password)}};
    Result<PipelineResult> created = (*pool)->run(create);
    REQUIRE(created.ok());
    CHECK(created->completed());
  }
  const std::string wire = relay.bytes();
  REQUIRE(wire.size() > 10000);
  CHECK(wire.find("\x17\x03\x03") != std::string::npos);  // TLS application data records
  for (const char* clear : {"Wire-Pa55-Secret!", "admin-pw", "New-Mailbox", "wire-account",
                            "Envelope", "PowerShell", "deploy-admin"})
    CHECK(wire.find(clear) == std::string::npos);
}

}  // namespace sd
