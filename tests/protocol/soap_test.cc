#include "protocol/soap.h"

#include <catch2/catch.hpp>

#include "tests/base/result_support.h"

namespace sd::soap {

namespace {

using sd::test::message;

// The text pugixml reads back from `escaped` used as element text and as an attribute value.
std::pair<std::string, std::string> read_back(const std::string& escaped) {
  const std::string xml = "<r a=\"" + escaped + "\">" + escaped + "</r>";
  pugi::xml_document doc;
  REQUIRE(doc.load_string(xml.c_str()));
  return {doc.child("r").child_value(), doc.child("r").attribute("a").value()};
}

// Exchange's fault for ErrorServerBusy, as captured (exchange-protocols.md §3.e).
constexpr const char* kServerBusyFault =
    R"(<?xml version="1.0" encoding="utf-8"?>)"
    R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>)"
    R"(<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>)"
    R"(<faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring>)"
    R"(<detail>)"
    R"(<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>)"
    R"(<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message>)"
    R"(<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">)"
    R"(<t:Value Name="BackOffMilliseconds">297749</t:Value>)"
    R"(</t:MessageXml></detail></s:Fault></s:Body></s:Envelope>)";

}  // namespace

TEST_CASE("xml_escape escapes markup and quotes", "[soap]") {
  CHECK(xml_escape(R"(a&b<c>"d'e)") == "a&amp;b&lt;c&gt;&quot;d&apos;e");
  CHECK(xml_escape("") == "");
  CHECK(xml_escape("plain text") == "plain text");
}

TEST_CASE("xml_escape keeps tab, LF and CR as character references", "[soap]") {
  CHECK(xml_escape("a\tb\nc\rd") == "a&#9;b&#10;c&#13;d");
  // Both in text and in an attribute, where a raw LF would be normalized to a space.
  CHECK(read_back(xml_escape("a\tb\nc\rd")) ==
        std::pair<std::string, std::string>{"a\tb\nc\rd", "a\tb\nc\rd"});
}

TEST_CASE("xml_escape replaces characters XML cannot carry with U+FFFD", "[soap]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(xml_escape(std::string("a\x01"
                               "b\x1f"
                               "c",
                               5)) == "a" + fffd + "b" + fffd + "c");
  CHECK(xml_escape(std::string("\0", 1)) == fffd);
  CHECK(xml_escape("\x7f") == "\x7f");  // DEL is an XML character
  // Not UTF-8: a stray continuation byte, a truncated sequence, an overlong form, a surrogate,
  // beyond U+10FFFF; one replacement per byte.
  CHECK(xml_escape("\x80") == fffd);
  CHECK(xml_escape("x\xC3") == "x" + fffd);
  CHECK(xml_escape("\xC0\xAF") == fffd + fffd);
  CHECK(xml_escape("\xED\xA0\x80") == fffd + fffd + fffd);
  CHECK(xml_escape("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);
  // U+FFFE and U+FFFF are not XML characters either.
  CHECK(xml_escape("\xEF\xBF\xBE\xEF\xBF\xBF") == fffd + fffd);
}

TEST_CASE("xml_escape keeps valid non-ASCII text unchanged", "[soap]") {
  const std::string text = "Zo\xC3\xAB \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \xC2\x85";
  CHECK(xml_escape(text) == text);
  CHECK(read_back(xml_escape(text)).first == text);
}

TEST_CASE("envelope declares soap, t and m and leaves an empty header out", "[soap]") {
  CHECK(envelope("<t:H/>", "<m:B/>") ==
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\" "
        "xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\">"
        "<soap:Header><t:H/></soap:Header><soap:Body><m:B/></soap:Body></soap:Envelope>\n");
  const std::string no_header = envelope("", "<m:B/>");
  CHECK(no_header.find("Header") == std::string::npos);
  auto parsed = parse_envelope(no_header);
  REQUIRE(parsed.ok());
  CHECK(!(*parsed)->header);
  CHECK(local_name((*parsed)->body) == "B");
  CHECK(namespace_of((*parsed)->body) == kMessagesNs);
}

TEST_CASE("parse_envelope finds header and body by namespace, whatever the prefix", "[soap]") {
  auto parsed = parse_envelope(
      R"(<x:Envelope xmlns:x="http://schemas.xmlsoap.org/soap/envelope/"><x:Header><h:ServerVersionInfo )"
      R"(xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" MajorVersion="15"/></x:Header>)"
      "<x:Body>\n  <!-- c -->\n  <GetFolderResponse "
      R"(xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></x:Body></x:Envelope>)");
  REQUIRE(parsed.ok());
  const Envelope& env = **parsed;
  CHECK(local_name(env.header) == "Header");
  CHECK(child(env.header, kTypesNs, "ServerVersionInfo").attribute("MajorVersion").as_int() == 15);
  CHECK(!child(env.header, kMessagesNs, "ServerVersionInfo"));
  CHECK(std::string(env.body.name()) == "GetFolderResponse");
  CHECK(namespace_of(env.body) == kMessagesNs);  // default namespace
}

TEST_CASE("parse_envelope names what is wrong with a response", "[soap]") {
  CHECK(message(parse_envelope("")) ==
        "the response is not XML: No document element found at byte 0");
  CHECK(message(parse_envelope("Service Unavailable")) ==
        "the response is not XML: No document element found at byte 19");
  CHECK(message(parse_envelope(
            R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:Get)")) ==
        "the response is not XML: Error parsing start element tag at byte 77");
  CHECK(message(parse_envelope("<html><body>Server Error</body></html>")) ==
        "the response is not a SOAP envelope (root element html without a namespace)");
  CHECK(
      message(parse_envelope(
          R"(<s:Envelope xmlns:s="https://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>)")) ==
      "the response is not a SOAP envelope (root element s:Envelope in namespace "
      "https://schemas.xmlsoap.org/soap/envelope/)");
  CHECK(message(parse_envelope("<s:Envelope><s:Body><x/></s:Body></s:Envelope>")) ==
        "the response is not a SOAP envelope (root element s:Envelope without a namespace)");
  CHECK(
      message(parse_envelope(
          R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>)")) ==
      "the SOAP envelope has no Body");
  CHECK(
      message(parse_envelope(
          R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body> text </s:Body></s:Envelope>)")) ==
      "the SOAP Body is empty");
  // A Body in another namespace is not the Body.
  CHECK(
      message(parse_envelope(
          R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><b:Body xmlns:b="urn:x"><y/></b:Body></s:Envelope>)")) ==
      "the SOAP envelope has no Body");
}

TEST_CASE("parse_envelope refuses a body over the limit before parsing", "[soap]") {
  const std::string body = envelope("", "<m:B/>");
  CHECK(parse_envelope(body, body.size()).ok());
  CHECK(message(parse_envelope(body, body.size() - 1)) ==
        "the response is too large (" + std::to_string(body.size()) + " bytes; the limit is " +
            std::to_string(body.size() - 1) + ")");
  const std::string huge((64u << 20) + 1, ' ');
  CHECK(message(parse_envelope(huge)) ==
        "the response is too large (67108865 bytes; the limit is 67108864)");
}

TEST_CASE("namespace_of resolves prefixes through ancestors and redeclarations", "[soap]") {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(
      R"(<a:r xmlns:a="urn:a" xmlns="urn:d"><b><a:c xmlns:a="urn:a2"/><x:u/></b></a:r>)"));
  const pugi::xml_node root = doc.document_element();
  CHECK(namespace_of(root) == "urn:a");
  CHECK(local_name(root) == "r");
  const pugi::xml_node b = root.first_child();
  CHECK(namespace_of(b) == "urn:d");
  CHECK(namespace_of(b.first_child()) == "urn:a2");
  CHECK(namespace_of(b.last_child()) == "");  // undeclared prefix
  CHECK(local_name(b.last_child()) == "u");
  CHECK(child(root, "urn:d", "b") == b);
  CHECK(!child(root, "urn:a", "b"));
  CHECK(child(b, "urn:a2", "c") == b.first_child());
}

TEST_CASE("read_fault reads Exchange's fault: ResponseCode, faultstring and MessageXml", "[soap]") {
  auto parsed = parse_envelope(kServerBusyFault);
  REQUIRE(parsed.ok());
  std::optional<Fault> fault = read_fault((*parsed)->body);
  REQUIRE(fault);
  CHECK(fault->code == "ErrorServerBusy");
  CHECK(fault->message == "The server cannot service this request right now. Try again later.");
  CHECK(fault->values ==
        std::map<std::string, std::string, std::less<>>{{"BackOffMilliseconds", "297749"}});
  CHECK(message_xml_value(child((*parsed)->body, "", "detail"), "BackOffMilliseconds") == "297749");
  CHECK(message_xml_value(child((*parsed)->body, "", "detail"), "SmtpAddress") == std::nullopt);
}

TEST_CASE("read_fault falls back to faultcode's local part and detail's Message", "[soap]") {
  auto parsed = parse_envelope(
      R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>)"
      R"(<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorSchemaValidation</faultcode>)"
      R"(<detail><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">line 1</e:Message></detail>)"
      R"(</s:Fault></s:Body></s:Envelope>)");
  REQUIRE(parsed.ok());
  std::optional<Fault> fault = read_fault((*parsed)->body);
  REQUIRE(fault);
  CHECK(fault->code == "ErrorSchemaValidation");
  CHECK(fault->message == "line 1");
  CHECK(fault->values.empty());
}

TEST_CASE("read_fault is nullopt for anything but a SOAP Fault", "[soap]") {
  auto ok = parse_envelope(envelope("", "<m:GetFolderResponse/>"));
  REQUIRE(ok.ok());
  CHECK(!read_fault((*ok)->body));
  auto other_ns = parse_envelope(
      R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><f:Fault xmlns:f="urn:f"/></s:Body></s:Envelope>)");
  REQUIRE(other_ns.ok());
  CHECK(!read_fault((*other_ns)->body));
}

TEST_CASE("message_xml_value accepts MessageXml in t:, m: and e: but no other namespace",
          "[soap]") {
  for (std::string_view ns : {kTypesNs, kMessagesNs, kErrorsNs}) {
    pugi::xml_document doc;
    const std::string xml =
        "<p><x:MessageXml xmlns:x=\"" + std::string(ns) +
        "\"><x:Value Name=\"Other\">1</x:Value><x:Value Name=\"BackOffMilliseconds\">"
        "250</x:Value></x:MessageXml></p>";
    REQUIRE(doc.load_string(xml.c_str()));
    CHECK(message_xml_value(doc.child("p"), "BackOffMilliseconds") == "250");
  }
  pugi::xml_document doc;
  REQUIRE(doc.load_string(
      R"(<p><x:MessageXml xmlns:x="urn:x"><x:Value Name="BackOffMilliseconds">9</x:Value></x:MessageXml></p>)"));
  CHECK(message_xml_value(doc.child("p"), "BackOffMilliseconds") == std::nullopt);
}

TEST_CASE("fault_body writes Exchange's shape and reads back, hostile text included", "[soap]") {
  Fault fault{"ErrorNonExistentMailbox",
              "The SMTP address has no mailbox associated with it.",
              {{"SmtpAddress", "o'brien\"<&>@example.local"}}};
  const std::string body = fault_body(fault);
  CHECK(
      body.find(
          R"(<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorNonExistentMailbox</faultcode>)") !=
      std::string::npos);
  CHECK(body.find(R"(<faultstring xml:lang="en-US">)") != std::string::npos);
  auto parsed = parse_envelope(envelope("", body));
  REQUIRE(parsed.ok());
  std::optional<Fault> back = read_fault((*parsed)->body);
  REQUIRE(back);
  CHECK(back->code == fault.code);
  CHECK(back->message == fault.message);
  CHECK(back->values == fault.values);

  // Without values there is no MessageXml.
  CHECK(fault_body(Fault{"ErrorServerBusy", "busy", {}}).find("MessageXml") == std::string::npos);
}

}  // namespace sd::soap
