// The real WinRS client (open_winrs, WinrsSession) against the lab's WinrsHost served over TLS,
// with a fake command runner.
#include "lab/server/winrs_host.h"

#include <catch2/catch.hpp>
#include <mutex>

#include "../runtime/http/tls_test_server_support.h"
#include "base/base64.h"
#include "protocol/powershell_command.h"
#include "protocol/wsman.h"
#include "runtime/exchange/winrs_session.h"
#include "runtime/http/http_auth.h"

using namespace sd;
using sd::test::TestAnswer;
using sd::test::TlsTestServer;

namespace {

const std::string kLabWinrmPrefix = "WinRM https://exch01.example.local:5986/wsman: ";

struct RunnerCall {
  std::string user, command;
  std::vector<std::string> arguments;
  std::string stdin_data;
};

// The host behind a TLS server; Basic credentials checked (password "secret"), every reply's
// size and every request's Action recorded.
class HostFixture {
 public:
  explicit HostFixture(lab::ShellCommandResult result = {"ok\r\n", "", 0}) : result_(result) {
    host_ = lab::WinrsHost::create([this](const std::string& user, const std::string& command,
                                          const std::vector<std::string>& arguments,
                                          const std::string& stdin_data) {
      std::lock_guard lock(mutex_);
      calls_.push_back({user, command, arguments, stdin_data});
      return result_;
    });
    server_.script([this](unsigned, const test::ReceivedRequest& request) {
      TestAnswer answer;
      std::string credentials;
      const std::string header = request.header("Authorization");
      if (header.rfind("Basic ", 0) != 0 || !base64_decode(header.substr(6), credentials) ||
          credentials.substr(credentials.find(':') + 1) != "secret") {
        answer.status = 401;
        answer.body = "";
        return answer;
      }
      const lab::WinrsReply reply =
          host_->handle(credentials.substr(0, credentials.find(':')), request.body);
      std::lock_guard lock(mutex_);
      const size_t at = request.body.find("<wsa:Action");
      const size_t start = request.body.find('>', at) + 1;
      actions_.push_back(request.body.substr(start, request.body.find('<', start) - start));
      largest_reply_ = std::max(largest_reply_, reply.body.size());
      answer.status = reply.status;
      answer.headers = {{"Content-Type", reply.content_type}};
      answer.body = reply.body;
      return answer;
    });
  }

  WinrsOptions options(const std::string& password = "secret") const {
    WinrsOptions options;
    options.url = "https://exch01.example.local:5986/wsman";
    options.user = "EXAMPLE\\deploy-admin";
    options.password = password;
    options.ca_file = server_.certificates().ca_file;
    options.connect_to = {{"exch01.example.local", 5986, "127.0.0.1", server_.port()}};
    options.connect_timeout = std::chrono::milliseconds(5000);
    return options;
  }

  std::vector<RunnerCall> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  // The last path segment of each Action, in order ("Create", "Command", ...).
  std::vector<std::string> actions() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const std::string& action : actions_)
      names.push_back(action.substr(action.rfind('/') + 1));
    return names;
  }
  size_t count(const std::string& action) const {
    const auto names = actions();
    return static_cast<size_t>(std::count(names.begin(), names.end(), action));
  }
  size_t largest_reply() const {
    std::lock_guard lock(mutex_);
    return largest_reply_;
  }

 private:
  lab::ShellCommandResult result_;
  mutable std::mutex mutex_;
  std::vector<RunnerCall> calls_;
  std::vector<std::string> actions_;
  size_t largest_reply_ = 0;
  std::unique_ptr<lab::WinrsHost> host_;
  TlsTestServer server_;  // last: stopped first, before what its handler uses
};

std::unique_ptr<RemoteShell> shell_for(const HostFixture& fixture) {
  Result<std::unique_ptr<RemoteShell>> shell = open_winrs(fixture.options());
  REQUIRE(shell.ok());
  return std::move(shell).value();
}

CommandOutput ran(Result<CommandOutput> output) {
  if (!output.ok()) FAIL(output.errors().front().message);
  return output.value();
}

}  // namespace

TEST_CASE("winrs host: a script round-trips as an EncodedCommand, the shell is reused and deleted",
          "[winrs-host]") {
  HostFixture fixture({"Name : j.smith\r\n", "", 0});
  const std::string script = "Get-Mailbox -Identity 'j.smith@example.local' # caf\xC3\xA9";
  {
    auto shell = shell_for(fixture);
    const CommandOutput output = ran(shell->run_powershell(script));
    CHECK(output.stdout_text == "Name : j.smith\r\n");
    CHECK(output.stderr_text.empty());
    CHECK(output.exit_code == 0);
    (void)ran(shell->run_powershell("Get-Date"));
  }
  const std::vector<RunnerCall> calls = fixture.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].user == "EXAMPLE\\deploy-admin");
  CHECK(calls[0].command == "powershell");
  REQUIRE(calls[0].arguments.size() == 4);
  CHECK(calls[0].arguments[0] == "-NoProfile");
  CHECK(calls[0].arguments[1] == "-NonInteractive");
  CHECK(calls[0].arguments[2] == "-EncodedCommand");
  CHECK(decode_powershell_command(calls[0].arguments[3]).value() == script);
  CHECK(calls[0].stdin_data.empty());
  CHECK(fixture.actions() == std::vector<std::string>{"Create", "Command", "Receive", "Signal",
                                                      "Command", "Receive", "Signal", "Delete"});
}

TEST_CASE("winrs host: a long script goes through stdin, in several Sends when large",
          "[winrs-host]") {
  HostFixture fixture;
  auto shell = shell_for(fixture);
  std::string script;
  while (script.size() < 3100) script += "Write-Output 'line';\n";  // ~8,300 characters encoded
  REQUIRE(std::string("powershell -NoProfile -NonInteractive -EncodedCommand ").size() +
              encode_powershell_command(script).size() >
          8000);
  CHECK(ran(shell->run_powershell(script)).stdout_text == "ok\r\n");
  std::string large;
  while (large.size() < 300'000) large += "Set-Mailbox -Identity 'user' -Type Regular\r\n";
  CHECK(ran(shell->run_powershell(large)).exit_code == 0);
  const std::vector<RunnerCall> calls = fixture.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].arguments ==
        std::vector<std::string>{"-NoProfile", "-NonInteractive", "-Command", "-"});
  CHECK(calls[0].stdin_data == script);
  CHECK(calls[1].stdin_data == large);
  CHECK(fixture.count("Send") == 1 + 3);  // 300,000 bytes in Sends of ~112 KB
}

TEST_CASE("winrs host: large output comes over several Receives, none above MaxEnvelopeSize",
          "[winrs-host]") {
  std::string big;
  for (int i = 0; big.size() < 500'000; ++i) big += "row " + std::to_string(i) + "\r\n";
  HostFixture fixture({big, "warning text", 0});
  auto shell = shell_for(fixture);
  const CommandOutput output = ran(shell->run_powershell("Get-Rows"));
  CHECK(output.stdout_text == big);
  CHECK(output.stderr_text == "warning text");
  CHECK(fixture.count("Receive") >= 5);
  CHECK(fixture.largest_reply() <= wsman::kDefaultMaxEnvelopeSize);
  CHECK(fixture.largest_reply() > wsman::kDefaultMaxEnvelopeSize - 1000);
}

TEST_CASE("winrs host: a non-zero exit code is a result, CLIXML stderr is decoded",
          "[winrs-host]") {
  HostFixture fixture(
      {"",
       "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
       "xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">Set-Mailbox : "
       "Couldn't find object \"x\"._x000D__x000A_</S></Objs>",
       3});
  auto shell = shell_for(fixture);
  const CommandOutput output = ran(shell->run_powershell("Set-Mailbox x"));
  CHECK(output.exit_code == 3);
  CHECK(output.stderr_text == "Set-Mailbox : Couldn't find object \"x\".\n");
}

TEST_CASE("winrs host: unknown shells and commands get the faults Windows gives", "[winrs-host]") {
  HostFixture fixture;
  auto session = WinrsSession::open(fixture.options());
  REQUIRE(session.ok());
  WinrsSession& winrs = **session;
  Result<std::string> command =
      winrs.run_command("0F0F0F0F-0000-4000-8000-000000000000", "powershell", {}, {});
  REQUIRE_FALSE(command.ok());
  CHECK(command.errors().front().message ==
        kLabWinrmPrefix +
            "The request for the Windows Remote Shell with ShellId "
            "0F0F0F0F-0000-4000-8000-000000000000 failed because the shell was not found on the "
            "server. Possible causes are: the specified ShellId is incorrect or the shell no "
            "longer exists on the server. Provide the correct ShellId or create a new shell and "
            "retry the operation. (WSManFault 2150858843)");
  const std::string shell_id = winrs.create_shell({}).value();
  CHECK(shell_id.size() == 36);
  CHECK(shell_id.find_first_of("abcdef") == std::string::npos);  // upper case, as Windows
  Result<wsman::ReceiveOutput> unknown = winrs.receive(shell_id, "NOT-A-COMMAND");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.errors().front().message ==
        kLabWinrmPrefix +
            "The Windows Remote Shell received a request to perform an operation on a command "
            "identifier that does not exist. Either the command has completed execution or the "
            "client specified an invalid command identifier. (WSManFault 2150858843)");
  Result<wsman::ReceiveOutput> no_command = winrs.receive(shell_id, "");
  REQUIRE_FALSE(no_command.ok());
  CHECK(no_command.errors().front().message ==
        kLabWinrmPrefix + "The parameter is incorrect. (WSManFault 87)");
  REQUIRE(winrs.delete_shell(shell_id).ok());
  Status again = winrs.delete_shell(shell_id);
  REQUIRE_FALSE(again.ok());
  CHECK(again.errors().front().message.find("failed because the shell was not found") !=
        std::string::npos);
}

TEST_CASE("winrs host: a command that outlives command_timeout is terminated", "[winrs-host]") {
  HostFixture fixture;
  WinrsOptions options = fixture.options();
  options.command_timeout = std::chrono::milliseconds(300);
  auto session = WinrsSession::open(options);
  REQUIRE(session.ok());
  WinrsSession& winrs = **session;
  const std::string shell_id = winrs.create_shell({}).value();
  const std::string command_id = winrs.run_command(shell_id, "powershell", {"-"}, {}).value();
  REQUIRE(
      winrs.send_input(shell_id, command_id, "Start-Sleep 999", false).ok());  // stdin stays open
  Result<CommandOutput> output = winrs.receive_until_done(shell_id, command_id);
  REQUIRE_FALSE(output.ok());
  CHECK(output.errors().front().message ==
        kLabWinrmPrefix + "the command did not finish within 300 ms; it was terminated");
  CHECK(winrs.operation_timeouts() >= 1);
  CHECK(fixture.actions().back() == "Signal");
  CHECK(fixture.calls().empty());
}

TEST_CASE("winrs host: refused credentials and bad options name the endpoint", "[winrs-host]") {
  HostFixture fixture;
  Result<std::unique_ptr<RemoteShell>> shell = open_winrs(fixture.options("wrong"));
  REQUIRE(shell.ok());
  Result<CommandOutput> output = (*shell)->run_powershell("Get-Date");
  REQUIRE_FALSE(output.ok());
  CHECK(output.errors().front().message ==
        kLabWinrmPrefix + "the credentials for EXAMPLE\\deploy-admin were refused (HTTP 401)");

  WinrsOptions plain = fixture.options();
  plain.url = "http://exch01.example.local:5985/wsman";
  CHECK(open_winrs(plain).errors().front().message ==
        "WinRM http://exch01.example.local:5985/wsman: auth basic needs https: over http only "
        "Kerberos, NTLM and Negotiate, whose message encryption seals every body, are used");
  WinrsOptions no_user = fixture.options();
  no_user.user.clear();
  CHECK(open_winrs(no_user).errors().front().message ==
        kLabWinrmPrefix + "Basic authentication needs a user");
  WinrsOptions missing_ca = fixture.options();
  missing_ca.ca_file = "/nonexistent/ca.pem";
  CHECK(open_winrs(missing_ca)
            .errors()
            .front()
            .message.rfind(kLabWinrmPrefix + "cannot read CA file /nonexistent/ca.pem", 0) == 0);
}

TEST_CASE("winrs: certificate authentication sends WinRM's mutual profile header", "[winrs-host]") {
  CHECK(wsman_certificate_credentials()->every_request() ==
        "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual");
}
