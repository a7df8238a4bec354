// The CLIXML element names (MS-PSRP 2.2.5) that the reader and the writer of clixml_value.h
// both need to tell apart. Internal to protocol/psrp/.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

#include "protocol/psrp/clixml_value.h"

namespace sd::psrp::clixml_tags {

// Primitives whose text is a string, _xHHHH_-escaped on the wire (PowerShell writes them with
// EncodeString).
inline bool is_escaped_string(std::string_view tag) {
  return tag == "S" || tag == "URI" || tag == "XD" || tag == "SBK";
}

// Every element that is one value on its own: the primitives, <Nil/>, <Obj>, <Ref>, and the
// progress record (<PR>, whose fields are child elements).
inline bool is_value(std::string_view tag) {
  static constexpr std::array<std::string_view, 27> kValueTags = {
      "S",   "C",   "B",       "DT",  "TS",  "By", "SB",  "U16", "I16",
      "U32", "I32", "U64",     "I64", "Sg",  "Db", "D",   "BA",  "G",
      "URI", "Nil", "Version", "XD",  "SBK", "SS", "Obj", "Ref", "PR"};
  return std::find(kValueTags.begin(), kValueTags.end(), tag) != kValueTags.end();
}

// The elements a collection is written in, inside its <Obj>.
inline const char* collection_tag(Value::Collection collection) {
  switch (collection) {
    case Value::Collection::Stack:
      return "STK";
    case Value::Collection::Queue:
      return "QUE";
    case Value::Collection::List:
      return "LST";
    case Value::Collection::Enumerable:
      return "IE";
    case Value::Collection::Dictionary:
      return "DCT";
    case Value::Collection::None:
      break;
  }
  return "";
}

// A progress record's fields in the order PowerShell writes them; the current operation, a
// value of its own (<S> or <Nil/>), comes third and is kept as the property "CO".
inline constexpr std::array<std::string_view, 7> kProgressFields = {"AV", "AI", "PI", "PC",
                                                                    "T",  "SR", "SD"};

}  // namespace sd::psrp::clixml_tags
