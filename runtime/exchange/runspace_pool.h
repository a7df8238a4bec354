// PowerShell remoting (MS-PSRP) client: one RunspacePool on a session configuration
// (Microsoft.Exchange at http(s)://<server>/PowerShell/), over the WS-Management shell
// operations of WinrsSession. Open the pool (Create with SESSION_CAPABILITY and
// INIT_RUNSPACEPOOL, Receive until Opened), run pipelines of commands with parameters as values
// (CREATE_PIPELINE, fragments past the envelope size by Send, Receive until a final
// PIPELINE_STATE), exchange a session key for SecureStrings on first need, close (Delete).
// Every error names the endpoint; what the server sent that cannot be read is an error, never
// taken as output. Not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "protocol/psrp/clixml_value.h"
#include "protocol/psrp/fragments.h"
#include "protocol/psrp/messages.h"
#include "protocol/psrp/pipeline.h"
#include "protocol/psrp/pool_messages.h"
#include "protocol/psrp/secure_string.h"
#include "runtime/exchange/winrs_client.h"
#include "runtime/exchange/winrs_session.h"

namespace sd {

struct RunspacePoolOptions {
  // The endpoint, its auth, resource_uri (the configuration), max_envelope_size, the operation
  // timeout of each Receive, command_timeout (the longest one pipeline may run) and
  // max_output_bytes (the most one pipeline may return).
  WinrsOptions transport;
  std::chrono::milliseconds open_timeout{60'000};          // until the pool is Opened
  std::chrono::milliseconds key_exchange_timeout{60'000};  // until ENCRYPTED_SESSION_KEY
  // Ids for the pool and its pipelines (tests replaying recordings pass the recorded ones).
  std::function<std::string()> new_id;
  // The RSA key pair of the key exchange (tests replaying a recording pass its key).
  std::function<Result<psrp::KeyPair>()> key_pair;
};

struct PipelineResult {
  int32_t state = 0;  // psrp::PipelineState: Completed, Failed or Stopped
  std::vector<psrp::Value> output;
  std::vector<psrp::ErrorRecordText> errors;  // the error stream
  std::vector<std::string> warnings, verbose, debug, information;
  std::optional<psrp::ErrorRecordText> failure;  // why it Failed (ExceptionAsErrorRecord)
  [[nodiscard]] bool completed() const;
};

class RunspacePool {
 public:
  [[nodiscard]] static Result<std::unique_ptr<RunspacePool>> open(RunspacePoolOptions options);
  ~RunspacePool();  // closes the pool (best effort)
  RunspacePool(const RunspacePool&) = delete;
  RunspacePool& operator=(const RunspacePool&) = delete;

  // Runs `powershell` to its end, sending `input` first (as PIPELINE_INPUT). A pipeline that
  // fails is a result (state Failed, `failure`); errors are transport and protocol failures,
  // a pool that broke, and a pipeline past command_timeout (stopped with a Signal) or past
  // max_output_bytes.
  [[nodiscard]] Result<PipelineResult> run(const psrp::PowerShell& powershell,
                                           const std::vector<psrp::Value>& input = {});

  // A <SS> value of `secret`, encrypted with the session key (exchanged on first use).
  [[nodiscard]] Result<psrp::Value> secure_string(std::string_view secret);
  // The text of a <SS> the server sent.
  [[nodiscard]] Result<std::string> reveal(const psrp::Value& secure_string);

  // True once a pipeline could not start because the server no longer has the pool (its
  // Command was refused with the unknown-shell fault): nothing of that pipeline ran, and a new
  // pool may run it.
  [[nodiscard]] bool gone() const { return gone_; }

  // Deletes the shell; later calls fail. Idempotent.
  [[nodiscard]] Status close();

  [[nodiscard]] const std::string& endpoint() const;
  [[nodiscard]] const std::string& protocol_version() const { return protocol_version_; }
  [[nodiscard]] const psrp::Value& application_private_data() const { return private_data_; }
  // Requests sent so far (for the figures of bench/ and the tests).
  [[nodiscard]] unsigned requests() const;
  // The WS-Management session and the shell (for tests that drive the protocol underneath).
  [[nodiscard]] WinrsSession& session() { return *session_; }
  [[nodiscard]] const std::string& shell_id() const { return shell_id_; }

 private:
  RunspacePool(std::unique_ptr<WinrsSession> session, RunspacePoolOptions options);
  [[nodiscard]] Status open_pool();
  [[nodiscard]] Status exchange_keys();
  // Sends `messages` to the pool (empty command id) or a pipeline, as few Sends as fit.
  [[nodiscard]] Status send_messages(const std::string& command_id,
                                     const std::vector<psrp::Message>& messages);
  // One pool-level Receive, its messages read and dispatched (state, capability, key).
  [[nodiscard]] Status receive_pool_messages(std::chrono::steady_clock::time_point deadline);
  [[nodiscard]] std::vector<Error> named(std::string message) const;
  [[nodiscard]] std::string next_id();

  std::unique_ptr<WinrsSession> session_;
  RunspacePoolOptions options_;
  std::string pool_id_, shell_id_;
  uint64_t next_object_ = 1;
  psrp::Reassembler pool_stream_;
  int32_t pool_state_ = 0;
  std::optional<psrp::ErrorRecordText> pool_reason_;
  std::string protocol_version_;
  psrp::Value private_data_;
  std::optional<psrp::KeyPair> key_pair_;
  std::optional<psrp::SessionKey> session_key_;
  std::string encrypted_session_key_;
  bool closed_ = false;
  bool gone_ = false;
  WinrsSession::ReceivePace pool_pace_;  // of the pool's own Receives
};

}  // namespace sd
