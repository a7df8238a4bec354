#include "protocol/psrp/pool_messages.h"

#include <array>
#include <utility>

namespace sd::psrp {
namespace {

std::string text_of(const Value* value) {
  return value && !value->is_nil() ? value->display() : std::string();
}

template <size_t N>
std::string state_name(const std::array<std::string_view, N>& names, int32_t state) {
  if (state >= 0 && static_cast<size_t>(state) < names.size()) return std::string(names[state]);
  return "state " + std::to_string(state);
}

}  // namespace

Value session_capability_value(std::string_view protocol_version) {
  return Value::object({
      {"protocolversion", Value::primitive("Version", protocol_version)},
      {"PSVersion", Value::primitive("Version", "2.0")},
      {"SerializationVersion", Value::primitive("Version", "1.1.0.1")},
  });
}

Result<std::string> read_protocol_version(const Value& data) {
  const Value* version = data.property("protocolversion");
  if (!version || version->tag != "Version" || version->text.empty())
    return make_error("SESSION_CAPABILITY states no protocolversion");
  return version->text;
}

Value apartment_state_value() {
  return Value::enumeration("System.Management.Automation.Runspaces.ApartmentState", "UNKNOWN", 2);
}

Value no_host_value() {
  return Value::object({
      {"_isHostNull", Value::boolean(true)},
      {"_isHostUINull", Value::boolean(true)},
      {"_isHostRawUINull", Value::boolean(true)},
      {"_useRunspaceHost", Value::boolean(true)},
  });
}

Value init_runspace_pool_value() {
  return Value::object({
      {"MinRunspaces", Value::i32(1)},
      {"MaxRunspaces", Value::i32(1)},
      {"PSThreadOptions",
       Value::enumeration("System.Management.Automation.Runspaces.PSThreadOptions", "Default", 0)},
      {"ApartmentState", apartment_state_value()},
      {"HostInfo", no_host_value()},
      {"ApplicationArguments", Value::nil()},
  });
}

Value public_key_value(std::string_view base64_blob) {
  return Value::object({{"PublicKey", Value::string(base64_blob)}});
}

Result<std::string> read_encrypted_session_key(const Value& data) {
  const Value* key = data.property("EncryptedSessionKey");
  if (!key || key->tag != "S" || key->text.empty())
    return make_error("ENCRYPTED_SESSION_KEY holds no EncryptedSessionKey");
  return key->text;
}

std::string ErrorRecordText::line() const {
  std::string out = command.empty() ? message : command + " : " + message;
  std::string details = category;
  if (!error_id.empty()) details += (details.empty() ? "" : "; ") + error_id;
  if (!details.empty()) out += " (" + details + ")";
  return out;
}

ErrorRecordText read_error_record(const Value& record) {
  ErrorRecordText text;
  if (const Value* exception = record.property("Exception"))
    text.message = text_of(exception->property("Message"));
  if (text.message.empty()) text.message = text_of(record.property("ErrorDetails_Message"));
  if (text.message.empty()) text.message = record.display();
  if (const Value* invocation = record.property("InvocationInfo"))
    text.command = text_of(invocation->property("MyCommand"));
  // A script's InvocationInfo names the whole script: only a cmdlet's name is worth repeating.
  if (text.command.find_first_of(" ;\n") != std::string::npos) text.command.clear();
  text.category = text_of(record.property("ErrorCategory_Message"));
  text.error_id = text_of(record.property("FullyQualifiedErrorId"));
  text.target = text_of(record.property("ErrorCategory_TargetName"));
  return text;
}

Result<StateChange> read_state(const Value& data, std::string_view property) {
  const Value* state = data.property(property);
  std::optional<int64_t> number = state ? state->as_integer() : std::nullopt;
  if (!number || *number < INT32_MIN || *number > INT32_MAX)
    return make_error("the state message has no " + std::string(property));
  StateChange change;
  change.state = static_cast<int32_t>(*number);
  if (const Value* reason = data.property("ExceptionAsErrorRecord"); reason && !reason->is_nil())
    change.reason = read_error_record(*reason);
  return change;
}

std::string pool_state_name(int32_t state) {
  static constexpr std::array<std::string_view, 10> kNames{
      "BeforeOpen", "Opening",     "Opened",          "Closed",
      "Closing",    "Broken",      "NegotiationSent", "NegotiationSucceeded",
      "Connecting", "Disconnected"};
  return state_name(kNames, state);
}

std::string pipeline_state_name(int32_t state) {
  static constexpr std::array<std::string_view, 7> kNames{
      "NotStarted", "Running", "Stopping", "Stopped", "Completed", "Failed", "Disconnected"};
  return state_name(kNames, state);
}

std::string read_informational_text(const Value& record) {
  if (const Value* message = record.property("InformationalRecord_Message"))
    return text_of(message);
  if (const Value* data = record.property("MessageData")) return text_of(data);
  return record.display();
}

}  // namespace sd::psrp
