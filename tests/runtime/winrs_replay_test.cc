// The WinRS client against real recorded traffic (tests/data/winrs-captures): for every
// recording, the same operations in the same order, each request checked against the recorded
// one, and the decoded output, exit codes and faults asserted exactly.
#include <catch2/catch.hpp>

#include "runtime/exchange/winrs_session.h"
#include "winrs_replay_support.h"

using namespace sd;
using sd::test::WinrsReplayServer;

namespace {

const std::string kReplayWinrmPrefix = "WinRM https://exch01.example.local:5986/wsman: ";
const std::string kCtrlC(wsman::kSignalCtrlC);

std::unique_ptr<WinrsSession> session_for(const WinrsReplayServer& server) {
  Result<std::unique_ptr<WinrsSession>> session = WinrsSession::open(server.options());
  REQUIRE(session.ok());
  return std::move(session).value();
}

std::string opened(Result<std::string> id) {
  if (!id.ok()) FAIL(id.errors().front().message);
  return id.value();
}

void require_ok(const Status& status) {
  if (!status.ok()) FAIL(status.errors().front().message);
}

CommandOutput finished(Result<CommandOutput> output) {
  if (!output.ok()) FAIL(output.errors().front().message);
  return output.value();
}

// Every recorded request was sent, in order, and each matched its recording.
void require_replayed(const WinrsReplayServer& server) {
  for (const std::string& mismatch : server.mismatches()) UNSCOPED_INFO(mismatch);
  CHECK(server.mismatches().empty());
  CHECK(server.requests() == server.recording().size());
}

// The cmd.exe run most recordings make: Create, Command, Receive, Signal ctrl_c, Delete.
CommandOutput run_recorded(const WinrsReplayServer& server, const wsman::ShellSettings& shell,
                           const std::string& command, const std::vector<std::string>& arguments) {
  auto session = session_for(server);
  const std::string shell_id = opened(session->create_shell(shell));
  const std::string command_id = opened(session->run_command(shell_id, command, arguments, {}));
  CommandOutput output = finished(session->receive_until_done(shell_id, command_id));
  require_ok(session->signal(shell_id, command_id, kCtrlC));
  require_ok(session->delete_shell(shell_id));
  return output;
}

}  // namespace

TEST_CASE("replay standard: cmd.exe /c echo hi, the whole cycle", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_standard.yml");
  const CommandOutput output = run_recorded(server, {}, "cmd.exe", {"/c", "echo", "hi"});
  CHECK(output.stdout_text == "hi\r\n");
  CHECK(output.stderr_text.empty());
  CHECK(output.exit_code == 0);
  require_replayed(server);
}

TEST_CASE("replay stderr_rc: both streams and exit code 1", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_stderr_rc.yml");
  const CommandOutput output =
      run_recorded(server, {}, "cmd.exe", {"/c echo out && echo err>&2 && exit 1"});
  CHECK(output.stdout_text == "out \r\n");
  CHECK(output.stderr_text == "err \r\n");
  CHECK(output.exit_code == 1);
  require_replayed(server);
}

TEST_CASE("replay unicode: WINRS_CODEPAGE 65001 and UTF-8 output", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_unicode.yml");
  wsman::ShellSettings shell;
  shell.codepage = 65001;
  const CommandOutput output =
      run_recorded(server, shell, "powershell.exe", {"Write-Host \u3053\u3093\u306b\u3061\u306f"});
  CHECK(output.stdout_text == "\u3053\u3093\u306b\u3061\u306f\n");
  CHECK(output.stdout_text == "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF\n");
  CHECK(output.exit_code == 0);
  require_replayed(server);
}

TEST_CASE("replay operation_timeout: two timed-out Receives are retried", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_operation_timeout.yml");
  REQUIRE(server.options().operation_timeout == std::chrono::seconds(10));
  auto session = session_for(server);
  const std::string shell_id = opened(session->create_shell({}));
  const std::string command_id = opened(session->run_command(
      shell_id, "powershell.exe", {"Write-Host hi; Start-Sleep 30; Write-Host hi again"}, {}));
  const CommandOutput output = finished(session->receive_until_done(shell_id, command_id));
  CHECK(output.stdout_text == "hi\nhi again\n");
  CHECK(output.exit_code == 0);
  CHECK(session->operation_timeouts() == 2);
  require_ok(session->signal(shell_id, command_id, kCtrlC));
  require_ok(session->delete_shell(shell_id));
  require_replayed(server);
}

TEST_CASE("replay send: a script through stdin in two Sends", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_send.yml");
  auto session = session_for(server);
  const std::string shell_id = opened(session->create_shell({}));
  const std::string command_id =
      opened(session->run_command(shell_id, "powershell.exe", {"-"}, {}));
  require_ok(session->send_input(shell_id, command_id, "Write-Host \"output 1\";", false));
  require_ok(session->send_input(shell_id, command_id, "Write-Host \"output 2\";", true));
  const CommandOutput output = finished(session->receive_until_done(shell_id, command_id));
  CHECK(output.stdout_text == "output 1\noutput 2\n");
  CHECK(output.exit_code == 0);
  require_ok(session->signal(shell_id, command_id, kCtrlC));
  require_ok(session->delete_shell(shell_id));
  require_replayed(server);
}

TEST_CASE("replay no_cmd_shell: WINRS_SKIP_CMD_SHELL, a failed Command, then the full path",
          "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_no_cmd_shell.yml");
  auto session = session_for(server);
  const std::string shell_id = opened(session->create_shell({}));
  wsman::CommandFlags flags;
  flags.skip_cmd_shell = true;
  Result<std::string> failed =
      session->run_command(shell_id, "powershell.exe", {"Write-Host", "hi"}, flags);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.errors().front().message ==
        kReplayWinrmPrefix + "The system cannot find the file specified. (WSManFault 2147942402)");
  const std::string command_id = opened(session->run_command(
      shell_id, "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\powershell.exe",
      {"Write-Host", "hi"}, flags));
  const CommandOutput output = finished(session->receive_until_done(shell_id, command_id));
  CHECK(output.stdout_text == "hi\n");
  CHECK(output.exit_code == 0);
  require_ok(session->signal(shell_id, command_id, kCtrlC));
  require_ok(session->delete_shell(shell_id));
  require_replayed(server);
}

TEST_CASE("replay bad_cmd_id: Receive for an unknown command id is a fault", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_bad_cmd_id.yml");
  auto session = session_for(server);
  const std::string shell_id = opened(session->create_shell({}));
  const std::string command_id =
      opened(session->run_command(shell_id, "cmd.exe", {"/c", "echo", "hi"}, {}));
  CHECK(command_id == "644983A8-4292-4922-97E9-D569C2170784");
  Result<CommandOutput> output =
      session->receive_until_done(shell_id, "87E77BEB-6761-4C48-9D70-A00266B8459A");
  REQUIRE_FALSE(output.ok());
  CHECK(output.errors().front().message ==
        kReplayWinrmPrefix +
            "The Windows Remote Shell received a request to perform an operation on a command "
            "identifier that does not exist. Either the command has completed execution or the "
            "client specified an invalid command identifier. (WSManFault 2150858843)");
  require_ok(session->signal(shell_id, command_id, kCtrlC));
  require_ok(session->delete_shell(shell_id));
  require_replayed(server);
}

TEST_CASE("replay fail_poll_process: Receive without a command is refused", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_fail_poll_process.yml");
  auto session = session_for(server);
  const std::string shell_id = opened(session->create_shell({}));
  CHECK(shell_id == "8ABEA8D2-0438-4D75-A594-55DCA786B4E1");
  Result<wsman::ReceiveOutput> received = session->receive(shell_id, "");
  REQUIRE_FALSE(received.ok());
  CHECK(received.errors().front().message ==
        kReplayWinrmPrefix + "The parameter is incorrect. (WSManFault 87)");
  require_ok(session->delete_shell(shell_id));
  require_replayed(server);
}

TEST_CASE("replay open_already_opened: one Create, one Delete", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_open_already_opened.yml");
  auto session = session_for(server);
  CHECK(opened(session->create_shell({})) == "ED7FD87E-E041-4BC2-A22F-B58FF7833094");
  require_ok(session->delete_shell("ED7FD87E-E041-4BC2-A22F-B58FF7833094"));
  require_replayed(server);
}

TEST_CASE("replay environment: variables in the Create body", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_environment.yml");
  wsman::ShellSettings shell;
  const std::string odd = "_-(){}[]<>*+-/\\?\"!@#$^&|;:i,.`~0";
  shell.environment = {{"env1", "var1"}, {"1234", "5678"}, {odd, odd}};
  const CommandOutput output = run_recorded(server, shell, "cmd.exe", {"/c", "set"});
  CHECK(output.stdout_text == test::recorded_stream(server.recording()[2].response, "stdout"));
  CHECK(output.stdout_text.rfind("1234=5678\r\nPROMPT=$P$G\r\n" + odd + "=" + odd + "\r\n", 0) ==
        0);
  CHECK(output.stdout_text.find("env1=var1\r\n") != std::string::npos);
  CHECK(output.exit_code == 0);
  require_replayed(server);
}

TEST_CASE("replay noprofile: WINRS_NOPROFILE with MustComply", "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_noprofile.yml");
  wsman::ShellSettings shell;
  shell.no_profile = true;
  const CommandOutput output = run_recorded(server, shell, "cmd.exe", {"/c", "set"});
  CHECK(output.stdout_text == test::recorded_stream(server.recording()[2].response, "stdout"));
  CHECK(output.stdout_text.rfind("ALLUSERSPROFILE=C:\\ProgramData\r\n", 0) == 0);
  CHECK(output.exit_code == 0);
  require_replayed(server);
}

TEST_CASE("replay extra_opts: idle timeout, lifetime, name and working directory",
          "[winrs-replay]") {
  WinrsReplayServer server("test_winrs_extra_opts.yml");
  wsman::ShellSettings shell;
  shell.idle_timeout = std::chrono::seconds(60);
  shell.lifetime = std::chrono::seconds(60);
  shell.name = "shell 1";
  shell.working_directory = "C:\\Windows";
  const CommandOutput output = run_recorded(server, shell, "powershell.exe", {"(pwd).Path"});
  CHECK(output.stdout_text == "C:\\Windows\r\n");
  CHECK(output.exit_code == 0);
  require_replayed(server);
}

TEST_CASE("replay: a request that differs from the recording is caught", "[winrs-replay]") {
  // The comparison itself must be able to fail: a different argument is reported.
  WinrsReplayServer server("test_winrs_standard.yml");
  auto session = session_for(server);
  const std::string shell_id = opened(session->create_shell({}));
  (void)session->run_command(shell_id, "cmd.exe", {"/c", "echo", "HI"}, {});
  REQUIRE(server.mismatches().size() == 1);
  CHECK(server.mismatches()[0].find("request 1 differs from the recording") == 0);
  CHECK(server.mismatches()[0].find("text=\"HI\"") != std::string::npos);
  // Options are compared too: the recording's Create has none.
  WinrsReplayServer other("test_winrs_standard.yml");
  auto second = session_for(other);
  wsman::ShellSettings shell;
  shell.codepage = 65001;
  (void)second->create_shell(shell);
  REQUIRE(other.mismatches().size() == 1);
  CHECK(other.mismatches()[0].find("option WINRS_CODEPAGE=65001") != std::string::npos);
}
