// The EWS responses the client reads (protocol/ews_messages.h) through the one SOAP layer
// (protocol/soap.h): GetFolder, FindFolder, CreateFolder and ResolveNames, each as a 200 and as
// a 500 (a fault may come on either). A body that is not what was asked for is an Error that
// says why; none crashes, hangs or grows without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/ews_messages.h"
#include "protocol/soap.h"

namespace {

template <class Item>
void look_at(const sd::Result<sd::ews::Response<Item>>& response) {
  if (!response.ok()) {
    for (const sd::Error& error : response.errors()) (void)error.format();
    return;
  }
  if (response->fault) {
    (void)sd::ews::explain(*response->fault);
    (void)sd::ews::classify(response->fault->code);
  }
  for (const Item& item : response->items)
    if (!item.ok) (void)sd::ews::explain(item.error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (int status : {200, 500}) {
    look_at(sd::ews::parse_get_folder_response(status, body, 1 + size % 4));
    look_at(sd::ews::parse_find_folder_response(status, body));
    look_at(sd::ews::parse_create_folder_response(status, body));
    look_at(sd::ews::parse_resolve_names_response(status, body));
  }
  // The SOAP layer alone, as the lab reads requests with it.
  if (auto envelope = sd::soap::parse_envelope(body); envelope.ok()) {
    if (auto fault = sd::soap::read_fault((*envelope)->body)) (void)sd::soap::fault_body(*fault);
  }
  return 0;
}
