#include "protocol/powershell_command.h"

#include <cstdint>

#include "base/base64.h"
#include "base/text_checks.h"

namespace sd {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one UTF-8 sequence at `i`, advancing it; kReplacement for an invalid one.
char32_t next_code_point(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t lead = byte(i++);
  if (lead < 0x80) return lead;
  int extra = lead >= 0xF0 && lead < 0xF5   ? 3
              : lead >= 0xE0                ? 2
              : lead >= 0xC2 && lead < 0xE0 ? 1
                                            : -1;
  if (extra < 0 || (lead >= 0xF0 && extra != 3)) return kReplacement;
  char32_t cp = lead & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (byte(i) & 0xC0) != 0x80) return kReplacement;
    cp = (cp << 6) | (byte(i++) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kReplacement;
  return cp;
}

void put_unit(std::string& out, uint16_t unit) {
  out.push_back(static_cast<char>(unit & 0xFF));
  out.push_back(static_cast<char>(unit >> 8));
}

}  // namespace

std::string utf16le_from_utf8(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() * 2);
  for (size_t i = 0; i < utf8.size();) {
    char32_t cp = next_code_point(utf8, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put_unit(out, static_cast<uint16_t>(0xD800 | (cp >> 10)));
      put_unit(out, static_cast<uint16_t>(0xDC00 | (cp & 0x3FF)));
    } else {
      put_unit(out, static_cast<uint16_t>(cp));
    }
  }
  return out;
}

Result<std::string> utf8_from_utf16le(std::string_view bytes) {
  if (bytes.size() % 2 != 0)
    return make_error("UTF-16LE text has an odd number of bytes (" + std::to_string(bytes.size()) +
                      ")");
  auto unit = [&](size_t k) {
    return static_cast<uint16_t>(static_cast<uint8_t>(bytes[k]) |
                                 (static_cast<uint8_t>(bytes[k + 1]) << 8));
  };
  std::string out;
  out.reserve(bytes.size() / 2);
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint16_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 2 >= bytes.size() || unit(i + 2) < 0xDC00 || unit(i + 2) > 0xDFFF)
        return make_error("UTF-16LE text has an unpaired surrogate at byte " + std::to_string(i));
      char32_t cp = 0x10000 + ((char32_t(u) - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
      append_utf8(out, cp);
      i += 2;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return make_error("UTF-16LE text has an unpaired surrogate at byte " + std::to_string(i));
    } else {
      append_utf8(out, u);
    }
  }
  return out;
}

std::string encode_powershell_command(std::string_view script) {
  return base64_encode(utf16le_from_utf8(script));
}

Result<std::string> decode_powershell_command(std::string_view encoded) {
  std::string bytes;
  if (!base64_decode(encoded, bytes)) return make_error("the encoded command is not base64");
  Result<std::string> script = utf8_from_utf16le(bytes);
  if (!script.ok())
    return make_error("the encoded command is not UTF-16LE text: " +
                      script.errors().front().message);
  return script;
}

}  // namespace sd
