#include "protocol/soap.h"

#include <cstdint>

namespace sd::soap {
namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Length of the valid UTF-8 sequence at text[i] (2..4), or 0 when the bytes there are not one
// (stray continuation byte, truncated, overlong, surrogate, above U+10FFFF). Sets `code_point`.
size_t utf8_sequence(std::string_view text, size_t i, uint32_t& code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  uint32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min = 0x80, code_point = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min = 0x800, code_point = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min = 0x10000, code_point = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3Fu);
  }
  if (code_point < min || code_point > 0x10FFFF) return 0;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return 0;
  return length;
}

std::string_view prefix_of(std::string_view qualified_name) {
  const size_t colon = qualified_name.find(':');
  return colon == std::string_view::npos ? std::string_view{} : qualified_name.substr(0, colon);
}

// Whether `node` is in one of the EWS namespaces (t:, m:, e:).
bool in_ews_namespace(pugi::xml_node node) {
  const std::string_view ns = namespace_of(node);
  return ns == kTypesNs || ns == kMessagesNs || ns == kErrorsNs;
}

pugi::xml_node child_by_local_name(pugi::xml_node parent, std::string_view local) {
  for (pugi::xml_node node : parent.children())
    if (node.type() == pugi::node_element && local_name(node) == local) return node;
  return {};
}

std::string trimmed_text(pugi::xml_node node) {
  std::string text = node.child_value();
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const size_t last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// "s:Envelope", plus where it lives when that is not a namespace syncdeploy knows.
std::string describe_root(pugi::xml_node root, std::string_view envelope_ns) {
  std::string text = root.name();
  const std::string_view ns = namespace_of(root);
  if (ns.empty())
    text += " without a namespace";
  else if (ns != envelope_ns)
    text += " in namespace " + std::string(ns);
  return text;
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        // As character references so that attribute-value normalization keeps them.
        case '\t':
          out += "&#9;";
          break;
        case '\n':
          out += "&#10;";
          break;
        case '\r':
          out += "&#13;";
          break;
        default:
          if (c < 0x20)
            out += kReplacementChar;
          else
            out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    uint32_t code_point = 0;
    const size_t length = utf8_sequence(text, i, code_point);
    if (length == 0) {
      out += kReplacementChar;  // one replacement per byte that is not UTF-8
      ++i;
    } else if (code_point == 0xFFFE || code_point == 0xFFFF) {
      out += kReplacementChar;  // not XML characters
      i += length;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string envelope(std::string_view header_xml, std::string_view body_xml) {
  std::string out;
  out.reserve(header_xml.size() + body_xml.size() + 400);
  out += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<soap:Envelope xmlns:soap=\"";
  out += kEnvelopeNs;
  out += "\" xmlns:t=\"";
  out += kTypesNs;
  out += "\" xmlns:m=\"";
  out += kMessagesNs;
  out += "\">";
  if (!header_xml.empty()) {
    out += "<soap:Header>";
    out += header_xml;
    out += "</soap:Header>";
  }
  out += "<soap:Body>";
  out += body_xml;
  out += "</soap:Body></soap:Envelope>\n";
  return out;
}

namespace {

// SOAP 1.1 and 1.2 envelopes differ here only in the namespace and in whether a Body may be empty.
Result<std::unique_ptr<Envelope>> parse_any_envelope(std::string_view text, size_t max_bytes,
                                                     std::string_view envelope_ns,
                                                     bool empty_body_allowed) {
  if (text.size() > max_bytes)
    return make_error("the response is too large (" + std::to_string(text.size()) +
                      " bytes; the limit is " + std::to_string(max_bytes) + ")");
  try {
    auto parsed = std::make_unique<Envelope>();
    const pugi::xml_parse_result result =
        parsed->doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!result)
      return make_error(std::string("the response is not XML: ") + result.description() +
                        " at byte " + std::to_string(result.offset));
    const pugi::xml_node root = parsed->doc.document_element();
    if (namespace_of(root) != envelope_ns || local_name(root) != "Envelope")
      return make_error("the response is not a SOAP envelope (root element " +
                        describe_root(root, envelope_ns) + ")");
    parsed->header = child(root, envelope_ns, "Header");
    const pugi::xml_node body = child(root, envelope_ns, "Body");
    if (!body) return make_error("the SOAP envelope has no Body");
    for (pugi::xml_node node : body.children()) {
      if (node.type() == pugi::node_element) {
        parsed->body = node;
        break;
      }
    }
    if (!parsed->body && !empty_body_allowed) return make_error("the SOAP Body is empty");
    return parsed;
  } catch (const std::exception& e) {  // allocation failure on a huge document
    return make_error(std::string("cannot read the response: ") + e.what());
  }
}

}  // namespace

Result<std::unique_ptr<Envelope>> parse_envelope(std::string_view text, size_t max_bytes) {
  return parse_any_envelope(text, max_bytes, kEnvelopeNs, false);
}

Result<std::unique_ptr<Envelope>> parse_envelope_12(std::string_view text, size_t max_bytes) {
  return parse_any_envelope(text, max_bytes, kEnvelope12Ns, true);
}

std::string_view namespace_of(pugi::xml_node node) {
  const std::string_view prefix = prefix_of(node.name());
  if (prefix == "xml") return "http://www.w3.org/XML/1998/namespace";
  const std::string attribute = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node scope = node; scope && scope.type() == pugi::node_element;
       scope = scope.parent()) {
    if (pugi::xml_attribute declaration = scope.attribute(attribute.c_str()))
      return declaration.value();
  }
  return {};
}

std::string_view local_name(pugi::xml_node node) {
  const std::string_view name = node.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node parent, std::string_view ns, std::string_view local) {
  for (pugi::xml_node node : parent.children()) {
    if (node.type() == pugi::node_element && local_name(node) == local && namespace_of(node) == ns)
      return node;
  }
  return {};
}

std::optional<std::string> message_xml_value(pugi::xml_node message_xml_parent,
                                             std::string_view name) {
  for (pugi::xml_node message_xml : message_xml_parent.children()) {
    if (message_xml.type() != pugi::node_element || local_name(message_xml) != "MessageXml" ||
        !in_ews_namespace(message_xml))
      continue;
    for (pugi::xml_node value : message_xml.children()) {
      if (value.type() == pugi::node_element && local_name(value) == "Value" &&
          value.attribute("Name").value() == name)
        return trimmed_text(value);
    }
  }
  return std::nullopt;
}

std::optional<Fault> read_fault(pugi::xml_node body) {
  if (local_name(body) != "Fault" || namespace_of(body) != kEnvelopeNs) return std::nullopt;
  // faultcode, faultstring and detail are unqualified in SOAP 1.1; Exchange's detail children are
  // e:-qualified. Real servers differ in prefixes, so everything here goes by local name.
  Fault fault;
  const pugi::xml_node detail = child_by_local_name(body, "detail");
  if (pugi::xml_node code = child_by_local_name(detail, "ResponseCode"))
    fault.code = trimmed_text(code);
  if (fault.code.empty()) {
    const std::string qualified = trimmed_text(child_by_local_name(body, "faultcode"));
    const size_t colon = qualified.find(':');
    fault.code = colon == std::string::npos ? qualified : qualified.substr(colon + 1);
  }
  fault.message = trimmed_text(child_by_local_name(body, "faultstring"));
  if (fault.message.empty()) fault.message = trimmed_text(child_by_local_name(detail, "Message"));
  for (pugi::xml_node message_xml : detail.children()) {
    if (message_xml.type() != pugi::node_element || local_name(message_xml) != "MessageXml")
      continue;
    for (pugi::xml_node value : message_xml.children()) {
      if (value.type() == pugi::node_element && local_name(value) == "Value" &&
          value.attribute("Name"))
        fault.values.emplace(value.attribute("Name").value(), trimmed_text(value));
    }
  }
  return fault;
}

std::string fault_body(const Fault& fault) {
  const std::string code = xml_escape(fault.code), message = xml_escape(fault.message);
  std::string out = "<soap:Fault><faultcode xmlns:a=\"";
  out += kTypesNs;
  out += "\">a:" + code + "</faultcode><faultstring xml:lang=\"en-US\">" + message +
         "</faultstring><detail><e:ResponseCode xmlns:e=\"";
  out += kErrorsNs;
  out += "\">" + code + "</e:ResponseCode><e:Message xmlns:e=\"";
  out += kErrorsNs;
  out += "\">" + message + "</e:Message>";
  if (!fault.values.empty()) {
    out += "<t:MessageXml xmlns:t=\"";
    out += kTypesNs;
    out += "\">";
    for (const auto& [name, value] : fault.values)
      out += "<t:Value Name=\"" + xml_escape(name) + "\">" + xml_escape(value) + "</t:Value>";
    out += "</t:MessageXml>";
  }
  out += "</detail></soap:Fault>";
  return out;
}

}  // namespace sd::soap
