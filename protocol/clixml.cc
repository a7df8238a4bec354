#include "protocol/clixml.h"

#include <pugixml.hpp>

#include "protocol/clixml_escapes.h"

namespace sd {
namespace {

constexpr std::string_view kClixmlMarker = "#< CLIXML";

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
          *out += unescape_clixml_string(node.child_value());
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
