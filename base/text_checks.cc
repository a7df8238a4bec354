#include "base/text_checks.h"

#include <fmt/format.h>

namespace sd {

namespace {

// Code points that must never reach a terminal or a review page as themselves: C1 controls
// (U+009B starts an escape sequence on some terminals) and the bidirectional overrides and
// isolates that can make a line read differently from what it holds ("Trojan Source").
bool is_dangerous_code_point(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

}  // namespace

size_t decode_utf8(std::string_view s, size_t i, uint32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

namespace {

// Copies the code point at text[i] (not ASCII) to `out`, escaped when it is dangerous or not
// UTF-8 at all. Returns the index after it.
size_t append_non_ascii(std::string& out, std::string_view text, size_t i) {
  uint32_t cp = 0;
  size_t len = decode_utf8(text, i, cp);
  if (len == 0) {  // a byte that is not UTF-8: show it, do not pass it on
    out += fmt::format("\\x{:02X}", static_cast<unsigned char>(text[i]));
    return i + 1;
  }
  if (is_dangerous_code_point(cp)) {
    out += fmt::format("\\u{{{:04X}}}", cp);
  } else {
    out.append(text.substr(i, len));
  }
  return i + len;
}

}  // namespace

namespace {

// Walks `text` a code point at a time, counting lines and columns (bytes), and stops at the first
// one `stop(byte, code_point, length)` picks (length 0: a byte that is not UTF-8, which then
// counts as one byte); returns `make(line, column, byte, code_point)` there, or nothing.
template <class Stop, class Make>
auto first_where(std::string_view text, Stop stop, Make make)
    -> std::optional<decltype(make(1u, 1u, 0u, 0u))> {
  uint32_t line = 1, column = 1;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    uint32_t cp = c;
    size_t length = c < 0x80 ? 1 : decode_utf8(text, i, cp);
    if (stop(c, cp, length)) return make(line, column, unsigned{c}, cp);
    if (length == 0) length = 1;
    if (c == '\n') {
      ++line, column = 1;
    } else {
      column += static_cast<uint32_t>(length);
    }
    i += length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<InvalidUtf8> find_invalid_utf8(std::string_view text) {
  return first_where(
      text, [](unsigned char, uint32_t, size_t length) { return length == 0; },
      [](uint32_t line, uint32_t column, unsigned byte, uint32_t) {
        return InvalidUtf8{line, column, byte};
      });
}

std::string printable(std::string_view value, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < value.size();) {
    if (chars == max_chars) {
      out += "…";
      break;
    }
    ++chars;
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        default:
          if (c < 0x20 || c == 0x7F) {
            out += fmt::format("\\x{:02X}", c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    i = append_non_ascii(out, value, i);
  }
  return out;
}

std::string escape_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) {
        out += c == '\n' ? std::string("\\n") : fmt::format("\\x{:02X}", c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    i = append_non_ascii(out, text, i);
  }
  return out;
}

bool has_control_character(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return true;
    uint32_t cp = 0;
    if (c >= 0x80 && decode_utf8(text, i, cp) == 2 && cp <= 0x9F) return true;
  }
  return false;
}

bool is_hidden_character(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

std::optional<HiddenCharacter> find_hidden_character(std::string_view text) {
  return first_where(
      text,
      [](unsigned char, uint32_t cp, size_t length) {
        return length > 0 && is_hidden_character(cp);
      },
      [](uint32_t line, uint32_t column, unsigned, uint32_t cp) {
        return HiddenCharacter{line, column, cp};
      });
}

std::string hidden_character_name(uint32_t cp) {
  const char* what = cp == 0x85     ? "a next-line control"
                     : cp <= 0x9F   ? "a C1 control character"
                     : cp == 0x2028 ? "a line separator"
                     : cp == 0x2029 ? "a paragraph separator"
                                    : "a bidirectional text control";
  return fmt::format("U+{:04X} ({})", cp, what);
}

bool is_plain_line(std::string_view text) {
  if (find_invalid_utf8(text)) return false;
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  return !find_hidden_character(text);
}

std::string quoted(std::string_view value, size_t max_chars) {
  return '"' + printable(value, max_chars) + '"';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  return true;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower_ascii(c);
  return out;
}

std::string_view trim_space(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  size_t last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

}  // namespace sd
