// PSRP messages (MS-PSRP 2.2.1): Destination and MessageType (u32, little-endian, unlike the
// fragment header), the RunspacePool and pipeline ids as .NET writes a Guid (its first three
// fields little-endian), then the data: a UTF-8 BOM and one CLIXML object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace sd::psrp {

enum class Destination : uint32_t { Client = 1, Server = 2 };

enum class MessageType : uint32_t {
  SessionCapability = 0x00010002,
  InitRunspacePool = 0x00010004,
  PublicKey = 0x00010005,
  EncryptedSessionKey = 0x00010006,
  PublicKeyRequest = 0x00010007,
  ConnectRunspacePool = 0x00010008,
  SetMaxRunspaces = 0x00021002,
  SetMinRunspaces = 0x00021003,
  RunspaceAvailability = 0x00021004,
  RunspacePoolState = 0x00021005,
  CreatePipeline = 0x00021006,
  GetAvailableRunspaces = 0x00021007,
  UserEvent = 0x00021008,
  ApplicationPrivateData = 0x00021009,
  GetCommandMetadata = 0x0002100A,
  RunspacePoolInitData = 0x0002100B,
  ResetRunspaceState = 0x0002100C,
  RunspacePoolHostCall = 0x00021100,
  RunspacePoolHostResponse = 0x00021101,
  PipelineInput = 0x00041002,
  EndOfPipelineInput = 0x00041003,
  PipelineOutput = 0x00041004,
  ErrorRecord = 0x00041005,
  PipelineState = 0x00041006,
  DebugRecord = 0x00041007,
  VerboseRecord = 0x00041008,
  WarningRecord = 0x00041009,
  ProgressRecord = 0x00041010,
  InformationRecord = 0x00041011,
  PipelineHostCall = 0x00041100,
  PipelineHostResponse = 0x00041101,
};

// "PIPELINE_OUTPUT" for MessageType::PipelineOutput; "0x00012345" for a type not listed.
[[nodiscard]] std::string message_type_name(uint32_t type);

inline constexpr std::string_view kNilGuid = "00000000-0000-0000-0000-000000000000";

struct Message {
  Destination destination = Destination::Server;
  MessageType type = MessageType::SessionCapability;
  std::string runspace_pool_id;  // "XXXXXXXX-XXXX-...", upper case
  std::string pipeline_id = std::string(kNilGuid);
  std::string data;  // the CLIXML, without the BOM; empty for messages with no data
  friend bool operator==(const Message&, const Message&) = default;
};

// The bytes of `message` (header, BOM and data; no BOM when the data is empty, as
// END_OF_PIPELINE_INPUT). Ids that are not GUIDs are written as the nil GUID: they are ours.
[[nodiscard]] std::string encode_message(const Message& message);

// Errors: shorter than the 40-byte header, a destination that is neither 1 nor 2. An unknown
// message type is kept as it is (message_type_name says so): what to do with it is the reader's.
[[nodiscard]] Result<Message> decode_message(std::string_view bytes);

// The 16 bytes .NET's Guid.ToByteArray gives for `text`, and back; nullopt-like empty string
// for text that is not a GUID.
[[nodiscard]] std::string guid_bytes(std::string_view text);
[[nodiscard]] std::string guid_text(std::string_view bytes);

}  // namespace sd::psrp
