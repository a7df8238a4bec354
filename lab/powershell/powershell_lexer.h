// Tokens of the PowerShell subset the lab understands (docs/powershell-subset.md): strings in
// single quotes (ended by ' and by the typographic quotes U+2018..U+201B, each doubled to stand
// for itself; nothing else is special inside), numbers, $variables with .Member access,
// -parameters (also -Name: and the en/em dashes PowerShell reads as '-'), barewords, [type]
// literals, member access after a closing parenthesis (`(...).Name`), and the punctuation of
// pipelines, script blocks, @( ) and @{ }. Comments (#) and
// line continuations (` at a line end) are skipped. Double-quoted strings are read only when
// nothing in them would expand ($ or `), since the subset never uses expansion.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lab/powershell/powershell_error_record.h"

namespace sd::lab {

enum class PsTokenKind {
  EndOfInput,
  NewLine,
  Semicolon,
  Pipe,
  Comma,
  Equals,
  LParen,       // (
  DollarParen,  // $(
  AtParen,      // @(
  RParen,       // )
  LBrace,       // {
  AtBrace,      // @{
  RBrace,       // }
  TypeLiteral,  // [string]: value is the type name
  String,       // value is the string's content
  Number,       // value is the digits
  Variable,     // value is the name; members the .Member chain
  Parameter,    // -Name or -Name: (value "Name", colon set); also the operators -eq, -and
  Bareword,     // a generic token (command names, Unlimited, snap-in names); value is its text
  Member,       // .Name right after ')' or another Member: (...).Name; value is the name
  Unsupported,  // a character the subset has no use for (&, <, >, ...)
};

struct PsToken {
  PsTokenKind kind = PsTokenKind::EndOfInput;
  std::string value;
  std::vector<std::string> members;
  bool colon = false;  // -Name:
  PsExtent extent;
  bool space_before = false;  // whitespace (or a line start) right before the token
};

struct PsLexed {
  std::vector<PsToken> tokens;  // ends with EndOfInput
  std::optional<PsErrorRecord> error;
};

[[nodiscard]] PsLexed lex_powershell(std::string_view source);

// The text a token had in the script (for "Unexpected token '...'").
[[nodiscard]] std::string token_text(std::string_view source, const PsToken& token);

}  // namespace sd::lab
