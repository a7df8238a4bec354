// WS-Management (protocol/wsman.h): the WinRS host's responses and faults as the client reads
// them (Create, Command, Receive, Delete and Signal's empty ones), and the requests as the lab's
// host reads them. Any body gives a value or an Error that says what is wrong; nothing crashes,
// hangs or grows without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/wsman.h"

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
  return 0;
}
