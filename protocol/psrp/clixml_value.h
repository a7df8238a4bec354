// PowerShell objects as MS-PSRP carries them (CLIXML, MS-PSRP 2.2.5): the value model, and its
// reading and writing. One model for both directions and both sides (the client in runtime/,
// the lab's PSRP host): what write_clixml writes, parse_clixml reads back the same.
// Pure: text in, text out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "protocol/clixml_escapes.h"

namespace sd::psrp {

struct Property;
struct Entry;

// One value. A primitive keeps its CLIXML element name and its text (already unescaped from
// _xHHHH_ for strings; base64 as written for byte arrays and secure strings); a complex object
// (<Obj>) has type names, an optional ToString, adapted (<Props>) and extended (<MS>) properties,
// and at most one of: a collection (items or entries) or a wrapped primitive (an enum's <I32>;
// Windows also wraps an <Obj> in an <Obj>, or an <S>). A progress record (<PR>) keeps its fields
// as extended properties named by their elements (AV, AI, PI, PC, T, SR, SD, strings) and its
// current operation as "CO" (<S> or <Nil/>).
struct Value {
  enum class Collection { None, Stack, Queue, List, Enumerable, Dictionary };

  std::string tag = "Nil";  // "Nil", "S", "I32", "B", "SS", ...; "Obj" for a complex object
  std::string text;         // a primitive's value

  std::vector<std::string> type_names;   // Obj: <TN>, most derived first
  std::optional<std::string> to_string;  // Obj: <ToString>
  std::vector<Property> adapted;         // Obj: <Props>
  std::vector<Property> extended;        // Obj: <MS>
  Collection collection = Collection::None;
  std::vector<Value> items;    // STK, QUE, LST, IE
  std::vector<Entry> entries;  // DCT
  std::vector<Value> wrapped;  // an Obj's own primitive (enums): empty or one

  // ---- Building ----
  [[nodiscard]] static Value nil();
  [[nodiscard]] static Value string(std::string_view utf8);  // <S>
  [[nodiscard]] static Value boolean(bool value);            // <B>
  [[nodiscard]] static Value i32(int32_t value);             // <I32>
  [[nodiscard]] static Value i64(int64_t value);             // <I64>
  [[nodiscard]] static Value primitive(std::string_view tag, std::string_view text);
  // An Obj of type names `types` holding a LST / a DCT (System.Collections.ArrayList and
  // System.Collections.Hashtable when `types` is empty).
  [[nodiscard]] static Value list(std::vector<Value> items, std::vector<std::string> types = {});
  [[nodiscard]] static Value dictionary(std::vector<Entry> entries,
                                        std::vector<std::string> types = {});
  // An enum as PowerShell serializes one: Obj with the enum's type names (then System.Enum,
  // System.ValueType, System.Object), ToString the name, and the <I32> value.
  [[nodiscard]] static Value enumeration(std::string_view type, std::string_view name,
                                         int32_t value);
  // An Obj with extended properties only (<MS>), as protocol messages are.
  [[nodiscard]] static Value object(std::vector<Property> extended,
                                    std::vector<std::string> types = {});

  // ---- Reading ----
  [[nodiscard]] bool is_nil() const { return tag == "Nil"; }
  [[nodiscard]] bool is_object() const { return tag == "Obj"; }
  // A property by name, without case as PowerShell: extended first, then adapted, then those of
  // a wrapped object; nullptr when absent.
  [[nodiscard]] const Value* property(std::string_view name) const;
  // The text a person would see: a primitive's text, "True"/"False" for <B>, an Obj's ToString,
  // else its wrapped primitive's text, else "".
  [[nodiscard]] std::string display() const;
  // An integer primitive (I32, I64, U32, ..., By, SB) or an enum's wrapped value; nullopt else.
  [[nodiscard]] std::optional<int64_t> as_integer() const;
  // <B>'s value; nullopt for anything else.
  [[nodiscard]] std::optional<bool> as_bool() const;

  friend bool operator==(const Value&, const Value&);
};

struct Property {
  std::string name;
  Value value;
  friend bool operator==(const Property&, const Property&) = default;
};

struct Entry {
  Value key, value;
  friend bool operator==(const Entry&, const Entry&) = default;
};

inline bool operator==(const Value& a, const Value& b) {
  return a.tag == b.tag && a.text == b.text && a.type_names == b.type_names &&
         a.to_string == b.to_string && a.adapted == b.adapted && a.extended == b.extended &&
         a.collection == b.collection && a.items == b.items && a.entries == b.entries &&
         a.wrapped == b.wrapped;
}

struct ClixmlLimits {
  size_t max_depth = 64;       // nested Obj/collections; deeper is an error, not a crash
  size_t max_nodes = 100'000;  // values in one document (one message: one object)
};

// One CLIXML value: the text of a PSRP message's data (a leading UTF-8 BOM is skipped), one
// element (<Obj>, <S>, <Nil/>, ...) with any namespace declarations. <Ref RefId> is resolved to
// a copy of the Obj it names (earlier in the same document), <TNRef RefId> to the type names of
// that <TN>. Errors say what and where ("CLIXML: <Ref RefId="7"> names no earlier object",
// "CLIXML: nested deeper than 64", "CLIXML: unknown element <Foo>", "CLIXML: <I32> is not a
// number: 'x'", "CLIXML is not XML: ..."), never echoing more than a short excerpt.
[[nodiscard]] Result<Value> parse_clixml(std::string_view xml, const ClixmlLimits& limits = {});

// The CLIXML of `value`, without a BOM or XML declaration: RefIds numbered from 0 in document
// order, a type name list written once and referred to (<TNRef>) after; inside an <Obj>, the
// recorded Windows hosts' order: <TN>, <ToString>, the collection or wrapped value, <Props>,
// <MS>. Strings, property names and type names escaped as PowerShell escapes them
// (escape_clixml_string). No <Ref>: a value used twice is written twice.
[[nodiscard]] std::string write_clixml(const Value& value);

// PowerShell's string escaping on its own (protocol/clixml_escapes.h).
using ::sd::escape_clixml_string;
using ::sd::unescape_clixml_string;

}  // namespace sd::psrp
