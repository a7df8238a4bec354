#include "protocol/clixml.h"

#include <pugixml.hpp>

namespace sd {
namespace {

constexpr std::string_view kClixmlMarker = "#< CLIXML";

void append_utf8(std::string& out, char32_t code_point) {
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

// The UTF-16 code unit of an `_xHHHH_` escape at text[i], or -1.
long escape_at(std::string_view text, size_t i) {
  if (i + 7 > text.size() || text[i] != '_' || text[i + 1] != 'x' || text[i + 6] != '_') return -1;
  long value = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const char c = text[k];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// PowerShell's XML name escapes (_xHHHH_, UTF-16 code units; pairs for surrogates) decoded.
std::string decode_escapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const long unit = escape_at(text, i);
    if (unit < 0) {
      out += text[i++];
      continue;
    }
    i += 7;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const long low = escape_at(text, i);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) +
                             (static_cast<char32_t>(low) - 0xDC00));
        i += 7;
        continue;
      }
      append_utf8(out, 0xFFFD);  // a lone high surrogate
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      append_utf8(out, 0xFFFD);  // a lone low surrogate
    } else {
      append_utf8(out, static_cast<char32_t>(unit));
    }
  }
  return out;
}

std::string crlf_to_lf(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

}  // namespace

std::string decode_clixml(std::string_view stderr_bytes) {
  const size_t marker = stderr_bytes.find(kClixmlMarker);
  if (marker == std::string_view::npos || stderr_bytes.substr(0, marker).find_first_not_of(
                                              " \t\r\n\xEF\xBB\xBF") != std::string_view::npos)
    return std::string(stderr_bytes);
  const std::string_view xml = stderr_bytes.substr(marker + kClixmlMarker.size());
  try {
    pugi::xml_document document;
    // Several <Objs> documents may follow one another: read them as one fragment.
    if (!document.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_fragment,
                              pugi::encoding_utf8))
      return std::string(stderr_bytes);
    std::string text;
    struct ErrorStrings : pugi::xml_tree_walker {
      std::string* out;
      bool for_each(pugi::xml_node& node) override {
        const std::string_view name = node.name();
        const bool is_string =
            name == "S" || (name.size() > 2 && name.substr(name.size() - 2) == ":S");
        if (node.type() == pugi::node_element && is_string &&
            std::string_view(node.attribute("S").value()) == "Error")
          *out += decode_escapes(node.child_value());
        return true;
      }
    } walker;
    walker.out = &text;
    document.traverse(walker);
    bool has_objs = false;
    for (pugi::xml_node node : document.children())
      if (node.type() == pugi::node_element) has_objs = true;
    if (!has_objs) return std::string(stderr_bytes);
    text = crlf_to_lf(text);
    if (!text.empty() && text.back() != '\n') text += '\n';
    return text;
  } catch (const std::exception&) {
    return std::string(stderr_bytes);
  }
}

}  // namespace sd
