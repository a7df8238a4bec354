// The data of PSRP's RunspacePool and pipeline messages (MS-PSRP 2.2.2, 2.2.3), both ways:
// what a client sends to open a pool and exchange a session key, and what it reads back
// (states, records, the key). The shapes are those of the recorded Windows hosts and clients
// (../shared/data/psrp-captures).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "protocol/psrp/clixml_value.h"

namespace sd::psrp {

inline constexpr std::string_view kProtocolVersion = "2.3";

// SESSION_CAPABILITY: protocolversion, PSVersion 2.0, SerializationVersion 1.1.0.1.
[[nodiscard]] Value session_capability_value(std::string_view protocol_version = kProtocolVersion);
// The protocolversion a SESSION_CAPABILITY states. Errors: none stated.
[[nodiscard]] Result<std::string> read_protocol_version(const Value& data);

// INIT_RUNSPACEPOOL with one runspace, default thread options, no host, no arguments.
[[nodiscard]] Value init_runspace_pool_value();
[[nodiscard]] Value apartment_state_value();  // ApartmentState UNKNOWN
[[nodiscard]] Value no_host_value();          // HostInfo: every _isHost*Null true

// PUBLIC_KEY: the client's RSA public key, base64 of a CryptoAPI PUBLICKEYBLOB.
[[nodiscard]] Value public_key_value(std::string_view base64_blob);
// ENCRYPTED_SESSION_KEY's base64 SIMPLEBLOB. Errors: none in the message.
[[nodiscard]] Result<std::string> read_encrypted_session_key(const Value& data);

// A PowerShell error record as a person reads it: the message, and what PowerShell prints
// around it ("Get-Mailbox : <message>", "+ CategoryInfo ...", "+ FullyQualifiedErrorId ...").
struct ErrorRecordText {
  std::string message;   // the exception's message (or the record's ToString)
  std::string command;   // the cmdlet that failed (InvocationInfo.MyCommand), or ""
  std::string category;  // "NotSpecified: (:) [Write-Error], WriteErrorException"
  std::string error_id;  // FullyQualifiedErrorId
  std::string target;    // ErrorCategory_TargetName, or ""
  // One line: "<command> : <message> (<category>; <error_id>)", the parts that are known.
  [[nodiscard]] std::string line() const;
};
[[nodiscard]] ErrorRecordText read_error_record(const Value& record);

// RUNSPACEPOOL_STATE and PIPELINE_STATE: the state number, and the error record of a failure
// (ExceptionAsErrorRecord) when there is one.
enum class PoolState : int32_t {
  BeforeOpen = 0,
  Opening = 1,
  Opened = 2,
  Closed = 3,
  Closing = 4,
  Broken = 5,
  NegotiationSent = 6,
  NegotiationSucceeded = 7,
  Connecting = 8,
  Disconnected = 9,
};
enum class PipelineState : int32_t {
  NotStarted = 0,
  Running = 1,
  Stopping = 2,
  Stopped = 3,
  Completed = 4,
  Failed = 5,
  Disconnected = 6,
};
struct StateChange {
  int32_t state = 0;
  std::optional<ErrorRecordText> reason;
};
// Errors: the property (RunspaceState / PipelineState) is missing or not a number.
[[nodiscard]] Result<StateChange> read_state(const Value& data, std::string_view property);
[[nodiscard]] std::string pool_state_name(int32_t state);      // "Opened", "Broken", "state 12"
[[nodiscard]] std::string pipeline_state_name(int32_t state);  // "Completed", "Failed", ...

// The text of a WARNING_RECORD, VERBOSE_RECORD or DEBUG_RECORD (InformationalRecord_Message)
// and of an INFORMATION_RECORD (MessageData).
[[nodiscard]] std::string read_informational_text(const Value& record);

}  // namespace sd::psrp
