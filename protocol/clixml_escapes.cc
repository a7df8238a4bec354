// PowerShell's _xHHHH_ escaping of strings in CLIXML, both ways (see clixml_escapes.h).
#include "protocol/clixml_escapes.h"

#include <cstdint>

#include "base/text_checks.h"

namespace sd {
namespace {

void clixml_append_escape(std::string& out, uint32_t unit) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += "_x";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xF];
  out += '_';
}

// The value of `count` hex digits at text[i], or -1.
long clixml_hex_at(std::string_view text, size_t i, size_t count) {
  if (i + count > text.size()) return -1;
  long value = 0;
  for (size_t k = i; k < i + count; ++k) {
    const char c = text[k];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

// UTF-16 code units in, UTF-8 out: a high surrogate waits for its low one; one alone is U+FFFD.
struct ClixmlUnitSink {
  std::string out;
  uint32_t pending_high = 0;

  void flush() {
    if (pending_high != 0) append_utf8(out, 0xFFFD);
    pending_high = 0;
  }
  void code_point(uint32_t cp) {
    flush();
    append_utf8(out, cp);
  }
  void unit(uint32_t u) {
    if (u >= 0xD800 && u <= 0xDBFF) {
      flush();
      pending_high = u;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      if (pending_high == 0) return code_point(0xFFFD);
      const uint32_t cp = 0x10000 + ((pending_high - 0xD800) << 10) + (u - 0xDC00);
      pending_high = 0;
      append_utf8(out, cp);
    } else {
      code_point(u);
    }
  }
};

// The code point at text[i] and its length in bytes; U+FFFD and 1 for a byte that is not UTF-8.
size_t clixml_next_code_point(std::string_view text, size_t i, uint32_t& cp) {
  if (static_cast<unsigned char>(text[i]) < 0x80) {
    cp = static_cast<unsigned char>(text[i]);
    return 1;
  }
  if (const size_t length = decode_utf8(text, i, cp); length != 0) return length;
  cp = 0xFFFD;
  return 1;
}

}  // namespace

// PowerShell's EncodeString: C0 and C1 controls (with DEL), every UTF-16 surrogate (so a
// character past U+FFFF is two escapes, as the recorded hosts write "_xD801__xDC37_"), and a '_'
// before 'x' or 'X'. U+FFFE and U+FFFF, which XML 1.0 cannot hold either, are escaped too.
// Bytes that are not UTF-8 are written as U+FFFD.
std::string escape_clixml_string(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp = 0;
    const size_t length = clixml_next_code_point(utf8, i, cp);
    if (cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF) {
      clixml_append_escape(out, cp);
    } else if (cp > 0xFFFF) {
      clixml_append_escape(out, 0xD800 + ((cp - 0x10000) >> 10));
      clixml_append_escape(out, 0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else if (cp == '_' && i + 1 < utf8.size() && (utf8[i + 1] == 'x' || utf8[i + 1] == 'X')) {
      clixml_append_escape(out, '_');
    } else {
      append_utf8(out, cp);  // not utf8.substr: an ill-formed byte is U+FFFD here
    }
    i += length;
  }
  return out;
}

// As .NET's XmlConvert.DecodeName (what PowerShell reads with): _xHHHH_ is a UTF-16 code unit,
// _xHHHHHHHH_ a code point, 'x' and the digits in either case; anything else stays as written.
// Escaped surrogate pairs become one character, a lone one U+FFFD, bytes that are not UTF-8
// U+FFFD: the result is always UTF-8.
std::string unescape_clixml_string(std::string_view escaped) {
  ClixmlUnitSink sink;
  sink.out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size();) {
    if (escaped[i] == '_' && i + 1 < escaped.size() &&
        (escaped[i + 1] == 'x' || escaped[i + 1] == 'X')) {
      if (const long unit = clixml_hex_at(escaped, i + 2, 4);
          unit >= 0 && i + 6 < escaped.size() && escaped[i + 6] == '_') {
        sink.unit(static_cast<uint32_t>(unit));
        i += 7;
        continue;
      }
      if (const long cp = clixml_hex_at(escaped, i + 2, 8);
          cp >= 0 && cp <= 0x10FFFF && i + 10 < escaped.size() && escaped[i + 10] == '_') {
        if (cp <= 0xFFFF) {
          sink.unit(static_cast<uint32_t>(cp));
        } else {
          sink.code_point(static_cast<uint32_t>(cp));
        }
        i += 11;
        continue;
      }
    }
    uint32_t cp = 0;
    i += clixml_next_code_point(escaped, i, cp);
    sink.code_point(cp);
  }
  sink.flush();
  return std::move(sink.out);
}

}  // namespace sd
