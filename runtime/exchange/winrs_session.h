// The WinRS operations one by one (reference §4.1), over the one HTTPS client: what
// RemoteShell (winrs_client.h) is built from, and what the replay tests drive against recorded
// traffic. Every error names the endpoint: "WinRM https://exch01.example.local:5986/wsman: ...".
// Not thread-safe: one session is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "protocol/wsman.h"
#include "runtime/exchange/winrs_client.h"
#include "runtime/http/https_client.h"

namespace sd {

// `Authorization: http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual`: WinRM's
// certificate authentication (the certificate itself goes in the TLS handshake).
[[nodiscard]] std::shared_ptr<http::Authenticator> wsman_certificate_credentials();

class WinrsSession {
 public:
  // Validates the options (an https URL; user and password for Basic, certificate and key files
  // for Certificate; readable CA and certificate files). Connects on the first request.
  [[nodiscard]] static Result<std::unique_ptr<WinrsSession>> open(const WinrsOptions& options);
  ~WinrsSession();
  WinrsSession(const WinrsSession&) = delete;
  WinrsSession& operator=(const WinrsSession&) = delete;

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

  // Create: the new ShellId.
  [[nodiscard]] Result<std::string> create_shell(const wsman::ShellSettings& shell);
  // Command: the new CommandId.
  [[nodiscard]] Result<std::string> run_command(const std::string& shell_id,
                                                const std::string& command,
                                                const std::vector<std::string>& arguments,
                                                const wsman::CommandFlags& flags);
  // One Send of `bytes` to stdin (callers keep each under the envelope size; see
  // max_send_bytes()); to the shell itself when `command_id` is empty (PSRP's pool messages).
  [[nodiscard]] Status send_input(const std::string& shell_id, const std::string& command_id,
                                  std::string_view bytes, bool end);
  [[nodiscard]] size_t max_send_bytes() const;
  // One Receive. The operation-timeout fault (2150858793) is `timed_out`, not an error. An
  // empty `command_id` asks for the shell's output (no CommandId attribute).
  [[nodiscard]] Result<wsman::ReceiveOutput> receive(const std::string& shell_id,
                                                     const std::string& command_id,
                                                     std::string_view streams = "stdout stderr");
  // How long to wait before the next Receive of one command (or of the shell itself). A host
  // should hold a Receive until it has output or its operation timeout passes; one that
  // answers at once with nothing new (nothing, or the operation-timeout fault long before the
  // operation timeout) is asked again only after a pause that doubles up to
  // max_empty_receive_pause. Output resets it.
  struct ReceivePace {
    std::chrono::milliseconds pause{0};  // 0: empty_receive_pause
  };
  // One Receive, then the pause `pace` calls for (never past `deadline`).
  [[nodiscard]] Result<wsman::ReceiveOutput> receive_paced(
      const std::string& shell_id, const std::string& command_id, std::string_view streams,
      ReceivePace& pace, std::chrono::steady_clock::time_point deadline);
  // Receive until CommandState Done, Receiving again after each operation timeout, and after a
  // growing pause when the host answers at once with nothing new. The raw streams (stderr not
  // CLIXML-decoded). After command_timeout, or past max_output_bytes of output: Signal
  // terminate, and the error "... the command did not finish within N s; it was terminated" or
  // "... the command's output passed N MiB, the most one command may return; it was
  // terminated".
  [[nodiscard]] Result<CommandOutput> receive_until_done(const std::string& shell_id,
                                                         const std::string& command_id);
  [[nodiscard]] Status signal(const std::string& shell_id, const std::string& command_id,
                              std::string_view code = wsman::kSignalTerminate);
  [[nodiscard]] Status delete_shell(const std::string& shell_id);

  // Receives answered so far with the operation-timeout fault, and at once with nothing new
  // (for tests).
  [[nodiscard]] unsigned operation_timeouts() const { return operation_timeouts_; }
  [[nodiscard]] unsigned empty_receives() const { return empty_receives_; }
  // Requests sent so far (for figures).
  [[nodiscard]] unsigned requests() const { return requests_; }

 private:
  WinrsSession(std::unique_ptr<http::HttpsClient> client, WinrsOptions options);
  // POSTs one envelope: the response body when the answer is 200, or 500 with a SOAP body;
  // errors for transport failures, 401 and other statuses.
  [[nodiscard]] Result<std::string> post(std::string body);
  [[nodiscard]] wsman::Addressing addressing() const;
  [[nodiscard]] std::vector<Error> named(std::vector<Error> errors) const;

  std::unique_ptr<http::HttpsClient> client_;
  WinrsOptions options_;
  std::string endpoint_;
  unsigned operation_timeouts_ = 0;
  unsigned empty_receives_ = 0;
  unsigned requests_ = 0;
};

}  // namespace sd
