// The lab over plain HTTP, as Exchange's /PowerShell on port 80: EWS refused (403.4), Basic
// never taken, and WS-Management only with messages sealed with the connection's Kerberos or
// NTLM context (MS-WSMV 2.2.9.1.1), checked with a GSS-API initiator of the test's own
// (sealing_client_support.h) against a real KDC and gss-ntlmssp.
#include <catch2/catch.hpp>
#include <mutex>

#include "base/base64.h"
#include "lab/server/lab_server.h"
#include "protocol/powershell_command.h"
#include "protocol/wsman.h"
#include "tests/auth/realm_support.h"
#include "tests/lab/lab_support.h"
#include "tests/lab/sealing_client_support.h"

namespace sd::test {
namespace {

using Mech = TestInitiator::Mech;

const std::string kSoap = "application/soap+xml;charset=UTF-8";

// A lab in-process with the realm's keys (none without a realm); what it logs is kept.
struct HttpLab {
  explicit HttpLab(const TestRealm* realm, lab::LabOptions options = {}) {
    options.state_file = dir.path("state.db");
    options.directory_file = dir.write("directory.yaml", kAdminDirectory);
    options.cert_dir = dir.path("certs");
    if (realm) {
      options.auth.keytab = realm->path("http.keytab");
      options.auth.ntlm_users = realm->path("ntlm-users");
    }
    options.log = [this](const std::string& line) {
      std::lock_guard lock(mutex);
      log.push_back(line);
    };
    Result<std::unique_ptr<lab::LabServer>> started = lab::LabServer::start(options);
    if (!started.ok()) FAIL(started.errors().front().format());
    server = std::move(*started);
    REQUIRE(server->http_port() != 0);
    REQUIRE(server->http_port() != server->port());
  }
  std::vector<std::string> logged() {
    std::lock_guard lock(mutex);
    return log;
  }

  ScratchDir dir;
  std::mutex mutex;
  std::vector<std::string> log;
  std::unique_ptr<lab::LabServer> server;
};

wsman::Addressing addressing(std::string_view path = "/wsman") {
  wsman::Addressing a;
  a.to = "http://exch01.example.local" + std::string(path);
  return a;
}

std::string create_shell() {
  wsman::ShellSettings shell;
  shell.no_profile = true;
  shell.codepage = 65001;
  return wsman::create_request(addressing(), shell);
}

// Create, Command (Get-Mailbox), Receive until done, Delete: every message sealed both ways.
// Returns the command's stdout.
std::string run_get_mailbox(PlainConnection& connection, TestInitiator& initiator) {
  SealedAnswer created = post_sealed(connection, initiator, "/wsman", create_shell());
  REQUIRE(created.raw.status == 200);
  REQUIRE(created.sealed);
  Result<std::string> shell = wsman::parse_create_response(created.soap);
  REQUIRE(shell.ok());
  const std::string script =
      "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n"
      "Get-Mailbox | ForEach-Object { [string]$_.PrimarySmtpAddress }\n";
  wsman::CommandFlags flags;
  flags.skip_cmd_shell = true;
  SealedAnswer command = post_sealed(
      connection, initiator, "/wsman",
      wsman::command_request(
          addressing(), *shell, "powershell",
          {"-NoProfile", "-NonInteractive", "-EncodedCommand", encode_powershell_command(script)},
          flags));
  REQUIRE(command.sealed);
  Result<std::string> command_id = wsman::parse_command_response(command.soap);
  REQUIRE(command_id.ok());
  std::string out;
  for (int i = 0; i < 20; ++i) {
    SealedAnswer received = post_sealed(connection, initiator, "/wsman",
                                        wsman::receive_request(addressing(), *shell, *command_id));
    REQUIRE(received.sealed);
    Result<wsman::ReceiveOutput> output = wsman::parse_receive_response(received.soap, *command_id);
    REQUIRE(output.ok());
    out += output->stdout_bytes;
    if (output->done) {
      CHECK(output->exit_code == 0);
      break;
    }
  }
  SealedAnswer deleted =
      post_sealed(connection, initiator, "/wsman", wsman::delete_request(addressing(), *shell));
  CHECK(deleted.raw.status == 200);
  CHECK(deleted.sealed);
  return out;
}

}  // namespace

TEST_CASE("lab windows_auth: SPNEGO gives the inner mechanism, whose context seals both ways",
          "[lab][http][realm]") {
  TestRealm realm;
  lab::LabAuthOptions options;
  options.keytab = realm.path("http.keytab");
  options.ntlm_users = realm.path("ntlm-users");
  lab::WindowsAuth windows(options, "");
  for (Mech mech : {Mech::Kerberos, Mech::Ntlm, Mech::NegotiateNtlm}) {
    const bool kerberos = mech == Mech::Kerberos;
    INFO((kerberos ? "Kerberos" : mech == Mech::Ntlm ? "NTLM" : "Negotiate (NTLM)"));
    TestInitiator initiator(mech, kerberos ? "deploy-admin@EXAMPLE.LOCAL" : "EXAMPLE\\deploy-admin",
                            "admin-pw");
    lab::ConnectionLogin login;
    lab::LoginStep step;
    std::string server;
    for (int leg = 0; leg < 4; ++leg) {
      step = windows.step(login, initiator.authorization(server), false);
      if (step.outcome != lab::LoginStep::Outcome::Continue) break;
      server = step.token;
    }
    REQUIRE(step.outcome == lab::LoginStep::Outcome::Authenticated);
    initiator.finish(step.token);
    CHECK(login.mechanism() ==
          (kerberos ? lab::SealMechanism::Kerberos : lab::SealMechanism::Ntlm));
    // The lab seals, the client unseals with one gss_unwrap of header and data; and back.
    // Kerberos AES (RFC 4121): a 60-byte header (token header, confounder, encrypted header
    // copy, checksum), no padding; NTLM: a 16-byte signature. The data is the plain text's size.
    Result<wsman::SealedPart> sealed = login.seal("hello, client");
    REQUIRE(sealed.ok());
    CHECK(sealed->header.size() == (kerberos ? 60u : 16u));
    CHECK(sealed->data.size() == 13);
    Result<std::string> opened = initiator.unseal(*sealed);
    REQUIRE(opened.ok());
    CHECK(*opened == "hello, client");
    Result<std::string> received = login.unseal(initiator.seal("hello, lab"));
    REQUIRE(received.ok());
    CHECK(*received == "hello, lab");
    // A replayed message is refused, in GSS-API's words.
    const wsman::SealedPart once = initiator.seal("once");
    REQUIRE(login.unseal(once).ok());
    Result<std::string> replayed = login.unseal(once);
    REQUIRE_FALSE(replayed.ok());
    CHECK_THAT(replayed.errors().front().message, Catch::StartsWith("cannot unseal: "));
    wsman::SealedPart lying = initiator.seal("four");
    lying.plain_length = 5;
    CHECK_FALSE(login.unseal(lying).ok());
  }
}

TEST_CASE("lab over http: EWS is refused with 403.4, Basic is neither offered nor taken",
          "[lab][http]") {
  lab::LabOptions options;
  options.auth.basic = true;
  HttpLab lab(nullptr, options);
  PlainConnection connection(lab.server->http_port());
  const std::string basic = "Basic " + base64_encode("deploy-admin@example.local:admin-pw");
  RawAnswer ews = connection.post("/EWS/Exchange.asmx", "<x/>",
                                  {{"Authorization", basic}, {"Content-Type", "text/xml"}});
  CHECK(ews.status == 403);
  CHECK(ews.body == "403.4 SSL required: EWS is served over https only.\n");
  for (const char* path : {"/wsman", "/PowerShell/"}) {
    INFO(path);
    RawAnswer refused =
        connection.post(path, "<x/>", {{"Authorization", basic}, {"Content-Type", kSoap}});
    CHECK(refused.status == 401);
    CHECK(refused.all("WWW-Authenticate") == std::vector<std::string>{"Negotiate", "NTLM"});
  }
  CHECK(connection.post("/owa", "", {}).status == 404);
}

TEST_CASE("lab over http: Kerberos logs in with an empty POST, then only sealed messages go",
          "[lab][http][realm]") {
  TestRealm realm;
  lab::LabOptions options;
  // Extended Protection is about TLS: over plain HTTP a login without bindings is taken.
  options.auth.extended_protection = lab::ExtendedProtection::Require;
  HttpLab lab(&realm, options);
  PlainConnection connection(lab.server->http_port());
  TestInitiator kerberos(Mech::Kerberos, "deploy-admin@EXAMPLE.LOCAL", "admin-pw");
  RawAnswer logged_in = log_in(connection, kerberos, "/wsman");
  CHECK(logged_in.status == 200);
  CHECK(logged_in.body.empty());
  CHECK(logged_in.header("Persistent-Auth") == "true");
  CHECK_FALSE(logged_in.token("Negotiate").empty());  // mutual authentication's answer
  // Logged in, an empty POST is still 200; a message that is not sealed is a 401.
  CHECK(connection.post("/wsman", "", {{"Content-Type", kSoap}}).status == 200);
  RawAnswer plain = connection.post("/wsman", create_shell(), {{"Content-Type", kSoap}});
  CHECK(plain.status == 401);
  CHECK(plain.all("WWW-Authenticate") == std::vector<std::string>{"Negotiate", "NTLM"});
  // The connection stays logged in: sealed messages run PowerShell.
  const std::string out = run_get_mailbox(connection, kerberos);
  CHECK_THAT(out, Catch::Contains("jsmith@example.com") && Catch::Contains("mlee@example.com"));
  // A fault (500) is sealed too; management bytes are counted as they travel, sealed.
  const lab::LabStats before = lab.server->stats();
  SealedAnswer fault =
      post_sealed(connection, kerberos, "/wsman",
                  wsman::receive_request(addressing(), "no-such-shell", "no-such-command"));
  CHECK(fault.raw.status == 500);
  REQUIRE(fault.sealed);
  CHECK_THAT(fault.soap, Catch::Contains("2150858843"));
  const lab::LabStats after = lab.server->stats();
  CHECK(after.management_requests == before.management_requests + 1);
  CHECK(after.management_bytes_in == before.management_bytes_in + fault.sent_bytes);
  CHECK(after.management_bytes_out == before.management_bytes_out + fault.raw.body.size());
}

TEST_CASE("lab over http: NTLM, bare and through SPNEGO, seals WinRS and remote PowerShell",
          "[lab][http][realm]") {
  TestRealm realm;
  HttpLab lab(&realm);
  for (Mech mech : {Mech::Ntlm, Mech::NegotiateNtlm}) {
    INFO((mech == Mech::Ntlm ? "NTLM" : "Negotiate (NTLM)"));
    PlainConnection connection(lab.server->http_port());
    TestInitiator ntlm(mech, "EXAMPLE\\deploy-admin", "admin-pw");
    RawAnswer logged_in = log_in(connection, ntlm, "/wsman");
    CHECK(logged_in.status == 200);
    CHECK(logged_in.body.empty());
    CHECK_THAT(run_get_mailbox(connection, ntlm), Catch::Contains("jsmith@example.com"));
    // /PowerShell seals what it says: here a fault, a WinRS shell not being PowerShell's.
    SealedAnswer psrp = post_sealed(connection, ntlm, "/PowerShell/", create_shell());
    CHECK(psrp.raw.status == 500);
    CHECK(psrp.sealed);
    CHECK_THAT(psrp.soap, Catch::Contains("s:Fault"));
  }
}

TEST_CASE("lab over http: a sealed message that does not unseal is a 400 and ends the login",
          "[lab][http][realm]") {
  TestRealm realm;
  HttpLab lab(&realm);
  for (Mech mech : {Mech::Kerberos, Mech::Ntlm}) {
    const bool kerberos = mech == Mech::Kerberos;
    INFO((kerberos ? "Kerberos" : "NTLM"));
    PlainConnection connection(lab.server->http_port());
    TestInitiator initiator(mech, kerberos ? "deploy-admin@EXAMPLE.LOCAL" : "EXAMPLE\\deploy-admin",
                            "admin-pw");
    REQUIRE(log_in(connection, initiator, "/wsman").status == 200);
    wsman::SealedPart part = initiator.seal(create_shell());
    part.data[part.data.size() / 2] ^= 0x01;
    RawAnswer broken = connection.post("/wsman", wsman::encrypted_body({part}),
                                       {{"Content-Type", wsman::encrypted_content_type(1)}});
    CHECK(broken.status == 400);
    CHECK_THAT(broken.body, Catch::StartsWith("400 Bad Request: the encrypted message cannot be "
                                              "read: cannot unseal: ") &&
                                Catch::Contains("Message Integrity Check"));
    // The login is gone: a well sealed message now needs a new handshake.
    RawAnswer after = connection.post("/wsman", wsman::encrypted_body({initiator.seal("<x/>")}),
                                      {{"Content-Type", wsman::encrypted_content_type(1)}});
    CHECK(after.status == 401);
    // Framing that does not parse: 400 with what is wrong.
    TestInitiator again(mech, kerberos ? "deploy-admin@EXAMPLE.LOCAL" : "EXAMPLE\\deploy-admin",
                        "admin-pw");
    REQUIRE(log_in(connection, again, "/wsman").status == 200);
    RawAnswer garbled = connection.post("/wsman", "--Encrypted Boundary\r\nnothing",
                                        {{"Content-Type", wsman::encrypted_content_type(1)}});
    CHECK(garbled.status == 400);
    CHECK_THAT(garbled.body, Catch::Contains("OriginalContent"));
    // After a new login the connection works again.
    TestInitiator third(mech, kerberos ? "deploy-admin@EXAMPLE.LOCAL" : "EXAMPLE\\deploy-admin",
                        "admin-pw");
    REQUIRE(log_in(connection, third, "/wsman").status == 200);
    CHECK(post_sealed(connection, third, "/wsman", create_shell()).raw.status == 200);
  }
  const std::vector<std::string> logged = lab.logged();
  REQUIRE(logged.size() == 4);
  CHECK_THAT(logged[0],
             Catch::StartsWith("lab: /wsman: refused a sealed message: cannot unseal: "));
}

TEST_CASE("lab over http: --corrupt-seal-rate 1 spoils every sealed answer", "[lab][http][realm]") {
  TestRealm realm;
  lab::LabOptions options;
  options.faults.corrupt_seal_rate = 1;
  HttpLab lab(&realm, options);
  PlainConnection connection(lab.server->http_port());
  TestInitiator kerberos(Mech::Kerberos, "deploy-admin@EXAMPLE.LOCAL", "admin-pw");
  REQUIRE(log_in(connection, kerberos, "/wsman").status == 200);
  SealedAnswer created = post_sealed(connection, kerberos, "/wsman", create_shell());
  CHECK(created.raw.status == 200);
  CHECK(created.sealed);
  CHECK_THAT(created.unseal_error, Catch::Contains("Message Integrity Check"));
  CHECK(lab.server->stats().faults == 1);
}

}  // namespace sd::test
