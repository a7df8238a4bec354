// CLIXML (MS-PSRP 2.2.5): the value model, its reading and writing, against hand-made values and
// every message of the recorded PSRP traffic (tests/data/psrp-captures).
#include "protocol/psrp/clixml_value.h"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <map>
#include <pugixml.hpp>

#include "base/base64.h"

namespace sd::psrp {
namespace {

struct ClixmlMessage {
  std::string side;  // "request" or "response"
  uint32_t type = 0;
  std::string data;  // the message's data: BOM and CLIXML, or nothing
};

uint64_t clixml_be(std::string_view bytes, size_t at, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

// Every PSRP message of one capture, in the order its fragments complete: the base64 of
// creationXml, Arguments and Stream elements, fragments reassembled by object id per direction.
std::vector<ClixmlMessage> clixml_capture_messages(const std::string& file) {
  const YAML::Node root =
      YAML::LoadFile(std::string(SYNCDEPLOY_SOURCE_DIR) + "/tests/data/psrp-captures/" + file);
  std::vector<ClixmlMessage> messages;
  std::map<std::pair<std::string, uint64_t>, std::string> pending;
  for (const YAML::Node& exchange : root["messages"]) {
    for (const char* side : {"request", "response"}) {
      const std::string envelope = exchange[side].as<std::string>();
      pugi::xml_document document;
      REQUIRE(document.load_buffer(envelope.data(), envelope.size()));
      for (pugi::xpath_node found :
           document.select_nodes("//*[local-name()='creationXml' or local-name()='Arguments' or "
                                 "local-name()='Stream']")) {
        std::string text = found.node().child_value();
        text.erase(0, text.find_first_not_of(" \t\r\n"));
        text.erase(text.find_last_not_of(" \t\r\n") + 1);
        std::string bytes;
        if (text.empty() || !base64_decode(text, bytes)) continue;
        for (size_t at = 0; at + 21 <= bytes.size();) {
          const uint64_t object_id = clixml_be(bytes, at, 8);
          const auto flags = static_cast<unsigned char>(bytes[at + 16]);
          const size_t length = clixml_be(bytes, at + 17, 4);
          REQUIRE(at + 21 + length <= bytes.size());
          std::string& blob = pending[{side, object_id}];
          if (flags & 1) blob.clear();
          blob += bytes.substr(at + 21, length);
          if (flags & 2) {
            REQUIRE(blob.size() >= 40);
            const auto type = static_cast<uint32_t>(
                static_cast<unsigned char>(blob[4]) | static_cast<unsigned char>(blob[5]) << 8 |
                static_cast<unsigned char>(blob[6]) << 16 |
                static_cast<uint32_t>(static_cast<unsigned char>(blob[7])) << 24);
            messages.push_back({side, type, blob.substr(40)});
            pending.erase({side, object_id});
          }
          at += 21 + length;
        }
      }
    }
  }
  return messages;
}

Value clixml_parsed(std::string_view xml) {
  Result<Value> parsed = parse_clixml(xml);
  INFO(xml);
  if (!parsed) FAIL(parsed.errors().front().message);
  return std::move(parsed).value();
}

std::string clixml_error(std::string_view xml, const ClixmlLimits& limits = {}) {
  Result<Value> parsed = parse_clixml(xml, limits);
  REQUIRE_FALSE(parsed.ok());
  REQUIRE(parsed.errors().size() == 1);
  return parsed.errors().front().message;
}

ClixmlLimits clixml_limits(size_t depth, size_t nodes) {
  ClixmlLimits limits;
  limits.max_depth = depth;
  limits.max_nodes = nodes;
  return limits;
}

std::string clixml_repeat(std::string_view text, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += text;
  return out;
}

const std::vector<std::string> kClixmlCaptures = {
    "test_psrp_error_failed.yml",
    "test_psrp_key_exchange_timeout.yml",
    "test_psrp_long_running_cmdlet.yml",
    "test_psrp_multiple_commands.yml",
    "test_psrp_open_runspace.yml",
    "test_psrp_receive_failure.yml",
    "test_psrp_run_protocol_version_2.3.yml",
    "test_psrp_small_msg_size.yml",
    "test_psrp_stream_no_output_invocation.yml",
    "test_psrp_stream_output_invocation.yml",
    "test_psrp_with_input.yml",
    "test_psrp_with_jea_configuration.yml",
};

// The string the recorded client sent and Windows echoed (test_psrp_multiple_commands.yml): a
// literal "_x000A_", a newline and U+10437, a character past U+FFFF.
const std::string kClixmlUnicode =
    "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF - actual_x000A_string\nnewline: "
    "\xF0\x90\x90\xB7";
const std::string kClixmlUnicodeOnWire =
    "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF - "
    "actual_x005F_x000A_string_x000A_newline: _xD801__xDC37_";

}  // namespace

TEST_CASE("CLIXML strings are escaped as the recorded Windows hosts escape them",
          "[clixml_value]") {
  CHECK(escape_clixml_string(kClixmlUnicode) == kClixmlUnicodeOnWire);
  CHECK(escape_clixml_string("plain text, \"quoted\" <and> & more") ==
        "plain text, \"quoted\" <and> & more");
  CHECK(escape_clixml_string("a\tb\rc\nd") == "a_x0009_b_x000D_c_x000A_d");
  CHECK(escape_clixml_string(std::string("nul\0", 4)) == "nul_x0000_");
  CHECK(escape_clixml_string("\x7F \xC2\x85 \xC2\x9F \xC2\xA0") ==
        "_x007F_ _x0085_ _x009F_ \xC2\xA0");
  CHECK(escape_clixml_string("_x _X _y x_ __x") == "_x005F_x _x005F_X _y x_ __x005F_x");
  CHECK(escape_clixml_string("\xF0\x9F\x98\x80") == "_xD83D__xDE00_");
  CHECK(escape_clixml_string("\xEF\xBF\xBE\xEF\xBF\xBF") == "_xFFFE__xFFFF_");
  // Bytes that are not UTF-8 (a lone continuation, a surrogate in CESU-8) are U+FFFD.
  CHECK(escape_clixml_string("a\x80z") == "a\xEF\xBF\xBDz");
  CHECK(escape_clixml_string("\xED\xA0\x81") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("CLIXML strings are unescaped as .NET's XmlConvert.DecodeName does", "[clixml_value]") {
  CHECK(unescape_clixml_string(kClixmlUnicodeOnWire) == kClixmlUnicode);
  CHECK(unescape_clixml_string("_x000a_ _X000D_ _x0009_") == "\n \r \t");
  CHECK(unescape_clixml_string("_xd83d__xde00_") == "\xF0\x9F\x98\x80");
  CHECK(unescape_clixml_string("_x0001F600_") == "\xF0\x9F\x98\x80");
  CHECK(unescape_clixml_string("_x0000_") == std::string("\0", 1));
  // An escaped surrogate without its partner is U+FFFD, never ill-formed UTF-8.
  CHECK(unescape_clixml_string("_xD801_a") ==
        "\xEF\xBF\xBD"
        "a");
  CHECK(unescape_clixml_string("a_xDC37_") == "a\xEF\xBF\xBD");
  CHECK(unescape_clixml_string("_xD801__xD801__xDC37_") == "\xEF\xBF\xBD\xF0\x90\x90\xB7");
  CHECK(unescape_clixml_string("_xD801_") == "\xEF\xBF\xBD");
  // Not escapes: they stay as written.
  CHECK(unescape_clixml_string("_x12G4_ _x000A _x_ _x1_ x000A_") ==
        "_x12G4_ _x000A _x_ _x1_ x000A_");
  CHECK(unescape_clixml_string("_x00110000_") == "_x00110000_");
  CHECK(unescape_clixml_string("bad \xFF byte") == "bad \xEF\xBF\xBD byte");
  for (const std::string& text :
       {std::string("a\tb\r\nc"), kClixmlUnicode, std::string("_x005F_x _X"),
        std::string("\x01\x1F\x7F"), std::string("__xx_x_x0041_")}) {
    CHECK(unescape_clixml_string(escape_clixml_string(text)) == text);
  }
}

TEST_CASE("CLIXML is written in the recorded element order, with numbered RefIds",
          "[clixml_value]") {
  const Value message = Value::object({
      {"Text", Value::string("line 1\nline_x")},
      {"Count", Value::i32(-5)},
      {"Big", Value::i64(9'000'000'000)},
      {"On", Value::boolean(true)},
      {"Nothing", Value::nil()},
      {"State", Value::enumeration("Demo.State", "Opened", 2)},
      {"Again", Value::enumeration("Demo.State", "Closed", 3)},
      {"a<\"&>", Value::primitive("Version", "2.3")},
  });
  CHECK(write_clixml(message) ==
        "<Obj RefId=\"0\"><MS><S N=\"Text\">line 1_x000A_line_x005F_x</S><I32 N=\"Count\">-5</I32>"
        "<I64 N=\"Big\">9000000000</I64><B N=\"On\">true</B><Nil N=\"Nothing\"/>"
        "<Obj N=\"State\" RefId=\"1\"><TN RefId=\"0\"><T>Demo.State</T><T>System.Enum</T>"
        "<T>System.ValueType</T><T>System.Object</T></TN><ToString>Opened</ToString><I32>2</I32>"
        "</Obj><Obj N=\"Again\" RefId=\"2\"><TNRef RefId=\"0\"/><ToString>Closed</ToString>"
        "<I32>3</I32></Obj><Version N=\"a&lt;&quot;&amp;>\">2.3</Version></MS></Obj>");
  CHECK(clixml_parsed(write_clixml(message)) == message);

  // TN, ToString, the collection, Props, MS: as Windows wrote Get-Service's ServiceController.
  Value service = Value::list({Value::string("RPCSS")}, {"Demo.Service", "System.Object"});
  service.to_string = "winrm";
  service.adapted = {{"Status", Value::string("Running")}};
  service.extended = {{"Name", Value::string("winrm")}};
  CHECK(write_clixml(service) ==
        "<Obj RefId=\"0\"><TN RefId=\"0\"><T>Demo.Service</T><T>System.Object</T></TN>"
        "<ToString>winrm</ToString><LST><S>RPCSS</S></LST><Props><S N=\"Status\">Running</S>"
        "</Props><MS><S N=\"Name\">winrm</S></MS></Obj>");
  CHECK(clixml_parsed(write_clixml(service)) == service);

  // No BOM, no declaration: a bare primitive is one element.
  CHECK(write_clixml(Value::string("")) == "<S/>");
  CHECK(write_clixml(Value::primitive("SS", "AAEC")) == "<SS>AAEC</SS>");
  CHECK(write_clixml(Value::nil()) == "<Nil/>");
}

TEST_CASE("CLIXML collections and dictionaries round-trip", "[clixml_value]") {
  const Value table = Value::dictionary({
      {Value::string("a"), Value::string("b")},
      {Value::string("list"), Value::list({Value::i32(1), Value::string("two")})},
      {Value::i32(3), Value::nil()},
  });
  CHECK(write_clixml(table) ==
        "<Obj RefId=\"0\"><TN RefId=\"0\"><T>System.Collections.Hashtable</T>"
        "<T>System.Object</T></TN><DCT><En><S N=\"Key\">a</S><S N=\"Value\">b</S></En><En>"
        "<S N=\"Key\">list</S><Obj N=\"Value\" RefId=\"1\"><TN RefId=\"1\">"
        "<T>System.Collections.ArrayList</T><T>System.Object</T></TN><LST><I32>1</I32>"
        "<S>two</S></LST></Obj></En><En><I32 N=\"Key\">3</I32><Nil N=\"Value\"/></En></DCT>"
        "</Obj>");
  CHECK(clixml_parsed(write_clixml(table)) == table);

  for (const Value::Collection kind :
       {Value::Collection::Stack, Value::Collection::Queue, Value::Collection::Enumerable}) {
    Value items = Value::list({Value::string("x"), Value::list({})}, {"Demo.Items"});
    items.collection = kind;
    CHECK(clixml_parsed(write_clixml(items)) == items);
  }

  // Every primitive, a wrapped object, a progress record.
  Value wrapper = Value::object({}, {"Demo.Wrapper"});
  wrapper.wrapped.push_back(Value::object({{"Inner", Value::string("in")}}));
  Value progress = Value::primitive("PR", "");
  progress.extended = {{"AV", Value::string("Activity\n")},
                       {"AI", Value::string("0")},
                       {"CO", Value::nil()},
                       {"PI", Value::string("-1")},
                       {"PC", Value::string("50")},
                       {"T", Value::string("Processing")},
                       {"SR", Value::string("-1")},
                       {"SD", Value::string("status")}};
  const Value all = Value::list({Value::primitive("C", "97"),
                                 Value::primitive("DT", "2018-05-14T11:12:13.1234567+10:00"),
                                 Value::primitive("TS", "PT9.0269026S"),
                                 Value::primitive("By", "255"),
                                 Value::primitive("SB", "-128"),
                                 Value::primitive("U16", "65535"),
                                 Value::primitive("I16", "-32768"),
                                 Value::primitive("U32", "4294967295"),
                                 Value::primitive("U64", "18446744073709551615"),
                                 Value::primitive("Sg", "1.5"),
                                 Value::primitive("Db", "-INF"),
                                 Value::primitive("D", "-12.50"),
                                 Value::primitive("BA", "AQID"),
                                 Value::primitive("G", "0f2a4e9c-1234-4bcd-9abc-00aa00bb00cc"),
                                 Value::primitive("URI", "http://host/a_x"),
                                 Value::primitive("XD", "<a>\n</a>"),
                                 Value::primitive("SBK", "{ $_ }\r\n"),
                                 Value::primitive("S", " "),
                                 wrapper,
                                 progress});
  CHECK(clixml_parsed(write_clixml(all)) == all);
  CHECK(write_clixml(progress) ==
        "<PR><AV>Activity_x000A_</AV><AI>0</AI><Nil/><PI>-1</PI><PC>50</PC><T>Processing</T>"
        "<SR>-1</SR><SD>status</SD></PR>");
}

TEST_CASE("CLIXML values say what a person sees, their numbers and their properties",
          "[clixml_value]") {
  const Value state = Value::enumeration("Demo.State", "Opened", 2);
  CHECK(state.display() == "Opened");
  CHECK(state.as_integer() == 2);
  CHECK(state.type_names ==
        std::vector<std::string>{"Demo.State", "System.Enum", "System.ValueType", "System.Object"});
  CHECK(Value::boolean(false).display() == "False");
  CHECK(Value::boolean(true).as_bool() == true);
  CHECK(Value::string("true").as_bool() == std::nullopt);
  CHECK(Value::i64(-9'000'000'000).as_integer() == -9'000'000'000);
  CHECK(Value::primitive("By", "7").as_integer() == 7);
  CHECK(Value::primitive("U64", "18446744073709551615").as_integer() == std::nullopt);
  CHECK(Value::string("12").as_integer() == std::nullopt);
  CHECK(Value::nil().display().empty());
  CHECK(Value::nil().is_nil());
  CHECK(Value::list({}).display().empty());

  Value both = Value::object({{"Name", Value::string("extended")}});
  both.adapted = {{"Name", Value::string("adapted")}, {"Only", Value::i32(1)}};
  REQUIRE(both.property("Name") != nullptr);
  CHECK(both.property("Name")->text == "extended");
  CHECK(both.property("Only")->as_integer() == 1);
  CHECK(both.property("Missing") == nullptr);
}

TEST_CASE("CLIXML that is wrong is an error that says what and where, briefly", "[clixml_value]") {
  CHECK(clixml_error("<Obj RefId=\"0\"><MS><Foo N=\"x\"/></MS></Obj>") ==
        "CLIXML: unknown element <Foo>");
  CHECK(clixml_error("<I32>x</I32>") == "CLIXML: <I32> is not a number: 'x'");
  CHECK(clixml_error("<I32>2147483648</I32>") == "CLIXML: <I32> is out of range: '2147483648'");
  CHECK(clixml_error("<I32>-2147483649</I32>") == "CLIXML: <I32> is out of range: '-2147483649'");
  CHECK(clixml_error("<U64>99999999999999999999</U64>") ==
        "CLIXML: <U64> is out of range: '99999999999999999999'");
  CHECK(clixml_error("<By>-1</By>") == "CLIXML: <By> is not a number: '-1'");
  CHECK(clixml_error("<I32> 1</I32>") == "CLIXML: <I32> is not a number: ' 1'");
  CHECK(clixml_error("<Db>1.5x</Db>") == "CLIXML: <Db> is not a number: '1.5x'");
  CHECK(clixml_error("<B>yes</B>") == "CLIXML: <B> is not true or false: 'yes'");
  CHECK(clixml_error("<G>not-a-guid</G>") == "CLIXML: <G> is not a GUID: 'not-a-guid'");
  CHECK(clixml_error("<Version>1</Version>") == "CLIXML: <Version> is not a version: '1'");
  CHECK(clixml_error("<BA>!!</BA>") == "CLIXML: <BA> is not base64: '!!'");
  CHECK(clixml_error("<Obj RefId=\"0\"><MS><Ref N=\"x\" RefId=\"7\"/></MS></Obj>") ==
        "CLIXML: <Ref RefId=\"7\"> names no earlier object");
  CHECK(clixml_error("<Obj RefId=\"0\"><MS><Ref N=\"self\" RefId=\"0\"/></MS></Obj>") ==
        "CLIXML: <Ref RefId=\"0\"> names an object that holds it");
  CHECK(clixml_error("<Obj RefId=\"0\"><TNRef RefId=\"3\"/></Obj>") ==
        "CLIXML: <TNRef RefId=\"3\"> names no <TN>");
  CHECK(clixml_error("<Obj RefId=\"0\"><MS><S>no name</S></MS></Obj>") ==
        "CLIXML: a property in <MS> has no name (N)");
  CHECK(clixml_error("<Obj RefId=\"0\"><DCT><En><S N=\"Key\">k</S></En></DCT></Obj>") ==
        "CLIXML: an <En> holds one Key and one Value");
  CHECK(clixml_error("<Obj RefId=\"0\"><LST/><I32>1</I32></Obj>") ==
        "CLIXML: an <Obj> holds more than one value");
  CHECK(clixml_error("<Obj RefId=\"0\"><MS/></Obj><S/>") ==
        "CLIXML: more than one element at the top");
  CHECK(clixml_error("<Obj RefId=\"0\"><LST><Obj RefId=\"0\"/></LST></Obj>") ==
        "CLIXML: two objects with RefId=\"0\"");
  CHECK(clixml_error("<Obj RefId=\"0\">junk<MS/></Obj>") == "CLIXML: text inside <Obj>: 'junk'");
  CHECK(clixml_error("<MS/>") == "CLIXML: <MS> is out of place");
  CHECK(clixml_error("<S>a<b/></S>") == "CLIXML: <S> holds an element");
  CHECK(clixml_error("<Obj RefId=\"0\"><MS></Obj>") ==
        "CLIXML is not XML: Start-end tags mismatch at offset 21");
  CHECK(clixml_error("") == "CLIXML is not XML: No document element found at offset 0");
  // Echoes are cut to 40 characters.
  CHECK(clixml_error("<I32>" + std::string(1000, '9') + "</I32>") ==
        "CLIXML: <I32> is out of range: '" + std::string(37, '9') + "...'");
  CHECK(clixml_error("<" + std::string(200, 'Z') + "/>") ==
        "CLIXML: unknown element <" + std::string(37, 'Z') + "...>");
}

TEST_CASE("CLIXML nesting is limited before it is followed", "[clixml_value]") {
  const auto nested = [](size_t depth) {
    return clixml_repeat("<Obj N=\"x\"><MS>", depth - 1) + "<Obj N=\"x\"/>" +
           clixml_repeat("</MS></Obj>", depth - 1);
  };
  CHECK(parse_clixml(nested(64)).ok());
  CHECK(clixml_error(nested(65)) == "CLIXML: nested deeper than 64");
  CHECK(clixml_error(nested(10'000)) == "CLIXML: nested deeper than 64");
  CHECK(clixml_error(clixml_repeat("<Obj><LST>", 10'000) + clixml_repeat("</LST></Obj>", 10'000)) ==
        "CLIXML: nested deeper than 64");
  CHECK(clixml_error(nested(6), clixml_limits(5, 1000)) == "CLIXML: nested deeper than 5");

  // A <Ref> copies its object where it stands: the copy's height counts there too.
  const std::string tall =
      "<Obj RefId=\"0\"><LST><Obj RefId=\"1\"><LST><Obj><LST><Obj/></LST></Obj></LST></Obj>"
      "<Obj RefId=\"9\"><LST><Obj RefId=\"10\"><LST><Ref RefId=\"1\"/></LST></Obj></LST></Obj>"
      "</LST></Obj>";
  CHECK(parse_clixml(tall, clixml_limits(6, 1000)).ok());
  CHECK(clixml_error(tall, clixml_limits(5, 1000)) == "CLIXML: nested deeper than 5");
}

TEST_CASE("CLIXML <Ref> copies are counted, so a chain of doublings ends in an error",
          "[clixml_value]") {
  // Object k holds two references to object k-1: object 40 would be 2^40 values.
  std::string chain = "<Obj RefId=\"top\"><LST><Obj RefId=\"0\"><MS><S N=\"s\">x</S></MS></Obj>";
  for (int k = 1; k <= 40; ++k) {
    const std::string previous = std::to_string(k - 1);
    chain += "<Obj RefId=\"" + std::to_string(k) + "\"><LST><Ref RefId=\"" + previous +
             "\"/><Ref RefId=\"" + previous + "\"/></LST></Obj>";
  }
  chain += "</LST></Obj>";
  // (Smaller limits than the default's million: a million values are a few hundred MB under ASan.)
  CHECK(clixml_error(chain, clixml_limits(64, 100'000)) == "CLIXML: more than 100000 values");
  CHECK(clixml_error(chain, clixml_limits(64, 100)) == "CLIXML: more than 100 values");

  const Value copied = clixml_parsed(
      "<Obj RefId=\"0\"><MS><Obj N=\"a\" RefId=\"1\"><TN RefId=\"0\"><T>Demo</T></TN><MS>"
      "<S N=\"s\">x</S></MS></Obj><Ref N=\"b\" RefId=\"1\"/><Obj N=\"c\" RefId=\"2\">"
      "<TNRef RefId=\"0\"/></Obj></MS></Obj>");
  REQUIRE(copied.property("b") != nullptr);
  CHECK(*copied.property("b") == *copied.property("a"));
  CHECK(copied.property("b")->property("s")->text == "x");
  CHECK(copied.property("c")->type_names == std::vector<std::string>{"Demo"});
}

TEST_CASE("CLIXML reads a BOM, layout whitespace, prefixes, and keeps blank strings",
          "[clixml_value]") {
  const Value value = clixml_parsed(
      "\xEF\xBB\xBF<Obj RefId=\"0\">\r\n  <MS>\n    <S N=\"blank\"> </S>\n    <S N=\"tab_x000A_\">"
      "_x0009_</S>\n  </MS>\n</Obj>");
  REQUIRE(value.extended.size() == 2);
  CHECK(value.property("blank")->text == " ");
  CHECK(value.extended[1].name == "tab\n");
  CHECK(value.property("tab\n")->text == "\t");
  CHECK(write_clixml(value) ==
        "<Obj RefId=\"0\"><MS><S N=\"blank\"> </S><S N=\"tab_x000A_\">_x0009_</S></MS></Obj>");
  CHECK(clixml_parsed("<ps:S xmlns:ps=\"http://schemas.microsoft.com/powershell/2004/04\">"
                      "a</ps:S>") == Value::string("a"));
}

TEST_CASE("CLIXML reads every message of the recorded PSRP traffic, and writes it back",
          "[clixml_value]") {
  size_t read = 0;
  for (const std::string& file : kClixmlCaptures) {
    const std::vector<ClixmlMessage> messages = clixml_capture_messages(file);
    for (size_t i = 0; i < messages.size(); ++i) {
      if (messages[i].data.empty()) continue;  // END_OF_PIPELINE_INPUT carries nothing
      INFO(file << " message " << i);
      const Value value = clixml_parsed(messages[i].data);
      const std::string written = write_clixml(value);
      CHECK(written.rfind("<", 0) == 0);
      CHECK(clixml_parsed(written) == value);
      ++read;
    }
  }
  CHECK(read == 134);
}

TEST_CASE("CLIXML values of the recorded traffic: strings, enums, dictionaries, Get-Service",
          "[clixml_value]") {
  const std::vector<ClixmlMessage> messages =
      clixml_capture_messages("test_psrp_multiple_commands.yml");
  REQUIRE(messages.size() == 16);

  // INIT_RUNSPACEPOOL from the client: enums.
  CHECK(messages[1].type == 0x00010004);
  const Value init = clixml_parsed(messages[1].data);
  CHECK(init.property("MinRunspaces")->as_integer() == 1);
  const Value* threads = init.property("PSThreadOptions");
  CHECK(threads->type_names.front() == "System.Management.Automation.Runspaces.PSThreadOptions");
  CHECK(threads->display() == "Default");
  CHECK(threads->as_integer() == 0);
  CHECK(init.property("ApartmentState")->display() == "UNKNOWN");
  CHECK(init.property("ApartmentState")->as_integer() == 2);
  CHECK(init.property("HostInfo")->property("_isHostNull")->as_bool() == true);
  CHECK(init.property("ApplicationArguments")->is_nil());

  // APPLICATION_PRIVATE_DATA: dictionaries in a dictionary.
  CHECK(messages[3].type == 0x00021009);
  const Value data = clixml_parsed(messages[3].data);
  const Value* private_data = data.property("ApplicationPrivateData");
  CHECK(private_data->type_names.front() == "System.Management.Automation.PSPrimitiveDictionary");
  REQUIRE(private_data->entries.size() == 1);
  CHECK(private_data->entries[0].key == Value::string("PSVersionTable"));
  const Value& table = private_data->entries[0].value;
  CHECK(table.type_names == private_data->type_names);  // a <TNRef>
  REQUIRE(table.entries.size() == 8);
  CHECK(table.entries[0].key.text == "PSVersion");
  CHECK(table.entries[0].value == Value::primitive("Version", "5.1.14393.2248"));
  CHECK(table.entries[2].value.items.size() == 6);

  // The output strings: Unicode with an escaped surrogate pair and a literal "_x000A_".
  CHECK(clixml_parsed(messages[10].data) == Value::string(kClixmlUnicode));
  CHECK(write_clixml(Value::string(kClixmlUnicode)) == "<S>" + kClixmlUnicodeOnWire + "</S>");
  CHECK(clixml_parsed(messages[11].data) == Value::string("hi\""));
  CHECK(clixml_parsed(messages[9].data) == Value::primitive("SS", "rTm4n3bxaFOIgdjhDDV5OA=="));

  // Get-Service winrm: adapted properties, then extended, one of them a <Ref> to an adapted one.
  const Value service = clixml_parsed(messages[14].data);
  CHECK(service.type_names == std::vector<std::string>{"System.ServiceProcess.ServiceController",
                                                       "System.ComponentModel.Component",
                                                       "System.MarshalByRefObject",
                                                       "System.Object"});
  CHECK(service.display() == "winrm");
  REQUIRE(service.adapted.size() == 14);
  CHECK(service.adapted[0].name == "CanPauseAndContinue");
  CHECK(service.property("CanStop")->as_bool() == true);
  CHECK(service.property("DisplayName")->text == "Windows Remote Management (WS-Management)");
  CHECK(service.property("Status")->display() == "Running");
  CHECK(service.property("Site")->is_nil());
  CHECK(service.property("DependentServices")->items.empty());
  const Value* depended_on = service.property("ServicesDependedOn");
  CHECK(depended_on->items == std::vector<Value>{Value::string("RPCSS"), Value::string("HTTP")});
  CHECK(depended_on->type_names.front() == "System.ServiceProcess.ServiceController[]");
  REQUIRE(service.extended.size() == 2);
  CHECK(service.property("Name")->text == "winrm");
  CHECK(*service.property("RequiredServices") == *depended_on);

  CHECK(messages[15].type == 0x00041006);
  CHECK(clixml_parsed(messages[15].data).property("PipelineState")->as_integer() == 4);
}

TEST_CASE("CLIXML values of the recorded traffic: input echoed, wrapped objects",
          "[clixml_value]") {
  const std::vector<ClixmlMessage> input = clixml_capture_messages("test_psrp_with_input.yml");
  REQUIRE(input.size() == 19);
  const Value sent = clixml_parsed(input[8].data);
  CHECK(sent == Value::dictionary({{Value::string("a"), Value::string("b")}}));
  const Value echoed = clixml_parsed(input[15].data);
  CHECK(echoed.type_names == std::vector<std::string>{"Deserialized.System.Collections.Hashtable",
                                                      "Deserialized.System.Object"});
  CHECK(echoed.entries == sent.entries);
  CHECK(clixml_parsed(input[16].data).items ==
        std::vector<Value>{Value::string("a"), Value::string("b")});
  // A progress record whose StatusDescription is one space.
  const Value progress = clixml_parsed(input[11].data);
  CHECK(progress.property("StatusDescription")->text == " ");
  CHECK(progress.property("Type")->display() == "Completed");

  // WSMan's config element: an <Obj> wrapping an <Obj>, whose PSDrive holds an <Obj> wrapping
  // an empty <S> and a <Ref> to it.
  const std::vector<ClixmlMessage> jea =
      clixml_capture_messages("test_psrp_with_jea_configuration.yml");
  const Value leaf = clixml_parsed(jea[6].data);
  REQUIRE(leaf.wrapped.size() == 1);
  const Value& inner = leaf.wrapped[0];
  CHECK(inner.is_object());
  CHECK(inner.property("Name")->text == "AllowUnencrypted");
  const Value* drive = inner.property("PSDrive");
  CHECK(drive->display() == "WSMan");
  CHECK(drive->property("Used")->wrapped == std::vector<Value>{Value::string("")});
  CHECK(*drive->property("Free") == *drive->property("Used"));
  CHECK(*leaf.property("PSDrive") == *drive);
  const Value* drives = leaf.property("PSProvider")->property("Drives");
  REQUIRE(drives->items.size() == 1);
  CHECK(drives->items[0] == *drive);
}

}  // namespace sd::psrp
