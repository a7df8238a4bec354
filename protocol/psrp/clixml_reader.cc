// parse_clixml: one CLIXML value (MS-PSRP 2.2.5) from untrusted text, with its nesting and its
// size (<Ref> copies included) held to ClixmlLimits.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <pugixml.hpp>

#include "base/base64.h"
#include "protocol/psrp/clixml_tags.h"
#include "protocol/psrp/clixml_value.h"

namespace sd::psrp {
namespace {

// At most 40 characters of text that came in, so that an error never carries a document.
std::string clixml_excerpt(std::string_view text) {
  if (text.size() <= 40) return std::string(text);
  size_t cut = 37;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

bool clixml_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// An element's name without a namespace prefix (Export-Clixml's files may carry one).
std::string_view clixml_local_name(pugi::xml_node node) {
  std::string_view name = node.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

bool clixml_is_structure(std::string_view tag) {
  for (std::string_view known :
       {"TN", "TNRef", "T", "ToString", "Props", "MS", "LST", "IE", "QUE", "STK", "DCT", "En"})
    if (tag == known) return true;
  return false;
}

// The range of each integer primitive; C is a character as its UTF-16 code unit.
bool clixml_integer_range(std::string_view tag, int64_t& low, uint64_t& high) {
  struct Range {
    std::string_view tag;
    int64_t low;
    uint64_t high;
  };
  static constexpr Range kRanges[] = {
      {"SB", -128, 127},
      {"By", 0, 255},
      {"I16", -32768, 32767},
      {"U16", 0, 65535},
      {"C", 0, 65535},
      {"I32", std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()},
      {"U32", 0, std::numeric_limits<uint32_t>::max()},
      {"I64", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()},
      {"U64", 0, std::numeric_limits<uint64_t>::max()},
  };
  for (const Range& range : kRanges) {
    if (range.tag != tag) continue;
    low = range.low;
    high = range.high;
    return true;
  }
  return false;
}

bool clixml_is_guid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

// System.Version: two to four non-negative Int32 parts.
bool clixml_is_version(std::string_view text) {
  size_t parts = 0;
  for (size_t start = 0;;) {
    const size_t dot = std::min(text.find('.', start), text.size());
    int32_t part = 0;
    const char* end = text.data() + dot;
    const auto [ptr, ec] = std::from_chars(text.data() + start, end, part);
    if (ec != std::errc() || ptr != end || part < 0) return false;
    ++parts;
    if (dot == text.size()) break;
    start = dot + 1;
  }
  return parts >= 2 && parts <= 4;
}

bool clixml_is_decimal(std::string_view text) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  size_t digits = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) ++digits;
  if (i < text.size() && text[i] == '.')
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) ++digits;
  return digits > 0 && i == text.size();
}

bool clixml_is_float(std::string_view text) {
  if (text == "INF" || text == "-INF" || text == "NaN") return true;  // how .NET writes them
  double number = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, number);
  return ec == std::errc() && ptr == end;
}

class ClixmlReader {
 public:
  explicit ClixmlReader(const ClixmlLimits& limits) : limits_(limits) {}

  const Error& error() const { return *error_; }

  // One value element at `depth` enclosing <Obj>s; `height` gets its own <Obj> nesting.
  bool value(pugi::xml_node node, size_t depth, Value& out, size_t& height) {
    const std::string_view tag = clixml_local_name(node);
    if (!clixml_tags::is_value(tag))
      return fail(clixml_is_structure(tag)
                      ? "CLIXML: <" + std::string(tag) + "> is out of place"
                      : "CLIXML: unknown element <" + clixml_excerpt(tag) + ">");
    height = 0;
    if (tag == "Ref") return reference(node, depth, out, height);
    if (++nodes_ > limits_.max_nodes) return too_many();
    out.tag = std::string(tag);
    if (tag == "Obj") return object(node, depth, out, height);
    if (tag == "PR") return progress_record(node, out);
    return primitive(node, out);
  }

 private:
  struct Recorded {
    pugi::xml_node node;
    size_t nodes = 0, height = 0;
    bool done = false;
  };

  bool fail(std::string message) {
    if (!error_) error_ = make_error(std::move(message));
    return false;
  }
  bool too_many() {
    return fail("CLIXML: more than " + std::to_string(limits_.max_nodes) + " values");
  }
  bool too_deep() {
    return fail("CLIXML: nested deeper than " + std::to_string(limits_.max_depth));
  }

  // The text of an element that must hold only text.
  bool text_of(pugi::xml_node node, std::string& text) {
    for (pugi::xml_node child : node.children()) {
      if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
        text += child.value();
      } else if (child.type() == pugi::node_element) {
        return fail("CLIXML: <" + clixml_excerpt(clixml_local_name(node)) + "> holds an element");
      }
    }
    return true;
  }

  // Whitespace between elements is layout; any other text inside a structure is an error.
  bool layout_only(pugi::xml_node child, std::string_view parent) {
    if (clixml_blank(child.value())) return true;
    return fail("CLIXML: text inside <" + std::string(parent) + ">: '" +
                clixml_excerpt(child.value()) + "'");
  }

  bool primitive(pugi::xml_node node, Value& out) {
    std::string text;
    if (!text_of(node, text)) return false;
    const std::string& tag = out.tag;
    const auto bad = [&](std::string_view what) {
      return fail("CLIXML: <" + tag + "> is " + std::string(what) + ": '" + clixml_excerpt(text) +
                  "'");
    };
    int64_t low = 0;
    uint64_t high = 0;
    if (tag == "Nil") {
      if (!clixml_blank(text)) return bad("not empty");
      text.clear();
    } else if (clixml_tags::is_escaped_string(tag)) {
      text = unescape_clixml_string(text);
    } else if (tag == "B") {
      if (text != "true" && text != "false") return bad("not true or false");
    } else if (clixml_integer_range(tag, low, high)) {
      const char* end = text.data() + text.size();
      bool in_range = false;
      std::from_chars_result parsed{};
      if (low < 0) {
        int64_t number = 0;
        parsed = std::from_chars(text.data(), end, number);
        in_range = number >= low && number <= static_cast<int64_t>(high);
      } else {
        uint64_t number = 0;
        parsed = std::from_chars(text.data(), end, number);
        in_range = number <= high;
      }
      if (parsed.ec == std::errc::result_out_of_range) return bad("out of range");
      if (parsed.ec != std::errc() || parsed.ptr != end) return bad("not a number");
      if (!in_range) return bad("out of range");
    } else if (tag == "Sg" || tag == "Db") {
      if (!clixml_is_float(text)) return bad("not a number");
    } else if (tag == "D") {
      if (!clixml_is_decimal(text)) return bad("not a number");
    } else if (tag == "G") {
      if (!clixml_is_guid(text)) return bad("not a GUID");
    } else if (tag == "Version") {
      if (!clixml_is_version(text)) return bad("not a version");
    } else if (tag == "BA" || tag == "SS") {
      std::string bytes;
      if (!base64_decode(text, bytes)) return bad("not base64");
    }  // DT and TS keep their text as written
    out.text = std::move(text);
    return true;
  }

  // A copy of an object read earlier, read again from its element: within the limits, which
  // its recorded size and height tell before any copying (refs to refs can double each time).
  bool reference(pugi::xml_node node, size_t depth, Value& out, size_t& height) {
    const std::string id = node.attribute("RefId").value();
    const auto found = objects_.find(id);
    const std::string named = "CLIXML: <Ref RefId=\"" + clixml_excerpt(id) + "\"> names ";
    if (found == objects_.end()) return fail(named + "no earlier object");
    const Recorded& recorded = found->second;
    if (!recorded.done) return fail(named + "an object that holds it");
    if (depth + recorded.height > limits_.max_depth) return too_deep();
    if (recorded.nodes > limits_.max_nodes - nodes_) return too_many();
    ++replaying_;
    const bool ok = value(recorded.node, depth, out, height);
    --replaying_;
    return ok;
  }

  bool object(pugi::xml_node node, size_t depth, Value& out, size_t& height) {
    if (depth + 1 > limits_.max_depth) return too_deep();  // before going any deeper
    const size_t nodes_before = nodes_ - 1;
    Recorded* recorded = nullptr;
    if (pugi::xml_attribute id = node.attribute("RefId"); id && replaying_ == 0) {
      const auto [it, added] = objects_.try_emplace(id.value(), Recorded{node});
      if (!added)
        return fail("CLIXML: two objects with RefId=\"" + clixml_excerpt(id.value()) + "\"");
      recorded = &it->second;  // std::map: stays valid while others are added
    }
    size_t inner = 0;  // the tallest thing inside
    bool holds_value = false;
    for (pugi::xml_node child : node.children()) {
      if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
        if (!layout_only(child, "Obj")) return false;
        continue;
      }
      if (child.type() != pugi::node_element) continue;
      const std::string_view tag = clixml_local_name(child);
      size_t h = 0;
      bool ok = true;
      if (tag == "TN") {
        ok = type_names(child, out.type_names);
      } else if (tag == "TNRef") {
        const std::string id = child.attribute("RefId").value();
        const auto found = type_lists_.find(id);
        if (found == type_lists_.end())
          return fail("CLIXML: <TNRef RefId=\"" + clixml_excerpt(id) + "\"> names no <TN>");
        out.type_names = found->second;
      } else if (tag == "ToString") {
        std::string text;
        ok = text_of(child, text);
        out.to_string = unescape_clixml_string(text);
      } else if (tag == "Props" || tag == "MS") {
        ok = properties(child, depth + 1, tag == "Props" ? out.adapted : out.extended, h);
      } else if (tag == "DCT" || tag == "LST" || tag == "IE" || tag == "QUE" || tag == "STK") {
        if (holds_value) return two_values();
        holds_value = true;
        ok =
            tag == "DCT" ? entries(child, depth + 1, out, h) : items(child, tag, depth + 1, out, h);
      } else {
        if (holds_value && clixml_tags::is_value(tag)) return two_values();
        holds_value = true;
        out.wrapped.emplace_back();
        ok = value(child, depth + 1, out.wrapped.back(), h);
      }
      if (!ok) return false;
      inner = std::max(inner, h);
    }
    height = inner + 1;
    if (recorded != nullptr) {
      recorded->nodes = nodes_ - nodes_before;
      recorded->height = height;
      recorded->done = true;
    }
    return true;
  }

  bool two_values() { return fail("CLIXML: an <Obj> holds more than one value"); }

  bool type_names(pugi::xml_node node, std::vector<std::string>& names) {
    names.clear();
    for (pugi::xml_node child : node.children()) {
      if (child.type() != pugi::node_element) {
        if (!layout_only(child, "TN")) return false;
        continue;
      }
      if (clixml_local_name(child) != "T")
        return fail("CLIXML: unknown element <" + clixml_excerpt(clixml_local_name(child)) +
                    "> in <TN>");
      std::string text;
      if (!text_of(child, text)) return false;
      names.push_back(unescape_clixml_string(text));
    }
    if (pugi::xml_attribute id = node.attribute("RefId"); id && replaying_ == 0) {
      if (!type_lists_.try_emplace(id.value(), names).second)
        return fail("CLIXML: two <TN> with RefId=\"" + clixml_excerpt(id.value()) + "\"");
    }
    return true;
  }

  bool properties(pugi::xml_node node, size_t depth, std::vector<Property>& out, size_t& height) {
    const std::string_view tag = clixml_local_name(node);
    for (pugi::xml_node child : node.children()) {
      if (child.type() != pugi::node_element) {
        if (!layout_only(child, tag)) return false;
        continue;
      }
      pugi::xml_attribute name = child.attribute("N");
      if (!name) return fail("CLIXML: a property in <" + std::string(tag) + "> has no name (N)");
      Property& property = out.emplace_back();
      property.name = unescape_clixml_string(name.value());
      size_t h = 0;
      if (!value(child, depth, property.value, h)) return false;
      height = std::max(height, h);
    }
    return true;
  }

  bool items(pugi::xml_node node, std::string_view tag, size_t depth, Value& out, size_t& height) {
    out.collection = tag == "LST"   ? Value::Collection::List
                     : tag == "IE"  ? Value::Collection::Enumerable
                     : tag == "QUE" ? Value::Collection::Queue
                                    : Value::Collection::Stack;
    for (pugi::xml_node child : node.children()) {
      if (child.type() != pugi::node_element) {
        if (!layout_only(child, tag)) return false;
        continue;
      }
      size_t h = 0;
      if (!value(child, depth, out.items.emplace_back(), h)) return false;
      height = std::max(height, h);
    }
    return true;
  }

  bool entries(pugi::xml_node node, size_t depth, Value& out, size_t& height) {
    out.collection = Value::Collection::Dictionary;
    for (pugi::xml_node en : node.children()) {
      if (en.type() != pugi::node_element) {
        if (!layout_only(en, "DCT")) return false;
        continue;
      }
      if (clixml_local_name(en) != "En")
        return fail("CLIXML: <" + clixml_excerpt(clixml_local_name(en)) + "> in <DCT>");
      Entry& entry = out.entries.emplace_back();
      bool key = false, val = false;
      for (pugi::xml_node child : en.children()) {
        if (child.type() != pugi::node_element) {
          if (!layout_only(child, "En")) return false;
          continue;
        }
        const std::string_view name = child.attribute("N").value();
        bool& seen = name == "Key" ? key : val;
        if ((name != "Key" && name != "Value") || seen)
          return fail("CLIXML: an <En> holds one Key and one Value");
        seen = true;
        size_t h = 0;
        if (!value(child, depth, name == "Key" ? entry.key : entry.value, h)) return false;
        height = std::max(height, h);
      }
      if (!key || !val) return fail("CLIXML: an <En> holds one Key and one Value");
    }
    return true;
  }

  // <PR>: AV, AI, the current operation (a value: <S> or <Nil/>), PI, PC, T, SR, SD. Kept as
  // extended properties by those names, the current operation as "CO".
  bool progress_record(pugi::xml_node node, Value& out) {
    for (pugi::xml_node child : node.children()) {
      if (child.type() != pugi::node_element) {
        if (!layout_only(child, "PR")) return false;
        continue;
      }
      const std::string_view tag = clixml_local_name(child);
      Property& property = out.extended.emplace_back();
      if (std::find(clixml_tags::kProgressFields.begin(), clixml_tags::kProgressFields.end(),
                    tag) != clixml_tags::kProgressFields.end()) {
        std::string text;
        if (!text_of(child, text)) return false;
        property = {std::string(tag), Value::string(unescape_clixml_string(text))};
        continue;
      }
      if (tag == "Obj" || tag == "Ref") return fail("CLIXML: <PR> holds an object");
      property.name = "CO";
      size_t h = 0;
      if (!value(child, 0, property.value, h)) return false;
    }
    return true;
  }

  const ClixmlLimits& limits_;
  std::optional<Error> error_;
  size_t nodes_ = 0;
  int replaying_ = 0;  // inside a <Ref>'s copy: its RefIds are known already
  std::map<std::string, Recorded, std::less<>> objects_;
  std::map<std::string, std::vector<std::string>, std::less<>> type_lists_;
};

}  // namespace

Result<Value> parse_clixml(std::string_view xml, const ClixmlLimits& limits) {
  if (xml.substr(0, 3) == "\xEF\xBB\xBF") xml.remove_prefix(3);
  pugi::xml_document document;
  // Whitespace-only text is kept: <S> </S> is a string of one space.
  const pugi::xml_parse_result parsed = document.load_buffer(
      xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  if (!parsed)
    return make_error("CLIXML is not XML: " + std::string(parsed.description()) + " at offset " +
                      std::to_string(parsed.offset));
  pugi::xml_node root;
  for (pugi::xml_node child : document.children()) {
    if (child.type() != pugi::node_element) continue;
    if (root) return make_error("CLIXML: more than one element at the top");
    root = child;
  }
  if (!root) return make_error("CLIXML: no element");
  ClixmlReader reader(limits);
  Value value;
  size_t height = 0;
  if (!reader.value(root, 0, value, height)) return reader.error();
  return value;
}

}  // namespace sd::psrp
