// The PSRP client against servers that send what no Windows host sends: fragments out of order
// or claiming 2 GB, CLIXML nested 10,000 deep, a pipeline that never ends, a command that ends
// without its final state, a host call, a session key that is not one, a pool that is gone.
// Each is a clear error naming the endpoint and what was running; nothing hangs or grows.
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>

#include "base/base64.h"
#include "base/disk_files.h"
#include "plan/desired_state.h"
#include "protocol/psrp/fragments.h"
#include "protocol/psrp/messages.h"
#include "protocol/psrp/pool_messages.h"
#include "protocol/wsman.h"
#include "runtime/exchange/psrp_channel.h"
#include "runtime/exchange/runspace_pool.h"
#include "spec/load_spec.h"
#include "tests/runtime/http/tls_test_server_support.h"

namespace sd {
namespace {

using std::chrono::milliseconds;

const std::string kHostilePrefix = "PowerShell https://exch01.example.local/PowerShell/: ";
constexpr std::string_view kHostilePool = "11111111-2222-4333-8444-555555555555";
constexpr std::string_view kHostilePipeline = "66666666-7777-4888-9999-000000000000";

std::string hostile_message(psrp::MessageType type, const psrp::Value& data,
                            std::string_view pipeline = psrp::kNilGuid) {
  psrp::Message message;
  message.destination = psrp::Destination::Client;
  message.type = type;
  message.runspace_pool_id = std::string(kHostilePool);
  message.pipeline_id = std::string(pipeline);
  message.data = psrp::write_clixml(data);
  return psrp::encode_message(message);
}

std::string hostile_whole(uint64_t object, const std::string& message) {
  return psrp::encode_fragment({object, 0, true, true, message});
}

// Opens pools as Windows does; answers each pipeline Receive with `pipeline_bytes(n)` (the
// n-th Receive of the pipeline; nullopt: the operation-timeout fault) and CommandState Done
// when `done(n)`.
class HostileHost {
 public:
  std::function<std::optional<std::string>(unsigned)> pipeline_bytes;
  std::function<bool(unsigned)> done = [](unsigned) { return false; };
  std::string pool_extra;          // pool stream bytes after the opening (e.g. a bad session key)
  bool forget_first_pool = false;  // the first Command gets the unknown-shell fault

  HostileHost() {
    server_.script([this](unsigned, const test::ReceivedRequest& request) {
      test::TestAnswer answer;
      answer.headers = {{"Content-Type", "application/soap+xml;charset=UTF-8"}};
      Result<wsman::Request> parsed = wsman::parse_request(request.body);
      if (!parsed.ok()) {
        answer.status = 400;
        return answer;
      }
      const std::string& action = parsed->action;
      const std::string_view id = parsed->message_id;
      if (action.ends_with("/Create")) {
        ++creates_;
        opened_ = false;
        wsman::CreatedShell shell;
        shell.shell_id = std::string(kHostilePool);
        answer.body = wsman::create_response(id, shell);
      } else if (action.ends_with("/Command") && forget_first_pool && creates_ == 1) {
        answer.status = 500;
        answer.body =
            wsman::fault_response(id, {"s:Sender",
                                       "w:InvalidSelectors",
                                       "invalid selectors",
                                       "2150858843",
                                       "exch01",
                                       "The request for the Windows Remote Shell with ShellId " +
                                           std::string(kHostilePool) +
                                           " failed because the shell was not found on "
                                           "the server.",
                                       {},
                                       {},
                                       {}});
        return answer;
      } else if (action.ends_with("/Command")) {
        answer.body = wsman::command_response(id, kHostilePipeline);
      } else if (action.ends_with("/Receive") && parsed->command_id.empty()) {
        std::string bytes;
        if (!opened_) {
          opened_ = true;
          bytes =
              hostile_whole(1, hostile_message(psrp::MessageType::SessionCapability,
                                               psrp::session_capability_value())) +
              hostile_whole(2, hostile_message(
                                   psrp::MessageType::RunspacePoolState,
                                   psrp::Value::object({{"RunspaceState", psrp::Value::i32(2)}})));
        } else {
          bytes = std::move(pool_extra);
          pool_extra.clear();
        }
        answer.body = wsman::receive_response(id, "", {{"stdout", bytes, false}}, std::nullopt);
      } else if (action.ends_with("/Receive")) {
        const unsigned n = receives_++;
        std::optional<std::string> bytes = pipeline_bytes(n);
        if (!bytes) {
          answer.status = 500;
          answer.body = wsman::fault_response(id, {"s:Receiver",
                                                   "w:TimedOut",
                                                   "timed out",
                                                   std::string(wsman::kFaultOperationTimeout),
                                                   "exch01",
                                                   "timed out",
                                                   {},
                                                   {},
                                                   {}});
          return answer;
        }
        std::vector<wsman::StreamChunk> streams;
        if (!bytes->empty()) streams.push_back({"stdout", *bytes, false});
        answer.body = wsman::receive_response(id, parsed->command_id, streams,
                                              done(n) ? std::optional<int64_t>(0) : std::nullopt);
      } else if (action.ends_with("/Signal")) {
        ++signals_;
        answer.body = wsman::signal_response(id);
      } else {
        answer.body = wsman::send_response(id);
        if (action.ends_with("/Delete")) answer.body = wsman::delete_response(id);
      }
      return answer;
    });
  }

  RunspacePoolOptions options() const {
    RunspacePoolOptions options;
    options.transport.url = "https://exch01.example.local/PowerShell/";
    options.transport.auth = AuthMethod::Basic;
    options.transport.user = "EXAMPLE\\deploy-admin";
    options.transport.password = "secret";
    options.transport.ca_file = server_.certificates().ca_file;
    options.transport.connect_to = {{"exch01.example.local", 443, "127.0.0.1", server_.port()}};
    options.transport.connect_timeout = milliseconds(5000);
    options.transport.resource_uri = "http://schemas.microsoft.com/powershell/Microsoft.Exchange";
    return options;
  }
  [[nodiscard]] unsigned signals() const { return signals_; }
  [[nodiscard]] unsigned creates() const { return creates_; }
  [[nodiscard]] unsigned receives() const { return receives_; }

 private:
  bool opened_ = false;
  std::atomic<unsigned> receives_{0}, signals_{0}, creates_{0};
  test::TlsTestServer server_{{"exch01.example.local"}};
};

std::string hostile_run_error(HostileHost& host, RunspacePoolOptions options) {
  Result<std::unique_ptr<RunspacePool>> pool = RunspacePool::open(std::move(options));
  if (!pool) FAIL(pool.errors().front().message);
  psrp::PowerShell powershell;
  powershell.statements = {{psrp::Command::cmdlet("Get-ThrottlingPolicy")}};
  Result<PipelineResult> result = (*pool)->run(powershell);
  REQUIRE_FALSE(result.ok());
  (void)host;
  return result.errors().front().message;
}

std::string hostile_output(const std::string& clixml) {
  psrp::Message message;
  message.destination = psrp::Destination::Client;
  message.type = psrp::MessageType::PipelineOutput;
  message.runspace_pool_id = std::string(kHostilePool);
  message.pipeline_id = std::string(kHostilePipeline);
  message.data = clixml;
  return psrp::encode_message(message);
}

}  // namespace

TEST_CASE("psrp hostile: broken fragments are errors naming the object", "[psrp-hostile]") {
  HostileHost host;
  const std::string output = hostile_output("<S>x</S>");
  SECTION("out of order") {
    host.pipeline_bytes = [&](unsigned) -> std::optional<std::string> {
      return psrp::encode_fragment({9, 0, true, false, output.substr(0, 10)}) +
             psrp::encode_fragment({9, 2, false, true, output.substr(10)});
    };
    CHECK(hostile_run_error(host, host.options()) ==
          kHostilePrefix +
              "Get-ThrottlingPolicy: PSRP: fragment 2 of object 9 is out of order: fragment 1 "
              "was expected");
  }
  SECTION("a fragment claiming 2 GB") {
    host.pipeline_bytes = [&](unsigned) -> std::optional<std::string> {
      std::string bytes = hostile_whole(9, output);
      bytes[17] = '\x7f';
      return bytes;
    };
    CHECK(hostile_run_error(host, host.options()) ==
          kHostilePrefix + "Get-ThrottlingPolicy: PSRP: fragment 0 of object 9 claims " +
              std::to_string(0x7f000000u + output.size()) + " bytes but only " +
              std::to_string(output.size()) + " follow");
  }
  SECTION("the command ends before the end fragment") {
    host.pipeline_bytes = [&](unsigned) -> std::optional<std::string> {
      return psrp::encode_fragment({9, 0, true, false, output.substr(0, 10)});
    };
    host.done = [](unsigned) { return true; };
    CHECK(hostile_run_error(host, host.options()) ==
          kHostilePrefix +
              "Get-ThrottlingPolicy: the command ended without a final PIPELINE_STATE (object 9 "
              "ended without its end fragment)");
  }
}

TEST_CASE("psrp hostile: CLIXML 10,000 deep or of an unknown element is an error",
          "[psrp-hostile]") {
  HostileHost host;
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "<Obj RefId=\"" + std::to_string(i) + "\"><LST>";
  for (int i = 0; i < 10000; ++i) deep += "</LST></Obj>";
  SECTION("deep") {
    host.pipeline_bytes = [&](unsigned) -> std::optional<std::string> {
      return hostile_whole(9, hostile_output(deep));
    };
    CHECK(hostile_run_error(host, host.options()) ==
          kHostilePrefix + "Get-ThrottlingPolicy: PIPELINE_OUTPUT: CLIXML: nested deeper than 64");
  }
  SECTION("unknown") {
    host.pipeline_bytes = [&](unsigned) -> std::optional<std::string> {
      return hostile_whole(9, hostile_output("<Foo>x</Foo>"));
    };
    CHECK(hostile_run_error(host, host.options()) ==
          kHostilePrefix + "Get-ThrottlingPolicy: PIPELINE_OUTPUT: CLIXML: unknown element <Foo>");
  }
}

TEST_CASE("psrp hostile: a pipeline that never ends is stopped at its timeout", "[psrp-hostile]") {
  HostileHost host;
  host.pipeline_bytes = [](unsigned n) -> std::optional<std::string> {
    if (n % 2) return std::nullopt;  // the operation-timeout fault, then nothing at once
    return std::string();
  };
  RunspacePoolOptions options = host.options();
  options.transport.command_timeout = milliseconds(1500);
  options.transport.empty_receive_pause = milliseconds(20);
  options.transport.max_empty_receive_pause = milliseconds(400);
  CHECK(hostile_run_error(host, options) ==
        kHostilePrefix +
            "Get-ThrottlingPolicy: the pipeline did not finish within 1500 ms; it was stopped");
  CHECK(host.signals() == 1);
  CHECK(host.receives() <= 20);
}

TEST_CASE("psrp hostile: a host call is refused, not answered", "[psrp-hostile]") {
  HostileHost host;
  host.pipeline_bytes = [](unsigned) -> std::optional<std::string> {
    return hostile_whole(
        9, hostile_message(psrp::MessageType::PipelineHostCall,
                           psrp::Value::object({{"mi", psrp::Value::i32(11)}}), kHostilePipeline));
  };
  CHECK(hostile_run_error(host, host.options()) ==
        kHostilePrefix +
            "Get-ThrottlingPolicy: the server called the host (PIPELINE_HOST_CALL), which "
            "syncdeploy does not provide; it was stopped");
  CHECK(host.signals() == 1);
}

TEST_CASE("psrp hostile: a session key that is not one", "[psrp-hostile]") {
  HostileHost host;
  host.pool_extra = hostile_whole(
      3, hostile_message(psrp::MessageType::EncryptedSessionKey,
                         psrp::Value::object({{"EncryptedSessionKey",
                                               psrp::Value::string(base64_encode("garbage"))}})));
  Result<std::unique_ptr<RunspacePool>> pool = RunspacePool::open(host.options());
  REQUIRE(pool.ok());
  Result<psrp::Value> secret = (*pool)->secure_string("password");
  REQUIRE_FALSE(secret.ok());
  CHECK(secret.errors().front().message ==
        kHostilePrefix +
            "ENCRYPTED_SESSION_KEY: not a SIMPLEBLOB of an AES-256 key for RSA key exchange");
}

TEST_CASE("psrp hostile: a pool the server lost is opened again, once", "[psrp-hostile]") {
  HostileHost host;
  host.forget_first_pool = true;
  host.pipeline_bytes = [](unsigned n) -> std::optional<std::string> {
    return hostile_whole(
        9 + n, hostile_message(psrp::MessageType::PipelineState,
                               psrp::Value::object({{"PipelineState", psrp::Value::i32(4)}}),
                               kHostilePipeline));
  };
  host.done = [](unsigned) { return true; };
  Result<LoadedSpec> loaded = load_spec("examples/quickstart.yaml", DiskFiles());
  REQUIRE(loaded.ok());
  const DesiredState desired = build_desired_state(loaded->spec, {});
  const RunspacePoolOptions options = host.options();
  Result<std::unique_ptr<RunspacePool>> pool = RunspacePool::open(options);
  REQUIRE(pool.ok());
  PsrpChannel channel(std::move(pool).value(), [options] { return RunspacePool::open(options); });
  Result<ManagementRead> read = channel.read(desired, loaded->spec.exchange.version);
  if (!read) FAIL(read.errors().front().message);
  CHECK(host.creates() == 2);
  // Nine queries: everything that concerns the account (exchange/exchange_queries.h).
  CHECK(read->lines == "[]\n[]\n[]\n[]\n[]\n[]\n[]\n[]\n[]\n");
  CHECK_FALSE(read->stopped);
}

}  // namespace sd
