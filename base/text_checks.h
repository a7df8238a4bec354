// Text helpers shared by every stage: UTF-8 checks, and making untrusted values safe to show in
// one-line messages (a name with a newline or an escape sequence must not forge output).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sd {

struct InvalidUtf8 {
  uint32_t line, column;  // 1-based; column counts bytes
  unsigned byte;
};

// The first byte that is not part of well-formed UTF-8 (overlongs, surrogates and code points
// past U+10FFFF are ill-formed too), or nothing.
[[nodiscard]] std::optional<InvalidUtf8> find_invalid_utf8(std::string_view text);

// True for a character that changes how text reads without showing itself: a C1 control
// (U+0080-U+009F, NEXT LINE U+0085 among them), a line or paragraph separator (U+2028, U+2029),
// a bidi embedding, override or isolate (U+202A-U+202E, U+2066-U+2069).
[[nodiscard]] bool is_hidden_character(uint32_t code_point);

struct HiddenCharacter {
  uint32_t line, column;  // 1-based; column counts bytes
  uint32_t code_point;
};

// The first hidden character (is_hidden_character) of UTF-8 text, or nothing; bytes that are not
// UTF-8 are find_invalid_utf8's and skipped here.
[[nodiscard]] std::optional<HiddenCharacter> find_hidden_character(std::string_view text);

// "U+2028 (a line separator)": what a hidden character is, for messages.
[[nodiscard]] std::string hidden_character_name(uint32_t code_point);

// The value with control characters, quotes and backslashes escaped (\n, \t, \", \\, \xNN) and
// cut to `max_chars` with "…" so one hostile value cannot flood a message.
[[nodiscard]] std::string printable(std::string_view value, size_t max_chars = 80);

// Only what could forge lines, colors or reading order is escaped (C0 and C1 controls, bidi
// overrides, bytes that are not UTF-8); quotes and backslashes stay. No length cut. Used on
// whole error lines as the last guard.
[[nodiscard]] std::string escape_controls(std::string_view text);

// True if `text` holds a C0 or C1 control character or DEL.
[[nodiscard]] bool has_control_character(std::string_view text);

// True if `text` is well-formed UTF-8 on one line that shows as it reads: no control character,
// no line or paragraph separator (U+2028, U+2029), no bidi embedding, override or isolate
// (U+202A-U+202E, U+2066-U+2069). What a server's names, identities and ids must be.
[[nodiscard]] bool is_plain_line(std::string_view text);

// Length of the well-formed UTF-8 sequence at text[i] and its code point, or 0 if malformed.
[[nodiscard]] size_t decode_utf8(std::string_view text, size_t i, uint32_t& code_point);
// Appends `code_point` (at most U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, uint32_t code_point);

// printable() inside double quotes. The std::string and const char* overloads are exact
// matches, so an unqualified call never picks std::quoted through argument-dependent lookup.
[[nodiscard]] std::string quoted(std::string_view value, size_t max_chars = 80);
[[nodiscard]] inline std::string quoted(const std::string& value, size_t max_chars = 80) {
  return quoted(std::string_view(value), max_chars);
}
[[nodiscard]] inline std::string quoted(std::string& value, size_t max_chars = 80) {
  return quoted(std::string_view(value), max_chars);
}
[[nodiscard]] inline std::string quoted(const char* value, size_t max_chars = 80) {
  return quoted(std::string_view(value), max_chars);
}

// ASCII case-insensitive equality (SMTP addresses and Exchange identities compare this way).
// Only A-Z change case: what std::tolower does in the C locale, without depending on one.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);
[[nodiscard]] std::string to_lower_ascii(std::string_view s);
// One byte, for loops that compare or hash without a lower-cased copy.
[[nodiscard]] constexpr char to_lower_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
// `text` without leading and trailing spaces, tabs and line breaks.
[[nodiscard]] std::string_view trim_space(std::string_view text);

}  // namespace sd
