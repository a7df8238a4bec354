// The PSRP client against real recorded traffic (tests/data/psrp-captures, from pypsrp): for each
// of the 12 recordings, the same operations in the same order, each request checked against the
// recorded one down to the CLIXML of every message (psrp_replay_support.h), and the outputs,
// records, states and faults the recording holds asserted exactly.
#include <catch2/catch.hpp>
#include <deque>
#include <pugixml.hpp>

#include "protocol/psrp/pool_messages.h"
#include "psrp_replay_support.h"
#include "runtime/exchange/runspace_pool.h"
#include "runtime/exchange/winrs_session.h"

using namespace sd;
using sd::psrp::Command;
using sd::psrp::PowerShell;
using sd::test::WinrsReplayServer;

namespace {

constexpr std::string_view kReplayPowerShell =
    "http://schemas.microsoft.com/powershell/Microsoft.PowerShell";
const std::string kReplayPsrpPrefix = "PowerShell https://exch01.example.local:5986/wsman: ";

RunspacePoolOptions psrp_options_for(const WinrsReplayServer& server,
                                     std::string_view resource = kReplayPowerShell) {
  RunspacePoolOptions options;
  options.transport = server.options();
  options.transport.resource_uri = std::string(resource);
  auto ids = std::make_shared<std::deque<std::string>>();
  for (std::string& id : test::recorded_psrp_ids(server.recording())) ids->push_back(id);
  options.new_id = [ids] {
    REQUIRE_FALSE(ids->empty());
    std::string id = ids->front();
    ids->pop_front();
    return id;
  };
  options.key_pair = [] { return psrp::KeyPair::from_pem(test::recorded_psrp_client_key()); };
  return options;
}

std::unique_ptr<RunspacePool> opened_pool(RunspacePoolOptions options) {
  Result<std::unique_ptr<RunspacePool>> pool = RunspacePool::open(std::move(options));
  if (!pool) FAIL(pool.errors().front().message);
  return std::move(pool).value();
}

PipelineResult ran(Result<PipelineResult> result) {
  if (!result) FAIL(result.errors().front().message);
  return std::move(result).value();
}

void require_psrp_replayed(const WinrsReplayServer& server) {
  for (const std::string& mismatch : server.mismatches()) UNSCOPED_INFO(mismatch);
  CHECK(server.mismatches().empty());
  CHECK(server.requests() == server.recording().size());
}

PowerShell one_script(std::string text) {
  PowerShell powershell;
  powershell.statements = {{Command::script(std::move(text))}};
  return powershell;
}

psrp::Value object_array(std::vector<psrp::Value> items) {
  return psrp::Value::list(std::move(items), {"System.Object[]", "System.Array", "System.Object"});
}

// pypsrp's scripts, as its tests wrote them (indentation included).
const std::string kStreamsScript =
    "$DebugPreference = 'Continue'\n            $VerbosePreference = 'Continue'\n"
    "            Write-Debug 'debug stream'\n            Write-Verbose 'verbose stream'\n"
    "            Write-Error 'error stream'\n            Write-Output 'output stream'\n"
    "            Write-Warning 'warning stream'\n"
    "            Write-Information 'information stream'\n            ";

void require_every_stream(const PipelineResult& result) {
  CHECK(result.completed());
  REQUIRE(result.output.size() == 1);
  CHECK(result.output[0] == psrp::Value::string("output stream"));
  CHECK(result.debug == std::vector<std::string>{"debug stream"});
  CHECK(result.verbose == std::vector<std::string>{"verbose stream"});
  CHECK(result.warnings == std::vector<std::string>{"warning stream"});
  CHECK(result.information == std::vector<std::string>{"information stream"});
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].message == "error stream");
  CHECK_FALSE(result.failure);
}

}  // namespace

TEST_CASE("psrp replay open_runspace: the pool opens, states its protocol, and closes",
          "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_open_runspace.yml", test::psrp_replay());
  auto pool = opened_pool(psrp_options_for(server));
  CHECK(pool->protocol_version() == "2.3");
  const psrp::Value& data = pool->application_private_data();
  const psrp::Value* private_data = data.property("ApplicationPrivateData");
  REQUIRE(private_data);
  REQUIRE(private_data->entries.size() == 1);
  CHECK(private_data->entries[0].key.display() == "PSVersionTable");
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE("psrp replay error_failed: output before the failure, then the error that stopped it",
          "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_error_failed.yml", test::psrp_replay());
  auto pool = opened_pool(psrp_options_for(server));
  const PipelineResult result =
      ran(pool->run(one_script("$ErrorActionPreference = 'Stop'; Write-Output before; Write-Error "
                               "error; Write-Output after")));
  CHECK(result.state == static_cast<int32_t>(psrp::PipelineState::Failed));
  CHECK(result.output == std::vector<psrp::Value>{psrp::Value::string("before")});
  REQUIRE(result.failure);
  CHECK(result.failure->message == "error");
  CHECK(result.failure->error_id == "Microsoft.PowerShell.Commands.WriteErrorException");
  CHECK(result.failure->category == "NotSpecified: (:) [Write-Error], WriteErrorException");
  CHECK(result.errors.empty());
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE("psrp replay stream_output_invocation: one record on each stream", "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_stream_output_invocation.yml", test::psrp_replay());
  auto pool = opened_pool(psrp_options_for(server));
  require_every_stream(ran(pool->run(one_script(kStreamsScript))));
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE("psrp replay stream_no_output_invocation: the same without invocation info",
          "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_stream_no_output_invocation.yml", test::psrp_replay());
  auto pool = opened_pool(psrp_options_for(server));
  PowerShell powershell = one_script(kStreamsScript);
  powershell.add_invocation_info = false;
  require_every_stream(ran(pool->run(powershell)));
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE("psrp replay multiple_commands: a SecureString both ways, Unicode, ten statements",
          "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_multiple_commands.yml", test::psrp_replay());
  auto pool = opened_pool(psrp_options_for(server));
  Result<psrp::Value> secret = pool->secure_string("Hello World");
  if (!secret) FAIL(secret.errors().front().message);
  // "actual_x000A_string" is text, not an escape; U+10437 is a surrogate pair in UTF-16.
  const std::string unicode =
      "\u3053\u3093\u306b\u3061\u306f - actual_x000A_string\nnewline: \U00010437";
  PowerShell powershell;
  powershell.statements = {
      {Command::cmdlet("Set-Variable")
           .with("Name", psrp::Value::string("sec_string"))
           .with("Value", *secret)},
      {Command::script(
          "[System.Runtime.InteropServices.marshal]::PtrToStringAuto("
          "[System.Runtime.InteropServices.marshal]::SecureStringToBSTR($sec_string))")},
      {Command::cmdlet("ConvertTo-SecureString")
           .with("String", psrp::Value::string("abc"))
           .with_switch("AsPlainText")
           .with_switch("Force")},
      {Command::cmdlet("Set-Variable")
           .with("Name", psrp::Value::string("unicode_string"))
           .with("Value", psrp::Value::string(unicode))},
      {Command::script("$unicode_string")},
      {Command::cmdlet("cmd.exe").with_argument(psrp::Value::string("/c echo hi"))},
      {Command::cmdlet("whoami.exe")},
      {Command::cmdlet("Set-Variable")
           .with("Name", psrp::Value::string("integer"))
           .with("Value", psrp::Value::i32(123))},
      {Command::script("$integer")},
      {Command::cmdlet("Get-Service").with("Name", psrp::Value::string("winrm"))},
  };
  const PipelineResult result = ran(pool->run(powershell));
  CHECK(result.completed());
  REQUIRE(result.output.size() == 7);
  CHECK(result.output[0] == psrp::Value::string("Hello World"));
  Result<std::string> abc = pool->reveal(result.output[1]);
  REQUIRE(abc.ok());
  CHECK(*abc == "abc");
  CHECK(result.output[2] == psrp::Value::string(unicode));
  CHECK(result.output[3] == psrp::Value::string("hi\""));
  CHECK(result.output[4] == psrp::Value::string("win-nnmu24vvkj0\\vagrant"));
  CHECK(result.output[5] == psrp::Value::i32(123));
  const psrp::Value& service = result.output[6];
  CHECK(service.display() == "winrm");
  REQUIRE(service.property("DisplayName"));
  CHECK(service.property("DisplayName")->display() == "Windows Remote Management (WS-Management)");
  CHECK(service.property("ServiceName")->display() == "winrm");
  CHECK(service.property("Name")->display() == "winrm");
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE("psrp replay key_exchange_timeout: a server that never sends the session key",
          "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_key_exchange_timeout.yml", test::psrp_replay());
  RunspacePoolOptions options = psrp_options_for(server);
  options.key_exchange_timeout = std::chrono::milliseconds(500);
  auto pool = opened_pool(std::move(options));
  Result<psrp::Value> secret = pool->secure_string("Hello World");
  REQUIRE_FALSE(secret.ok());
  CHECK(secret.errors().front().message ==
        kReplayPsrpPrefix + "the server did not answer the session key exchange within 500 ms");
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE(
    "psrp replay small_msg_size: a pipeline split over Command and Send, and output in "
    "pieces",
    "[psrp-replay]") {
  // Recorded exchange 0 is pypsrp reading the host's MaxEnvelopeSizekb from the WinRM config;
  // syncdeploy takes the size from its options instead (that config is for administrators of
  // the host, which an Exchange operator need not be).
  WinrsReplayServer server("test_psrp_small_msg_size.yml", test::psrp_replay({0}));
  RunspacePoolOptions options = psrp_options_for(server);
  options.transport.max_envelope_size = 32768;
  auto pool = opened_pool(std::move(options));
  const std::string script = "begin {\n    $big_var = '" + std::string(30000, 'a') +
                             "'\n} process {\n    $input\n} end {\n"
                             "    $big_var[0..19999] -join \"\"\n"
                             "    $big_var[20000..30000] -join \"\"\n}";
  const PipelineResult result = ran(pool->run(one_script(script), {psrp::Value::string("input")}));
  CHECK(result.completed());
  REQUIRE(result.output.size() == 3);
  CHECK(result.output[0] == psrp::Value::string("input"));
  CHECK(result.output[1] == psrp::Value::string(std::string(20000, 'a')));
  CHECK(result.output[2] == psrp::Value::string(std::string(10000, 'a')));
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE("psrp replay with_input: four typed objects in, the same four out", "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_with_input.yml", test::psrp_replay());
  auto pool = opened_pool(psrp_options_for(server));
  const std::string script =
      "begin {\n                $DebugPreference = 'Continue'\n"
      "                Write-Debug \"Start Block\"\n            }\n            process {\n"
      "                $input\n            }\n            end {\n"
      "                Write-Debug \"End Block\"\n            }";
  const std::vector<psrp::Value> input{
      psrp::Value::string("1"), psrp::Value::i32(2),
      psrp::Value::dictionary({{psrp::Value::string("a"), psrp::Value::string("b")}},
                              {"System.Collections.Hashtable", "System.Object"}),
      object_array({psrp::Value::string("a"), psrp::Value::string("b")})};
  const PipelineResult result = ran(pool->run(one_script(script), input));
  CHECK(result.completed());
  REQUIRE(result.output.size() == 4);
  CHECK(result.output[0] == psrp::Value::string("1"));
  CHECK(result.output[1] == psrp::Value::i32(2));
  CHECK(result.output[2].type_names ==
        std::vector<std::string>{"Deserialized.System.Collections.Hashtable",
                                 "Deserialized.System.Object"});
  REQUIRE(result.output[2].entries.size() == 1);
  CHECK(result.output[2].entries[0].key == psrp::Value::string("a"));
  CHECK(result.output[2].entries[0].value == psrp::Value::string("b"));
  CHECK(result.output[3].items ==
        std::vector<psrp::Value>{psrp::Value::string("a"), psrp::Value::string("b")});
  CHECK(result.debug == std::vector<std::string>{"Start Block", "End Block"});
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE(
    "psrp replay with_jea_configuration: an allowed cmdlet, and what a restricted "
    "runspace refuses",
    "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_with_jea_configuration.yml", test::psrp_replay());
  auto pool =
      opened_pool(psrp_options_for(server, "http://schemas.microsoft.com/powershell/JEARole"));
  PowerShell allowed;
  allowed.statements = {
      {Command::cmdlet("Get-Item")
           .with("Path", psrp::Value::string("WSMan:\\localhost\\Service\\AllowUnencrypted"))}};
  const PipelineResult first = ran(pool->run(allowed));
  CHECK(first.completed());
  REQUIRE(first.output.size() == 1);
  CHECK(first.output[0].display() == "Microsoft.WSMan.Management.WSManConfigLeafElement");
  REQUIRE(first.output[0].property("Value"));
  CHECK(first.output[0].property("Value")->display() == "true");
  CHECK(first.errors.empty());

  PowerShell refused;
  refused.statements = {
      {Command::cmdlet("Get-Item").with("Path", psrp::Value::string("C:\\Windows"))},
      {Command::script(
          "Set-Item -Path WSMan:\\localhost\\Service\\AllowUnencrypted -Value $false")}};
  const PipelineResult second = ran(pool->run(refused));
  CHECK(second.state == static_cast<int32_t>(psrp::PipelineState::Failed));
  CHECK(second.output.empty());
  REQUIRE(second.errors.size() == 1);
  CHECK(second.errors[0].message == "Cannot find a provider with the name 'FileSystem'.");
  REQUIRE(second.failure);
  CHECK(second.failure->message ==
        "The syntax is not supported by this runspace. This can occur if the runspace is in "
        "no-language mode.");
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE("psrp replay receive_failure: a Receive for a pipeline the host does not know",
          "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_receive_failure.yml", test::psrp_replay());
  auto pool = opened_pool(psrp_options_for(server));
  Result<wsman::ReceiveOutput> output =
      pool->session().receive(pool->shell_id(), "D1BF48DA-B26C-4F4A-BE52-B382AC20DD1F", "stdout");
  REQUIRE_FALSE(output.ok());
  CHECK(output.errors().front().message ==
        "WinRM https://exch01.example.local:5986/wsman: The Windows Remote Shell received a "
        "request to perform an operation on a command identifier that does not exist. Either the "
        "command has completed execution or the client specified an invalid command identifier. "
        "(WSManFault 2150858843)");
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE("psrp replay long_running_cmdlet: Receives that time out are asked again",
          "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_long_running_cmdlet.yml", test::psrp_replay());
  auto pool = opened_pool(psrp_options_for(server));
  PowerShell powershell;
  powershell.statements = {{Command::cmdlet("Start-Sleep").with("Seconds", psrp::Value::i32(10))},
                           {Command::script("echo hi")}};
  const PipelineResult result = ran(pool->run(powershell));
  CHECK(result.completed());
  CHECK(result.output == std::vector<psrp::Value>{psrp::Value::string("hi")});
  CHECK(pool->session().operation_timeouts() == 2);
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}

TEST_CASE("psrp replay run_protocol_version_2.3: errors merged into output, input, debug",
          "[psrp-replay]") {
  WinrsReplayServer server("test_psrp_run_protocol_version_2.3.yml", test::psrp_replay());
  auto pool = opened_pool(psrp_options_for(server));
  CHECK(pool->protocol_version() == "2.3");
  PowerShell powershell = one_script(
      "begin {\n    $DebugPreference = 'Continue'\n    Write-Debug \"Start Block\"\n"
      "    Write-Error \"error\"\n}\nprocess {\n    $input\n}\nend {\n"
      "    Write-Debug \"End Block\"\n}");
  powershell.statements[0][0].merge_errors = true;
  const PipelineResult result =
      ran(pool->run(powershell, {psrp::Value::string("message 1"), psrp::Value::i32(2),
                                 object_array({psrp::Value::string("3"), psrp::Value::i32(3)})}));
  CHECK(result.completed());
  REQUIRE(result.output.size() == 4);
  CHECK(result.output[0].display() == "error");
  CHECK(result.output[0].type_names.front() == "System.Management.Automation.ErrorRecord");
  CHECK(result.output[1] == psrp::Value::string("message 1"));
  CHECK(result.output[2] == psrp::Value::i32(2));
  CHECK(result.output[3].items ==
        std::vector<psrp::Value>{psrp::Value::string("3"), psrp::Value::i32(3)});
  CHECK(result.errors.empty());
  CHECK(result.debug == std::vector<std::string>{"Start Block", "End Block"});
  REQUIRE(pool->close().ok());
  require_psrp_replayed(server);
}
