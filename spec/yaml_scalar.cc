#include "spec/yaml_scalar.h"

#include <cstdio>

#include "base/text_checks.h"

namespace sd {
namespace {

// `${env:NAME}` and `${file:path}` with plain names: as the examples write secrets.
bool plain_secret_reference(std::string_view s) {
  for (std::string_view prefix : {"${env:", "${file:"}) {
    if (!s.starts_with(prefix) || !s.ends_with("}") || s.size() == prefix.size() + 1) continue;
    std::string_view name = s.substr(prefix.size(), s.size() - prefix.size() - 1);
    return name.find_first_not_of(
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
               "0123456789_./-") == std::string_view::npos;
  }
  return false;
}

bool plain_safe(std::string_view s) {
  if (plain_secret_reference(s)) return true;
  if (s.empty() || s.size() > 200) return false;
  const unsigned char first = static_cast<unsigned char>(s.front());
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_' ||
        first == '/'))
    return false;
  for (unsigned char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
          c == '_' || c == '-' || c == '.' || c == '/' || c == '@' || c == ':' || c == '+' ||
          c == '=' || c == '(' || c == ')'))
      return false;
  if (s.back() == ' ' || s.back() == ':' || s.find(": ") != std::string_view::npos ||
      s.find(" #") != std::string_view::npos || s.find("  ") != std::string_view::npos)
    return false;
  static constexpr std::string_view kSpecial[] = {"true", "false", "null", "yes",
                                                  "no",   "on",    "off"};
  const std::string lower = to_lower_ascii(s);
  for (std::string_view k : kSpecial)
    if (lower == k) return false;
  return true;
}

}  // namespace

std::string yaml_scalar(std::string_view text) {
  if (plain_safe(text)) return std::string(text);
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = static_cast<unsigned char>(text[i]);
    size_t n = cp < 0x80 ? 1 : decode_utf8(text, i, cp);
    if (n == 0) {  // not UTF-8: YAML cannot carry it; the caller's validation says where
      out += "\\x" + std::string(1, "0123456789ABCDEF"[static_cast<unsigned char>(text[i]) >> 4]) +
             "0123456789ABCDEF"[static_cast<unsigned char>(text[i]) & 15];
      ++i;
      continue;
    }
    char buf[12];
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || cp == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02X", cp);
      out += buf;
    } else if ((cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
               is_hidden_character(cp)) {
      std::snprintf(buf, sizeof buf, "\\u%04X", cp);
      out += buf;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

}  // namespace sd
