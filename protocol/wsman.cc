// What both directions of WS-Management share: ids, durations, faults, the response envelope.
#include "protocol/wsman.h"

#include <charconv>
#include <cstdio>
#include <mutex>
#include <random>

#include "protocol/soap.h"
#include "protocol/wsman_xml.h"

namespace sd::wsman {
namespace detail {

std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view ns,
                                     std::string_view local) {
  std::vector<pugi::xml_node> found;
  for (pugi::xml_node node : parent.children()) {
    if (node.type() == pugi::node_element && soap::local_name(node) == local &&
        soap::namespace_of(node) == ns)
      found.push_back(node);
  }
  return found;
}

std::string trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::string text_of(pugi::xml_node node) {
  std::string text;
  // A plain walk (no XPath): pcdata and cdata anywhere below `node`, in document order.
  struct Collector : pugi::xml_tree_walker {
    std::string* out;
    bool for_each(pugi::xml_node& n) override {
      if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) *out += n.value();
      return true;
    }
  } collector;
  collector.out = &text;
  node.traverse(collector);
  return trim(text);
}

bool is_true(std::string_view text) {
  const std::string value = trim(text);
  return value == "true" || value == "True" || value == "TRUE";
}

std::string response_envelope(std::string_view action, std::string_view relates_to,
                              std::string_view body_xml) {
  std::string out;
  out.reserve(body_xml.size() + 900);
  out += "<s:Envelope xml:lang=\"en-US\" xmlns:s=\"";
  out += soap::kEnvelope12Ns;
  out += "\" xmlns:a=\"";
  out += kAddressingNs;
  out += "\" xmlns:x=\"";
  out += kTransferNs;
  out += "\" xmlns:w=\"";
  out += kWsmanNs;
  out += "\" xmlns:rsp=\"";
  out += kShellNs;
  out += "\" xmlns:p=\"";
  out += kWsmvNs;
  out += "\"><s:Header><a:Action>";
  out += soap::xml_escape(action);
  out += "</a:Action><a:MessageID>uuid:" + new_uuid() + "</a:MessageID><a:To>";
  out += kAnonymous;
  out += "</a:To><a:RelatesTo>";
  out += soap::xml_escape(relates_to);
  out += "</a:RelatesTo></s:Header>";
  if (body_xml.empty()) {
    out += "<s:Body></s:Body>";
  } else {
    out += "<s:Body>";
    out += body_xml;
    out += "</s:Body>";
  }
  out += "</s:Envelope>";
  return out;
}

}  // namespace detail

using detail::children;
using detail::text_of;

std::string new_uuid() {
  static std::mutex mutex;
  static std::mt19937_64 generator{std::random_device{}()};
  uint64_t high = 0, low = 0;
  {
    std::lock_guard lock(mutex);
    high = generator();
    low = generator();
  }
  high = (high & ~0xF000ull) | 0x4000ull;                // version 4
  low = (low & ~(0xC000ull << 48)) | (0x8000ull << 48);  // variant 10
  char text[37];
  std::snprintf(text, sizeof text, "%08X-%04X-%04X-%04X-%012llX", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFull));
  return text;
}

std::string duration_text(std::chrono::seconds seconds) {
  return "PT" + std::to_string(seconds.count()) + "S";
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.size() < 4 || text.substr(0, 2) != "PT" || text.back() != 'S') return std::nullopt;
  const std::string_view number = text.substr(2, text.size() - 3);
  const size_t dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  int64_t seconds = 0;
  auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (error != std::errc{} || end != whole.data() + whole.size() || seconds < 0 ||
      seconds > 100'000'000)
    return std::nullopt;
  int64_t millis = 0;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = number.substr(dot + 1);
    if (fraction.empty() || fraction.size() > 3) return std::nullopt;
    for (char c : fraction)
      if (c < '0' || c > '9') return std::nullopt;
    std::string padded(fraction);
    padded.resize(3, '0');
    millis = std::stoll(padded);
  }
  return std::chrono::milliseconds(seconds * 1000 + millis);
}

namespace {

std::optional<Fault> fault_of(pugi::xml_node body) {
  if (soap::local_name(body) != "Fault" || soap::namespace_of(body) != soap::kEnvelope12Ns)
    return std::nullopt;
  const std::string_view s = soap::kEnvelope12Ns;
  Fault fault;
  const pugi::xml_node code = soap::child(body, s, "Code");
  fault.code = text_of(soap::child(code, s, "Value"));
  fault.subcode = text_of(soap::child(soap::child(code, s, "Subcode"), s, "Value"));
  fault.reason = text_of(soap::child(soap::child(body, s, "Reason"), s, "Text"));
  const pugi::xml_node detail = soap::child(body, s, "Detail");
  fault.fault_detail = text_of(soap::child(detail, kWsmanNs, "FaultDetail"));
  if (pugi::xml_node wsman_fault = soap::child(detail, kWsmanFaultNs, "WSManFault")) {
    fault.wsman_code = detail::trim(wsman_fault.attribute("Code").value());
    fault.machine = wsman_fault.attribute("Machine").value();
    const pugi::xml_node message = soap::child(wsman_fault, kWsmanFaultNs, "Message");
    fault.message = text_of(message);
    if (pugi::xml_node provider = soap::child(message, kWsmanFaultNs, "ProviderFault")) {
      fault.provider = provider.attribute("provider").value();
      fault.provider_path = provider.attribute("path").value();
    }
  }
  return fault;
}

}  // namespace

namespace detail {
std::optional<Fault> fault_in(pugi::xml_node body) {
  return fault_of(body);
}
}  // namespace detail

std::string describe(const Fault& fault) {
  if (!fault.wsman_code.empty()) {
    const std::string& text = fault.message.empty() ? fault.reason : fault.message;
    return (text.empty() ? std::string("a fault without a message") : text) + " (WSManFault " +
           fault.wsman_code + ")";
  }
  const std::string& code = fault.subcode.empty() ? fault.code : fault.subcode;
  const std::string text = fault.reason.empty() ? "a SOAP fault without a reason" : fault.reason;
  return code.empty() ? text : text + " (" + code + ")";
}

std::optional<Fault> read_fault(std::string_view response_body) {
  Result<std::unique_ptr<soap::Envelope>> envelope = soap::parse_envelope_12(response_body);
  if (!envelope || !(*envelope)->body) return std::nullopt;
  return fault_of((*envelope)->body);
}

std::string fault_response(std::string_view relates_to, const Fault& fault) {
  using soap::xml_escape;
  std::string body = "<s:Fault><s:Code><s:Value>" + xml_escape(fault.code) + "</s:Value>";
  if (!fault.subcode.empty())
    body += "<s:Subcode><s:Value>" + xml_escape(fault.subcode) + "</s:Value></s:Subcode>";
  body += "</s:Code><s:Reason><s:Text xml:lang=\"en-US\">" + xml_escape(fault.reason) +
          "</s:Text></s:Reason><s:Detail>";
  if (!fault.fault_detail.empty())
    body += "<w:FaultDetail>" + xml_escape(fault.fault_detail) + "</w:FaultDetail>";
  body += "<f:WSManFault xmlns:f=\"";
  body += kWsmanFaultNs;
  body += "\" Code=\"" + xml_escape(fault.wsman_code) + "\" Machine=\"" +
          xml_escape(fault.machine) + "\"><f:Message>";
  if (!fault.provider.empty()) {
    body += "<f:ProviderFault provider=\"" + xml_escape(fault.provider) + "\" path=\"" +
            xml_escape(fault.provider_path) + "\">" + xml_escape(fault.message) +
            "</f:ProviderFault>";
  } else {
    body += xml_escape(fault.message);
  }
  body += "</f:Message></f:WSManFault></s:Detail></s:Fault>";
  return detail::response_envelope(kActionFault, relates_to, body);
}

}  // namespace sd::wsman
