// WS-Management (SOAP 1.2) messages of the WinRS remote shell, both directions (reference §4.1):
// the client's requests (Create, Command, Send, Receive, Signal, Delete) and the reading of the
// host's responses and faults; for the lab, the reading of requests and the writing of responses
// in the shapes real Windows hosts give (tests/data/winrs-captures). Pure: text in, text out.
// Envelopes are read with the one SOAP layer (soap::parse_envelope_12).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace sd::wsman {

inline constexpr std::string_view kAddressingNs =
    "http://schemas.xmlsoap.org/ws/2004/08/addressing";
inline constexpr std::string_view kWsmanNs = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
inline constexpr std::string_view kWsmvNs = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd";
inline constexpr std::string_view kShellNs =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";
inline constexpr std::string_view kTransferNs = "http://schemas.xmlsoap.org/ws/2004/09/transfer";
inline constexpr std::string_view kWsmanFaultNs =
    "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault";

inline constexpr std::string_view kCmdResourceUri =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
inline constexpr std::string_view kAnonymous =
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";

inline constexpr std::string_view kActionCreate =
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create";
inline constexpr std::string_view kActionDelete =
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete";
inline constexpr std::string_view kActionCommand =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command";
inline constexpr std::string_view kActionSend =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send";
inline constexpr std::string_view kActionReceive =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive";
inline constexpr std::string_view kActionSignal =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal";
inline constexpr std::string_view kActionFault = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault";

// PowerShell remoting (MS-PSRP) over the same shell operations: the resource URI names the
// session configuration, Create carries creationXml, Command carries the pipeline's first
// fragments in rsp:Arguments.
inline constexpr std::string_view kPowerShellNs = "http://schemas.microsoft.com/powershell";
inline constexpr std::string_view kPowerShellResourcePrefix =
    "http://schemas.microsoft.com/powershell/";
inline constexpr std::string_view kSignalPowerShellCtrlC =
    "http://schemas.microsoft.com/powershell/signal/crtl_c";  // sic, as MS-PSRP spells it

inline constexpr std::string_view kSignalTerminate =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate";
inline constexpr std::string_view kSignalCtrlC =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c";
inline constexpr std::string_view kStateDone =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done";
inline constexpr std::string_view kStateRunning =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running";

// The Receive that found no output within OperationTimeout: not an error, Receive again.
inline constexpr std::string_view kFaultOperationTimeout = "2150858793";
inline constexpr size_t kDefaultMaxEnvelopeSize = 153600;

// A new "XXXXXXXX-XXXX-4XXX-YXXX-XXXXXXXXXXXX" in upper case, as Windows writes them.
[[nodiscard]] std::string new_uuid();

// "PT20S" for 20 s; and back ("PT7200.000S", "PT60S"; nullopt when not of that form).
[[nodiscard]] std::string duration_text(std::chrono::seconds seconds);
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

struct Option {
  std::string name, value;
  bool must_comply = false;  // MustComply="true" (WINRS_NOPROFILE)
  friend bool operator==(const Option&, const Option&) = default;
};

// The header every request carries (besides Action and the ShellId selector).
struct Addressing {
  std::string to;          // the endpoint URL
  std::string message_id;  // "uuid:..."; empty: a new one
  std::chrono::seconds operation_timeout{20};
  size_t max_envelope_size = kDefaultMaxEnvelopeSize;
  std::string locale = "en-US";
  std::string resource_uri = std::string(kCmdResourceUri);
};

// The body of a Create, and its options.
struct ShellSettings {
  std::string input_streams = "stdin";
  std::string output_streams = "stdout stderr";
  std::vector<std::pair<std::string, std::string>> environment;  // rsp:Environment/rsp:Variable
  std::string working_directory;
  std::optional<std::chrono::seconds> idle_timeout, lifetime;
  std::string name;
  bool no_profile = false;      // WINRS_NOPROFILE TRUE (MustComply)
  std::optional<int> codepage;  // WINRS_CODEPAGE (65001: UTF-8)
  // PSRP: the RunspacePool id the client chose (rsp:Shell/@ShellId), the base64 fragments of
  // SESSION_CAPABILITY and INIT_RUNSPACEPOOL (creationXml), and the protocolversion option.
  std::string shell_id;
  std::string creation_xml;
  std::string protocol_version;
};

struct CommandFlags {
  bool skip_cmd_shell = false;            // WINRS_SKIP_CMD_SHELL
  std::optional<bool> consolemode_stdin;  // WINRS_CONSOLEMODE_STDIN; nullopt: not sent
  std::string command_id;                 // PSRP: the pipeline id the client chose, or empty
};

// ---- The client: requests -------------------------------------------------------------------

[[nodiscard]] std::string create_request(const Addressing& addressing, const ShellSettings& shell);
[[nodiscard]] std::string command_request(const Addressing& addressing, std::string_view shell_id,
                                          std::string_view command,
                                          const std::vector<std::string>& arguments,
                                          const CommandFlags& flags);
// `bytes` base64-encoded into rsp:Stream Name="stdin"; End="true" when `end`; no CommandId
// attribute when `command_id` is empty.
[[nodiscard]] std::string send_request(const Addressing& addressing, std::string_view shell_id,
                                       std::string_view command_id, std::string_view bytes,
                                       bool end);
// An empty `command_id` leaves the CommandId attribute out (the whole shell's output; with an
// empty `command_id` a Send goes to the shell itself, as PSRP's pool messages do).
[[nodiscard]] std::string receive_request(const Addressing& addressing, std::string_view shell_id,
                                          std::string_view command_id,
                                          std::string_view streams = "stdout stderr");
[[nodiscard]] std::string signal_request(const Addressing& addressing, std::string_view shell_id,
                                         std::string_view command_id, std::string_view code);
[[nodiscard]] std::string delete_request(const Addressing& addressing, std::string_view shell_id);

// ---- The client: responses ------------------------------------------------------------------

// A SOAP 1.2 fault with its wsmanfault:WSManFault detail.
struct Fault {
  std::string code;          // s:Code/s:Value, e.g. "s:Receiver"
  std::string subcode;       // s:Subcode/s:Value, e.g. "w:TimedOut"
  std::string reason;        // s:Reason/s:Text, trimmed
  std::string wsman_code;    // WSManFault/@Code, e.g. "2150858793"; empty when no detail
  std::string machine;       // WSManFault/@Machine
  std::string message;       // WSManFault/Message text (ProviderFault's text included), trimmed
  std::string fault_detail;  // w:FaultDetail URI, or empty
  std::string provider, provider_path;  // ProviderFault/@provider, @path, or empty
};
// One line: "<message> (WSManFault <code>)", or "<reason> (<subcode or code>)" without detail.
[[nodiscard]] std::string describe(const Fault& fault);

// The fault in `response_body` when it is a SOAP 1.2 fault; nullopt otherwise (also when it is
// not XML at all: the parse functions below say what is wrong with it).
[[nodiscard]] std::optional<Fault> read_fault(std::string_view response_body);

// Each parse function refuses a fault with describe(fault) as the message, and a malformed
// response with what is wrong ("the Create response has no ShellId", "... is not XML: ...").
[[nodiscard]] Result<std::string> parse_create_response(std::string_view body);   // the ShellId
[[nodiscard]] Result<std::string> parse_command_response(std::string_view body);  // CommandId
[[nodiscard]] Status parse_empty_response(std::string_view body, std::string_view operation);

struct ReceiveOutput {
  std::string stdout_bytes, stderr_bytes;  // base64-decoded and concatenated in order
  bool stdout_ended = false, stderr_ended = false;
  bool done = false;                 // CommandState Done
  std::optional<int64_t> exit_code;  // with Done
  bool timed_out = false;            // the fault 2150858793: nothing yet, Receive again
};
// Streams of another command than `command_id` (when it is not empty) are an error.
[[nodiscard]] Result<ReceiveOutput> parse_receive_response(std::string_view body,
                                                           std::string_view command_id);

// ---- The host (the lab): requests ------------------------------------------------------------

struct Request {
  std::string action, message_id, to, resource_uri;
  std::string shell_id;  // the ShellId selector, or empty
  std::vector<Option> options;
  std::optional<std::chrono::milliseconds> operation_timeout;
  size_t max_envelope_size = kDefaultMaxEnvelopeSize;
  ShellSettings shell;  // Create (options folded in too)
  std::string command;  // Command
  std::vector<std::string> arguments;
  std::string command_id;                 // Send, Receive, Signal; Command (PSRP: chosen)
  std::string stream_name, stream_bytes;  // Send (decoded)
  bool stream_end = false;
  std::string desired_streams;  // Receive
  std::string signal_code;      // Signal
  // The option value by name (case-sensitive, as Windows), or nullopt.
  [[nodiscard]] std::optional<std::string> option(std::string_view name) const;
};
// Errors: "the request is not XML: ...", "the request has no wsa:Action", "the Send stream is
// not base64", ... (the lab answers them with a fault).
[[nodiscard]] Result<Request> parse_request(std::string_view body);

// ---- The host (the lab): responses -----------------------------------------------------------

struct CreatedShell {
  std::string shell_id, address, owner, client_ip;
  ShellSettings shell;
  std::string resource_uri = std::string(kCmdResourceUri);
};
[[nodiscard]] std::string create_response(std::string_view relates_to, const CreatedShell& shell);
[[nodiscard]] std::string command_response(std::string_view relates_to,
                                           std::string_view command_id);
[[nodiscard]] std::string send_response(std::string_view relates_to);
[[nodiscard]] std::string signal_response(std::string_view relates_to);
[[nodiscard]] std::string delete_response(std::string_view relates_to);

struct StreamChunk {
  std::string name;  // stdout or stderr
  std::string bytes;
  bool end = false;
};
// Streams in order, then CommandState (Done with the exit code when `exit_code` is set, else
// Running). With an empty `command_id` (the shell's own output, as PSRP's pool messages): no
// CommandId attributes and no CommandState.
[[nodiscard]] std::string receive_response(std::string_view relates_to, std::string_view command_id,
                                           const std::vector<StreamChunk>& streams,
                                           std::optional<int64_t> exit_code);
// Bytes a ReceiveResponse needs besides the base64 of its streams (for chunking).
[[nodiscard]] size_t receive_response_overhead(std::string_view relates_to,
                                               std::string_view command_id, size_t streams);

[[nodiscard]] std::string fault_response(std::string_view relates_to, const Fault& fault);

}  // namespace sd::wsman
