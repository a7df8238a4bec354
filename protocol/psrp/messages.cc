#include "protocol/psrp/messages.h"

#include <array>
#include <cstdio>
#include <utility>

#include "protocol/psrp/byte_order.h"

namespace sd::psrp {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr size_t kHeaderSize = 40;

constexpr std::array<std::pair<MessageType, std::string_view>, 31> kNames{{
    {MessageType::SessionCapability, "SESSION_CAPABILITY"},
    {MessageType::InitRunspacePool, "INIT_RUNSPACEPOOL"},
    {MessageType::PublicKey, "PUBLIC_KEY"},
    {MessageType::EncryptedSessionKey, "ENCRYPTED_SESSION_KEY"},
    {MessageType::PublicKeyRequest, "PUBLIC_KEY_REQUEST"},
    {MessageType::ConnectRunspacePool, "CONNECT_RUNSPACEPOOL"},
    {MessageType::SetMaxRunspaces, "SET_MAX_RUNSPACES"},
    {MessageType::SetMinRunspaces, "SET_MIN_RUNSPACES"},
    {MessageType::RunspaceAvailability, "RUNSPACE_AVAILABILITY"},
    {MessageType::RunspacePoolState, "RUNSPACEPOOL_STATE"},
    {MessageType::CreatePipeline, "CREATE_PIPELINE"},
    {MessageType::GetAvailableRunspaces, "GET_AVAILABLE_RUNSPACES"},
    {MessageType::UserEvent, "USER_EVENT"},
    {MessageType::ApplicationPrivateData, "APPLICATION_PRIVATE_DATA"},
    {MessageType::GetCommandMetadata, "GET_COMMAND_METADATA"},
    {MessageType::RunspacePoolInitData, "RUNSPACEPOOL_INIT_DATA"},
    {MessageType::ResetRunspaceState, "RESET_RUNSPACE_STATE"},
    {MessageType::RunspacePoolHostCall, "RUNSPACEPOOL_HOST_CALL"},
    {MessageType::RunspacePoolHostResponse, "RUNSPACEPOOL_HOST_RESPONSE"},
    {MessageType::PipelineInput, "PIPELINE_INPUT"},
    {MessageType::EndOfPipelineInput, "END_OF_PIPELINE_INPUT"},
    {MessageType::PipelineOutput, "PIPELINE_OUTPUT"},
    {MessageType::ErrorRecord, "ERROR_RECORD"},
    {MessageType::PipelineState, "PIPELINE_STATE"},
    {MessageType::DebugRecord, "DEBUG_RECORD"},
    {MessageType::VerboseRecord, "VERBOSE_RECORD"},
    {MessageType::WarningRecord, "WARNING_RECORD"},
    {MessageType::ProgressRecord, "PROGRESS_RECORD"},
    {MessageType::InformationRecord, "INFORMATION_RECORD"},
    {MessageType::PipelineHostCall, "PIPELINE_HOST_CALL"},
    {MessageType::PipelineHostResponse, "PIPELINE_HOST_RESPONSE"},
}};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The GUID's 16 bytes in text order ("00112233-4455-..." -> 00 11 22 33 44 55 ...), or "".
std::string text_order_bytes(std::string_view text) {
  if (text.size() != 36) return {};
  std::string bytes;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i++] != '-') return {};
      continue;
    }
    const int high = hex_digit(text[i]), low = hex_digit(text[i + 1]);
    if (high < 0 || low < 0) return {};
    bytes += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return bytes;
}

// Guid.ToByteArray's order from text order and back: the first three fields reversed.
std::string swap_guid_fields(std::string bytes) {
  std::swap(bytes[0], bytes[3]);
  std::swap(bytes[1], bytes[2]);
  std::swap(bytes[4], bytes[5]);
  std::swap(bytes[6], bytes[7]);
  return bytes;
}

}  // namespace

std::string message_type_name(uint32_t type) {
  for (const auto& [known, name] : kNames)
    if (static_cast<uint32_t>(known) == type) return std::string(name);
  char text[16];
  std::snprintf(text, sizeof text, "0x%08X", type);
  return text;
}

std::string guid_bytes(std::string_view text) {
  std::string bytes = text_order_bytes(text);
  return bytes.empty() ? bytes : swap_guid_fields(std::move(bytes));
}

std::string guid_text(std::string_view bytes) {
  if (bytes.size() != 16) return {};
  const std::string ordered = swap_guid_fields(std::string(bytes));
  std::string text;
  char digits[3];
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    std::snprintf(digits, sizeof digits, "%02X", static_cast<unsigned char>(ordered[i]));
    text += digits;
  }
  return text;
}

std::string encode_message(const Message& message) {
  std::string out;
  out.reserve(kHeaderSize + kBom.size() + message.data.size());
  put_little_endian(out, static_cast<uint32_t>(message.destination), 4);
  put_little_endian(out, static_cast<uint32_t>(message.type), 4);
  for (const std::string& id : {message.runspace_pool_id, message.pipeline_id}) {
    std::string bytes = guid_bytes(id);
    out += bytes.empty() ? std::string(16, '\0') : bytes;
  }
  if (!message.data.empty()) {
    out += kBom;
    out += message.data;
  }
  return out;
}

Result<Message> decode_message(std::string_view bytes) {
  if (bytes.size() < kHeaderSize)
    return make_error("PSRP: a message of " + std::to_string(bytes.size()) +
                      " bytes is shorter than its 40-byte header");
  const uint32_t destination = static_cast<uint32_t>(read_little_endian(bytes.substr(0, 4)));
  if (destination != 1 && destination != 2)
    return make_error("PSRP: a message's destination is " + std::to_string(destination) +
                      ", neither 1 (client) nor 2 (server)");
  Message message;
  message.destination = static_cast<Destination>(destination);
  message.type =
      static_cast<MessageType>(static_cast<uint32_t>(read_little_endian(bytes.substr(4, 4))));
  message.runspace_pool_id = guid_text(bytes.substr(8, 16));
  message.pipeline_id = guid_text(bytes.substr(24, 16));
  std::string_view data = bytes.substr(kHeaderSize);
  if (data.substr(0, kBom.size()) == kBom) data.remove_prefix(kBom.size());
  message.data = std::string(data);
  return message;
}

}  // namespace sd::psrp
