// What a PSRP server sends in Receive streams (protocol/psrp/): fragments put back together,
// message headers, and the CLIXML of each message read into values, then the readers of the
// client (states, error and informational records, the session key). The first byte picks how
// the bytes are cut into Receives. Checks besides: what parse_clixml accepts, write_clixml
// writes back into text that reads back the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/psrp/clixml_value.h"
#include "protocol/psrp/fragments.h"
#include "protocol/psrp/messages.h"
#include "protocol/psrp/pipeline.h"
#include "protocol/psrp/pool_messages.h"

namespace {

void read_message(std::string_view bytes) {
  sd::Result<sd::psrp::Message> message = sd::psrp::decode_message(bytes);
  if (!message) return;
  sd::Result<sd::psrp::Value> value = sd::psrp::parse_clixml(message->data);
  if (!value) return;
  sd::Result<sd::psrp::Value> again = sd::psrp::parse_clixml(sd::psrp::write_clixml(*value));
  if (!again || !(*again == *value)) std::abort();
  (void)sd::psrp::read_state(*value, "PipelineState");
  (void)sd::psrp::read_state(*value, "RunspaceState");
  (void)sd::psrp::read_error_record(*value).line();
  (void)sd::psrp::read_informational_text(*value);
  (void)sd::psrp::read_protocol_version(*value);
  (void)sd::psrp::read_encrypted_session_key(*value);
  (void)sd::psrp::read_create_pipeline(*value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = data[0] == 0 ? size : data[0];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  sd::psrp::Reassembler stream(1u << 20);
  while (!bytes.empty()) {
    const std::string_view part = bytes.substr(0, piece);
    bytes.remove_prefix(part.size());
    sd::Result<std::vector<std::string>> messages = stream.feed(part);
    if (!messages) return 0;
    for (const std::string& message : *messages) read_message(message);
  }
  return 0;
}
