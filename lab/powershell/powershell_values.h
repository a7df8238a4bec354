// Values of the lab's PowerShell: $null, booleans, numbers, strings, secure strings, objects
// (ordered property maps: what cmdlets output and Select-Object builds), arrays, script blocks
// and hashtables; how [string] turns each into text, and how ConvertTo-Json -Compress writes
// them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lab/powershell/powershell_parser.h"

namespace sd::lab {

struct PsValue {
  enum class Kind {
    Null,
    Bool,
    Number,
    String,
    SecureString,
    Object,
    Array,
    ScriptBlock,
    Hashtable
  };
  Kind kind = Kind::Null;
  bool boolean = false;
  uint64_t number = 0;
  std::string text;                     // String, SecureString (the secret)
  std::vector<std::string> names;       // Object: property names; Hashtable: keys
  std::vector<PsValue> items;           // Object/Hashtable: values (parallel to names); Array
  const PsExpression* block = nullptr;  // ScriptBlock: its { } in the parsed script

  [[nodiscard]] static PsValue null() { return {}; }
  [[nodiscard]] static PsValue from_bool(bool value);
  [[nodiscard]] static PsValue from_number(uint64_t value);
  [[nodiscard]] static PsValue from_string(std::string value);
  [[nodiscard]] static PsValue secure(std::string secret);
  [[nodiscard]] static PsValue array(std::vector<PsValue> items);
  [[nodiscard]] static PsValue script_block(const PsExpression& block);

  [[nodiscard]] bool is_null() const { return kind == Kind::Null; }
  // A property of an Object or a Hashtable (names without case); $null when there is none.
  [[nodiscard]] PsValue property(std::string_view name) const;
  void add_property(std::string name, PsValue value);
};

// What [string]$value gives: '' for $null, 'True'/'False', the digits, the text; an array's
// items joined with spaces; an object's Name (how Exchange objects such as ADObjectId print).
[[nodiscard]] std::string ps_to_string(const PsValue& value);
// The .NET type name PowerShell names in conversion errors.
[[nodiscard]] std::string ps_type_name(const PsValue& value);
// PowerShell truthiness (if, Where-Object).
[[nodiscard]] bool ps_is_true(const PsValue& value);
// `-eq` with the left side deciding the comparison: strings without case.
[[nodiscard]] bool ps_equals(const PsValue& left, const PsValue& right);

// ConvertTo-Json -Compress. Escaping as Windows PowerShell 5.1 writes it (its
// JavaScriptSerializer): \" \\ \b \f \n \r \t, other control characters and < > & ' as
// \u00XX; everything else, non-ASCII included, as plain UTF-8.
[[nodiscard]] std::string ps_to_json(const PsValue& value);

}  // namespace sd::lab
