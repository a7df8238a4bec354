// PowerShell as data: a cmdlet invocation is a name and arguments, rendered into the subset of
// docs/powershell-subset.md. Cmdlet, parameter and property names are fixed identifiers of the
// caller's tables (letters and '-' only, checked); only values come from the spec, and every
// value is written as a single-quoted string, so no name, filter or secret can end its string
// early and become code. Values that cannot be written on one line (control characters,
// malformed UTF-8) are refused with an Error instead of being rendered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/error.h"
#include "spec/spec.h"

namespace sd::ps {

struct String {  // 'text'
  std::string text;
};
struct Integer {  // 123 (non-negative)
  uint64_t value = 0;
};
struct Null {};  // $null
struct Bool {    // $true / $false
  bool value = false;
};
struct Switch {  // -Name when on; -Name:$false when off (how -Confirm:$false is written)
  bool on = true;
};
struct SecretLiteral {  // (ConvertTo-SecureString -String 'value' -AsPlainText -Force)
  std::string value;
};
struct SecretPrompt {  // (Read-Host -AsSecureString -Prompt 'text')
  std::string prompt;
};
struct PipelineProperty {  // $_.Name (inside ForEach-Object { } only)
  std::string name;
};

using Value = std::variant<String, Integer, Null, Bool, Switch, SecretLiteral, SecretPrompt,
                           PipelineProperty>;

struct Argument {
  std::string name;  // without '-'
  Value value;
};

struct Cmdlet {
  std::string name;  // Verb-Noun
  std::vector<Argument> arguments;
};

// `Where-Object { $_.Prop -eq 'value' -and ... }` terms.
struct Condition {
  std::string property;
  std::string equals;
};

// `ConvertTo-Json -Compress -InputObject @(<source> [| ForEach-Object { <each> }]
//  [| Where-Object { <where> }] | Select-Object @{n='P';e={[string]$_.P}}, ...)`
struct Query {
  Cmdlet source;
  std::optional<Cmdlet> for_each;
  std::vector<Condition> where;
  std::vector<std::string> properties;
};

// True when `name` is a non-empty run of [A-Za-z-] (cmdlet, parameter and property names).
[[nodiscard]] bool is_identifier(std::string_view name);

// Why `text` cannot be a PowerShell string of the subset, or "" when it can: malformed UTF-8, or
// a control character other than tab (C0, DEL, C1, U+2028/U+2029 line breaks). Never shows the
// text itself (it may be a password).
[[nodiscard]] std::string string_problem(std::string_view text);

// 'text' with ' and U+2018..U+201B doubled (PowerShell ends single-quoted strings at all five);
// nothing else is special inside single quotes. Refuses what string_problem() names.
[[nodiscard]] Result<std::string> quote_string(std::string_view text);

// An OPATH string literal for a filter value: 'text' with ' doubled. The typographic quotes
// U+2018..U+201B are refused, not doubled: Exchange's filter parser may take them for quotes,
// and doubling would change the value for a parser that does not.
[[nodiscard]] Result<std::string> quote_opath_value(std::string_view text);

// `Property -eq 'value'` as OPATH text (property from the caller's table).
[[nodiscard]] Result<std::string> opath_equals(std::string_view property, std::string_view value);

// `Name -Arg value ...`. Errors name the cmdlet and parameter, never a secret's value.
[[nodiscard]] Result<std::string> render_cmdlet(const Cmdlet& cmdlet);

// `<source> | ForEach-Object { <each> }` (the loop statement).
[[nodiscard]] Result<std::string> render_for_each(const Cmdlet& source, const Cmdlet& each);

// The query statement above: prints one line of JSON, an array of objects of strings.
[[nodiscard]] Result<std::string> render_query(const Query& query);

// The snap-in of the version: Microsoft.Exchange.Management.PowerShell.E2010 on 2010,
// Microsoft.Exchange.Management.PowerShell.SnapIn on 2013 and later.
[[nodiscard]] std::string_view snapin_of(ExchangeVersion version);

// "$ErrorActionPreference = 'Stop'\nAdd-PSSnapin <snap-in>\n".
[[nodiscard]] std::string script_header(ExchangeVersion version);

// What an administrator runs to manage Exchange over its remote PowerShell, as the first lines
// of an exported script: New-PSSession to `url` with configuration Microsoft.Exchange and the
// spec's authentication (a credential asked with Get-Credential), then Import-PSSession, so
// that the cmdlets below run on Exchange. Errors: a URL that cannot be a PowerShell string.
[[nodiscard]] Result<std::string> remote_session_header(std::string_view url, AuthMethod auth);

// `-name 'text'`, the common case.
[[nodiscard]] inline Argument arg(std::string name, std::string text) {
  return Argument{std::move(name), String{std::move(text)}};
}

}  // namespace sd::ps
