// SOAP 1.1 envelopes, written and read: the one SOAP layer. The runtime's EWS client writes
// requests and reads responses with it; the lab reads requests and writes responses with it.
// Pure: text in, text out. Facts: ../shared/reference/exchange-protocols.md §3.0, §3.e.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "base/error.h"

namespace sd::soap {

// Exact namespace URIs (real servers use http://, whatever newer documentation prints).
inline constexpr std::string_view kEnvelopeNs = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr std::string_view kTypesNs =
    "http://schemas.microsoft.com/exchange/services/2006/types";
inline constexpr std::string_view kMessagesNs =
    "http://schemas.microsoft.com/exchange/services/2006/messages";
inline constexpr std::string_view kErrorsNs =
    "http://schemas.microsoft.com/exchange/services/2006/errors";
// SOAP 1.2, which WS-Management (WinRM) speaks (reference §4.1).
inline constexpr std::string_view kEnvelope12Ns = "http://www.w3.org/2003/05/soap-envelope";

// Escapes text for an XML element or a double-quoted attribute (& < > " '). Characters XML 1.0
// cannot carry at all (controls other than tab, CR, LF) are replaced with U+FFFD, so a hostile
// value can never produce a malformed document.
[[nodiscard]] std::string xml_escape(std::string_view text);

// `<soap:Envelope xmlns:soap xmlns:t xmlns:m><soap:Header>header</soap:Header><soap:Body>body
// </soap:Body></soap:Envelope>` with an XML declaration. `header_xml` and `body_xml` are
// fragments that use the t: and m: prefixes; an empty header leaves soap:Header out.
[[nodiscard]] std::string envelope(std::string_view header_xml, std::string_view body_xml);

// A parsed envelope. Elements are matched by namespace URI and local name, never by prefix.
struct Envelope {
  pugi::xml_document doc;
  pugi::xml_node header;  // the Header element, or empty
  pugi::xml_node body;    // the first element child of Body (the operation, or Fault)
};

// Parses `text` as a SOAP 1.1 envelope. Errors (exactly one): "the response is not XML: <pugixml
// description> at byte N", "the response is not a SOAP envelope (root element <x>)", "the SOAP
// envelope has no Body", "the SOAP Body is empty". Bodies larger than `max_bytes` are refused
// before parsing ("the response is too large (N bytes; the limit is M)").
[[nodiscard]] Result<std::unique_ptr<Envelope>> parse_envelope(std::string_view text,
                                                               size_t max_bytes = 64u << 20);
// The same for a SOAP 1.2 envelope (kEnvelope12Ns), with the same errors, except that an empty
// Body is allowed (a WS-Management Delete and its response have one): `body` is then empty.
[[nodiscard]] Result<std::unique_ptr<Envelope>> parse_envelope_12(std::string_view text,
                                                                  size_t max_bytes = 64u << 20);

// The namespace URI of `node` (resolving its prefix through its ancestors) and its local name.
[[nodiscard]] std::string_view namespace_of(pugi::xml_node node);
[[nodiscard]] std::string_view local_name(pugi::xml_node node);
// First element child of `parent` with that namespace and local name, or empty.
[[nodiscard]] pugi::xml_node child(pugi::xml_node parent, std::string_view ns,
                                   std::string_view local);

// A SOAP fault as Exchange sends it (HTTP 500, or 200 from some servers):
// faultcode `a:ErrorServerBusy` (QName; prefix declared on the element itself), faultstring,
// detail/e:ResponseCode, e:Message and MessageXml/Value[@Name] in t:, m: or e: namespaces.
struct Fault {
  std::string code;     // "ErrorServerBusy": the ResponseCode, else faultcode's local part
  std::string message;  // faultstring, else detail Message
  std::map<std::string, std::string, std::less<>> values;  // MessageXml Value Name -> text
};

// The fault when `body` (Envelope::body) is a soap:Fault; nullopt otherwise.
[[nodiscard]] std::optional<Fault> read_fault(pugi::xml_node body);

// The Body child for a fault in Exchange's shape (for the lab): faultcode with the a: prefix
// declared on it, faultstring xml:lang="en-US", detail with e:ResponseCode, e:Message and, when
// `values` is not empty, t:MessageXml/t:Value elements.
[[nodiscard]] std::string fault_body(const Fault& fault);

// Reads Value[@Name=name] below a MessageXml element in any of the t:, m:, e: namespaces.
[[nodiscard]] std::optional<std::string> message_xml_value(pugi::xml_node message_xml_parent,
                                                           std::string_view name);

}  // namespace sd::soap
