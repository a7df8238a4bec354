// WS-Management (protocol/wsman.h): the WinRS host's responses and faults as the client reads
// them (Create, Command, Receive, Delete and Signal's empty ones), and the requests as the lab's
// host reads them; and message encryption's framing (protocol/wsman_encryption.h), as both read
// a sealed body. Any body gives a value or an Error that says what is wrong; nothing crashes,
// hangs or grows without bound: the parts together are never larger than the body, their plain
// text never past the limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/wsman.h"
#include "protocol/wsman_encryption.h"

namespace {

template <class T>
void look_at(const sd::Result<T>& result) {
  if (!result.ok())
    for (const sd::Error& error : result.errors()) (void)error.format();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto fault = sd::wsman::read_fault(body)) (void)sd::wsman::describe(*fault);
  look_at(sd::wsman::parse_create_response(body));
  look_at(sd::wsman::parse_command_response(body));
  look_at(sd::wsman::parse_empty_response(body, "Delete"));
  look_at(sd::wsman::parse_receive_response(body, ""));
  look_at(sd::wsman::parse_receive_response(body, "CF84C20A-0A35-43FA-AF78-0B4711DA5F30"));
  sd::Result<sd::wsman::Request> request = sd::wsman::parse_request(body);
  look_at(request);
  if (request.ok()) (void)request->option("WINRS_CODEPAGE");
  constexpr size_t kPlainLimit = 1 << 16;
  for (size_t parts : {1, 2}) {
    auto sealed = sd::wsman::parse_encrypted_body(sd::wsman::encrypted_content_type(parts), body,
                                                  kPlainLimit);
    look_at(sealed);
    if (!sealed.ok()) continue;
    size_t bytes = 0, plain = 0;
    for (const sd::wsman::SealedPart& part : *sealed) {
      bytes += part.header.size() + part.data.size();
      plain += part.plain_length;
    }
    if (bytes > size || plain > kPlainLimit) __builtin_trap();
  }
  return 0;
}
