// The WinRS client against hosts that never finish: one that streams stdout forever (bounded by
// the output limit, with an error naming the endpoint and the limit), and one that answers
// "Running" at once with nothing (asked again after a growing pause, never in a tight loop).
#include <catch2/catch.hpp>
#include <chrono>

#include "protocol/wsman.h"
#include "runtime/exchange/winrs_session.h"
#include "tests/runtime/http/tls_test_server_support.h"

using namespace sd;
using sd::test::TestAnswer;
using sd::test::TlsTestServer;
using std::chrono::milliseconds;

namespace {

const std::string kWhere = "WinRM https://exch01.example.local:5986/wsman: ";

// A host that creates shells and commands as Windows does, and answers every Receive with
// `receive_output` and CommandState Running; counts the Receives and Signals.
class EndlessHost {
 public:
  explicit EndlessHost(std::string receive_output) : output_(std::move(receive_output)) {
    server_.script([this](unsigned, const test::ReceivedRequest& request) {
      TestAnswer answer;
      answer.headers = {{"Content-Type", "application/soap+xml;charset=UTF-8"}};
      Result<wsman::Request> parsed = wsman::parse_request(request.body);
      if (!parsed.ok()) {
        answer.status = 400;
        return answer;
      }
      const std::string& action = parsed->action;
      const std::string_view id = parsed->message_id;
      if (action.ends_with("/Create")) {
        wsman::CreatedShell shell;
        shell.shell_id = "11111111-2222-4333-8444-555555555555";
        answer.body = wsman::create_response(id, shell);
      } else if (action.ends_with("/Command")) {
        answer.body = wsman::command_response(id, "66666666-7777-4888-9999-000000000000");
      } else if (action.ends_with("/Receive")) {
        ++receives_;
        std::vector<wsman::StreamChunk> streams;
        if (!output_.empty()) streams.push_back({"stdout", output_, false});
        answer.body = wsman::receive_response(id, parsed->command_id, streams, std::nullopt);
      } else if (action.ends_with("/Signal")) {
        ++signals_;
        answer.body = wsman::signal_response(id);
      } else {
        answer.body = wsman::delete_response(id);
      }
      return answer;
    });
  }

  WinrsOptions options() const {
    WinrsOptions options;
    options.url = "https://exch01.example.local:5986/wsman";
    options.user = "EXAMPLE\\deploy-admin";
    options.password = "secret";
    options.ca_file = server_.certificates().ca_file;
    options.connect_to = {{"exch01.example.local", 5986, "127.0.0.1", server_.port()}};
    options.connect_timeout = milliseconds(5000);
    return options;
  }
  [[nodiscard]] unsigned receives() const { return receives_; }
  [[nodiscard]] unsigned signals() const { return signals_; }

 private:
  std::string output_;
  std::atomic<unsigned> receives_{0}, signals_{0};
  TlsTestServer server_{{"exch01.example.local"}};
};

// Runs one command to its end (or its error) on `host` with `options`.
Result<CommandOutput> run_once(const WinrsOptions& options, WinrsSession** session_out = nullptr) {
  Result<std::unique_ptr<WinrsSession>> session = WinrsSession::open(options);
  REQUIRE(session.ok());
  Result<std::string> shell = (*session)->create_shell({});
  REQUIRE(shell.ok());
  Result<std::string> command = (*session)->run_command(*shell, "powershell", {}, {});
  REQUIRE(command.ok());
  Result<CommandOutput> out = (*session)->receive_until_done(*shell, *command);
  if (session_out) *session_out = session->get();
  return out;
}

}  // namespace

TEST_CASE("winrs: a host that streams output forever is stopped at the output limit",
          "[winrs-hostile]") {
  EndlessHost host(std::string(256 * 1024, 'x'));  // 256 KiB a Receive, Running forever
  WinrsOptions options = host.options();
  options.max_output_bytes = 4u << 20;
  Result<CommandOutput> out = run_once(options);
  REQUIRE_FALSE(out.ok());
  CHECK(out.errors().front().message ==
        kWhere +
            "the command's output passed 4 MiB, the most one command may return; it was "
            "terminated");
  CHECK(host.receives() == 17);  // 16 fit, the 17th would pass the limit
  CHECK(host.signals() == 1);
}

TEST_CASE("winrs: a host that answers Running at once with nothing is asked again slower",
          "[winrs-hostile]") {
  EndlessHost host("");
  WinrsOptions options = host.options();
  options.command_timeout = milliseconds(1500);
  options.empty_receive_pause = milliseconds(20);
  options.max_empty_receive_pause = milliseconds(400);
  const auto started = std::chrono::steady_clock::now();
  Result<CommandOutput> out = run_once(options);
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(out.ok());
  CHECK(out.errors().front().message ==
        kWhere + "the command did not finish within 1500 ms; it was terminated");
  // Pauses of 20, 40, 80, 160, 320, then 400 ms: about 8 Receives in 1.5 s, not thousands.
  CHECK(host.receives() >= 5);
  CHECK(host.receives() <= 10);
  CHECK(took < std::chrono::seconds(5));
  CHECK(host.signals() == 1);
}
