// The Exchange lab: an HTTPS server that speaks EWS at /EWS/Exchange.asmx the way Exchange does,
// backed by mailboxes and folders kept in SQLite, and WS-Management at /wsman and /PowerShell;
// a second listener serves the same over plain HTTP, as Exchange's /PowerShell on port 80 does
// (WS-Management only, every message sealed with the connection's Kerberos or NTLM context).
// `syncdeploy lab serve` runs it; tests start it in-process. Facts it follows:
// ../shared/reference/exchange-protocols.md §2.2, §3, §4.1.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "lab/server/windows_auth.h"
#include "lab/state/lab_state.h"

namespace sd::lab {

// Faults injected into EWS answers, each a probability per request in 0..1 (from flags).
struct FaultOptions {
  std::chrono::milliseconds latency{0};  // added before every answer
  double error_rate = 0;                 // ErrorInternalServerError fault on HTTP 500
  double busy_rate = 0;  // ErrorServerBusy fault with BackOffMilliseconds = busy_back_off
  std::chrono::milliseconds busy_back_off{200};
  double http503_rate = 0;  // HTTP 503 with Retry-After: 1
  double reset_rate = 0;    // the connection is closed (RST) before any answer
  double stall_rate = 0;    // half the answer is sent, then nothing until the client gives up
  // WinRM over plain HTTP: a byte in the middle of a sealed answer's data is flipped, so that
  // the client's unseal fails (a probability per sealed answer; drawn apart from the others).
  double corrupt_seal_rate = 0;
  uint64_t seed = 1;
};

// Where the lab says what its clients are not told in full (why a sealed message was refused);
// called from the server's threads.
using LabLog = std::function<void(const std::string& line)>;

struct LabOptions {
  std::string state_file;      // SQLite; created from `directory_file` when it does not exist
  std::string directory_file;  // YAML (lab_state.h); loaded into a new or empty state
  std::string cert_dir;        // where certificates.h puts the CA and server certificate
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;  // HTTPS; 0: any free port
  bool serve_http = true;
  uint16_t http_port = 0;  // plain HTTP (when serve_http); 0: any free port
  unsigned threads = 2;
  FaultOptions faults;
  LabAuthOptions auth;  // Negotiate, NTLM, Basic and Extended Protection
  // Requests whose body or headers are larger are refused with 413 / 431.
  size_t max_request_bytes = 1u << 20;
  LabLog log;  // empty: nowhere
};

struct LabStats {
  uint64_t requests = 0;
  uint64_t throttled = 0;  // ErrorServerBusy answers from the throttling budget
  uint64_t faults = 0;     // injected
  // Request and response bodies, by service (for figures: bench/management_read.sh).
  uint64_t management_requests = 0, management_bytes_in = 0, management_bytes_out = 0;
};

class LabServer {
 public:
  // Opens the state, ensures the certificates, binds and starts serving on background threads.
  // Errors: the directory file's (file:line:col), the state file's, a port in use.
  [[nodiscard]] static Result<std::unique_ptr<LabServer>> start(LabOptions options);
  virtual ~LabServer() = default;  // stops and joins

  [[nodiscard]] virtual uint16_t port() const = 0;  // HTTPS
  // Plain HTTP (WS-Management with message encryption); 0 when not serving it.
  [[nodiscard]] virtual uint16_t http_port() const = 0;
  [[nodiscard]] virtual std::string ca_file() const = 0;
  // "https://127.0.0.1:PORT/EWS/Exchange.asmx"
  [[nodiscard]] virtual std::string ews_url() const = 0;
  [[nodiscard]] virtual LabStats stats() const = 0;
  // The live state (for admin commands and tests while serving); thread-safe.
  [[nodiscard]] virtual LabState& state() = 0;
  virtual void stop() = 0;
};

}  // namespace sd::lab
