// Replays recorded WinRS traffic (tests/data/winrs-captures, from pypsrp) to the client: the
// client's n-th request gets the recorded n-th response, and each request is compared with the
// recorded n-th request by structure (Action, ResourceURI, ShellId selector, options, timeouts,
// and the body's elements, attributes and text, Send streams decoded), not by bytes: message
// ids, the To address and the session id differ from run to run.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/tls_test_server_support.h"
#include "runtime/exchange/winrs_client.h"

namespace sd::test {

struct RecordedExchange {
  std::string request, response;
  double delay_seconds = 0;  // the recording's `timeout`: the host answered that much later
};

// The messages of tests/data/<folder>/<file>.
[[nodiscard]] std::vector<RecordedExchange> load_winrs_capture(
    const std::string& file, const std::string& folder = "winrs-captures");

// A request as the comparison sees it: one line per element that matters, or "unreadable: ...".
[[nodiscard]] std::string winrs_request_shape(std::string_view body);

// The bytes of one stream in a recorded Receive response, read independently of the client's
// parser (pugixml and base64 only).
[[nodiscard]] std::string recorded_stream(std::string_view response, std::string_view name);

// How a replay compares: the capture folder, the shape of a request (one instance per side: a
// PSRP shape remembers fragments across requests), and the recorded exchanges the client under
// test does not make (left out of the replay, with the reason in the test).
struct ReplaySettings {
  std::string folder = "winrs-captures";
  // (recorded side or not) -> a shaper; default: the WinRS shape on both sides.
  std::function<std::function<std::string(std::string_view)>(bool)> new_shaper;
  std::vector<size_t> skipped;
};

class WinrsReplayServer {
 public:
  explicit WinrsReplayServer(const std::string& capture_file, ReplaySettings settings = {});

  // Options for a session against the replay: https://exch01.example.local:5986/wsman routed to
  // the server, Basic as "vagrant", the recording's OperationTimeout.
  [[nodiscard]] WinrsOptions options() const;
  [[nodiscard]] static std::string endpoint() { return "https://exch01.example.local:5986/wsman"; }

  [[nodiscard]] const std::vector<RecordedExchange>& recording() const { return recording_; }
  [[nodiscard]] unsigned requests() const { return server_.requests(); }
  // One entry per request that differed from the recording (or went past its end).
  [[nodiscard]] std::vector<std::string> mismatches() const;

 private:
  std::vector<RecordedExchange> recording_;
  std::function<std::string(std::string_view)> recorded_shape_, sent_shape_;
  std::chrono::seconds operation_timeout_{20};
  mutable std::mutex mutex_;
  std::vector<std::string> mismatches_;
  TlsTestServer server_;
};

}  // namespace sd::test
