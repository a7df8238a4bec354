#include "runtime/nexj/xml_splice.h"

#include <algorithm>
#include <cstdint>

#include "base/text_checks.h"

namespace sd::xml {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A name ends at whitespace or markup; pugixml already checked its characters.
bool is_name_char(char c) {
  return !is_space(c) && c != '/' && c != '>' && c != '<' && c != '=' && c != '"' && c != '\'';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Checks the raw text of an attribute value: pugixml leaves unknown entities as they are,
// where a conforming parser (the one NexJ uses) refuses the file. Messages never quote the
// value: it may be a password.
bool check_value(std::string_view name, std::string_view raw, std::string* error) {
  std::string where = "attribute " + printable(name, 40) + ": ";
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '<') {
      *error = where + "'<' in the value";
      return false;
    }
    if (raw[i] != '&') continue;
    size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos) {
      *error = where + "'&' without ';' in the value";
      return false;
    }
    std::string_view ref = raw.substr(i + 1, semi - i - 1);
    bool ok = ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos";
    if (!ok && ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      ok = !digits.empty() && digits.size() <= 8 &&
           std::all_of(digits.begin(), digits.end(), hex ? is_hex : is_digit);
    }
    if (!ok) {
      *error = where + "unknown entity reference in the value";
      return false;
    }
    i = semi;
  }
  return true;
}

size_t skip_spaces(std::string_view text, size_t i) {
  while (i < text.size() && is_space(text[i])) ++i;
  return i;
}

// One past the end of `terminator` searched from `from`, or npos.
size_t skip_past(std::string_view text, size_t from, std::string_view terminator) {
  size_t at = text.find(terminator, from);
  return at == std::string_view::npos ? at : at + terminator.size();
}

}  // namespace

const AttributeSpan* StartTag::find(std::string_view attribute) const {
  for (const AttributeSpan& a : attributes)
    if (a.name == attribute) return &a;
  return nullptr;
}

std::optional<StartTag> scan_start_tag(std::string_view text, size_t name_pos, std::string* error) {
  if (name_pos == 0 || name_pos >= text.size() || text[name_pos - 1] != '<') {
    *error = "cannot find the start tag";
    return std::nullopt;
  }
  StartTag tag;
  tag.open = name_pos - 1;
  size_t i = name_pos;
  while (i < text.size() && is_name_char(text[i])) ++i;
  tag.name = text.substr(name_pos, i - name_pos);
  tag.after_attributes = i;
  while (true) {
    size_t j = skip_spaces(text, i);
    if (j >= text.size()) break;
    if (text[j] == '>' || (text[j] == '/' && j + 1 < text.size() && text[j + 1] == '>')) {
      tag.self_closing = text[j] == '/';
      tag.close = j;
      tag.end = j + (tag.self_closing ? 2 : 1);
      return tag;
    }
    if (j == i || !is_name_char(text[j])) break;  // attributes must be separated by space
    size_t name_start = j;
    while (j < text.size() && is_name_char(text[j])) ++j;
    AttributeSpan a;
    a.name = text.substr(name_start, j - name_start);
    j = skip_spaces(text, j);
    if (j >= text.size() || text[j] != '=') break;
    j = skip_spaces(text, j + 1);
    if (j >= text.size() || (text[j] != '"' && text[j] != '\'')) break;
    a.quote = text[j];
    size_t close = text.find(a.quote, j + 1);
    if (close == std::string_view::npos) break;
    a.value_pos = j + 1;
    a.value_len = close - a.value_pos;
    if (tag.find(a.name)) {
      *error = "attribute " + std::string(a.name) + " appears twice";
      return std::nullopt;
    }
    if (!check_value(a.name, text.substr(a.value_pos, a.value_len), error)) return std::nullopt;
    tag.attributes.push_back(a);
    i = tag.after_attributes = close + 1;
  }
  *error = "cannot read the start tag of <" + std::string(tag.name) + ">";
  return std::nullopt;
}

std::optional<size_t> find_end_tag(std::string_view text, const StartTag& tag, std::string* error) {
  size_t depth = 1;
  size_t i = tag.end;
  while (!tag.self_closing) {
    i = text.find('<', i);
    if (i == std::string_view::npos) break;
    std::string_view rest = text.substr(i);
    if (rest.starts_with("<!--")) {
      i = skip_past(text, i + 4, "-->");
    } else if (rest.starts_with("<![CDATA[")) {
      i = skip_past(text, i + 9, "]]>");
    } else if (rest.starts_with("<?")) {
      i = skip_past(text, i + 2, "?>");
    } else if (rest.starts_with("</")) {
      if (--depth == 0) return i;
      i = skip_past(text, i + 2, ">");
    } else if (rest.size() > 1 && is_name_char(rest[1])) {
      std::optional<StartTag> child = scan_start_tag(text, i + 1, error);
      if (!child) return std::nullopt;
      if (!child->self_closing) ++depth;
      i = child->end;
    } else {
      break;  // "<!DOCTYPE" or worse inside an element: not well-formed
    }
    if (i == std::string_view::npos) break;
  }
  *error = "cannot find the end tag of <" + std::string(tag.name) + ">";
  return std::nullopt;
}

bool can_hold(std::string_view value) {
  for (size_t i = 0; i < value.size();) {
    uint32_t cp = static_cast<unsigned char>(value[i]);
    size_t n = cp < 0x80 ? 1 : decode_utf8(value, i, cp);  // decode_utf8 takes non-ASCII only
    if (n == 0) return false;
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF)
      return false;
    i += n;
  }
  return true;
}

std::string escape_attribute(std::string_view value, char quote) {
  std::string out;
  out.reserve(value.size() + 8);
  for (char c : value) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '"':
        out += quote == '"' ? "&quot;" : "\"";
        break;
      case '\'':
        out += quote == '\'' ? "&apos;" : "'";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string_view line_ending_of(std::string_view text) {
  size_t nl = text.find('\n');
  return nl != std::string_view::npos && nl > 0 && text[nl - 1] == '\r' ? "\r\n" : "\n";
}

std::optional<std::string> indentation_at(std::string_view text, size_t pos) {
  size_t start = pos;
  while (start > 0 && (text[start - 1] == ' ' || text[start - 1] == '\t')) --start;
  bool line_start = start == 0 || text[start - 1] == '\n' || text[start - 1] == '\r';
  // A byte order mark at the very start does not take the first line's place.
  if (!line_start && start == 3 && text.starts_with("\xEF\xBB\xBF")) line_start = true;
  if (!line_start) return std::nullopt;
  return std::string(text.substr(start, pos - start));
}

LineCol line_col(std::string_view text, size_t offset) {
  LineCol lc;
  size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  offset = std::min(offset, text.size());
  for (; i < offset; ++i) {
    if (text[i] == '\n') {
      ++lc.line;
      lc.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++lc.column;  // count lead bytes only: one per character
    }
  }
  return lc;
}

std::string apply_splices(std::string_view text, std::vector<Splice> splices) {
  std::stable_sort(splices.begin(), splices.end(),
                   [](const Splice& a, const Splice& b) { return a.pos < b.pos; });
  std::string out;
  out.reserve(text.size() + 256);
  size_t at = 0;
  for (const Splice& s : splices) {
    out.append(text.substr(at, s.pos - at));
    out += s.text;
    at = std::max(at, s.pos + s.len);
  }
  out.append(text.substr(std::min(at, text.size())));
  return out;
}

std::optional<Splice> append_children(std::string_view text, const StartTag& parent,
                                      const std::vector<std::string>& lines,
                                      std::string_view child_indent, std::string_view parent_indent,
                                      std::string_view eol, std::string* error) {
  std::string block;
  for (const std::string& line : lines) block.append(child_indent).append(line).append(eol);
  std::string end_tag = "</" + std::string(parent.name) + ">";
  if (parent.self_closing) {  // <Parent/> becomes <Parent>...</Parent>
    std::string text_out = ">" + std::string(eol) + block + std::string(parent_indent) + end_tag;
    return Splice{parent.close, parent.end - parent.close, std::move(text_out)};
  }
  std::optional<size_t> close = find_end_tag(text, parent, error);
  if (!close) return std::nullopt;
  // The end tag alone on its line: the new lines go just before that line, which stays as is.
  size_t line_start = *close;
  while (line_start > 0 && (text[line_start - 1] == ' ' || text[line_start - 1] == '\t'))
    --line_start;
  if (line_start > parent.end && text[line_start - 1] == '\n') return Splice{line_start, 0, block};
  // Otherwise the end tag moves to a new line of its own.
  return Splice{*close, 0, std::string(eol) + block + std::string(parent_indent)};
}

}  // namespace sd::xml

namespace sd::xml {

std::optional<Splice> remove_element(std::string_view text, const StartTag& tag,
                                     std::string* error) {
  size_t end = tag.end;
  if (!tag.self_closing) {
    std::optional<size_t> close = find_end_tag(text, tag, error);
    if (!close) return std::nullopt;
    size_t gt = text.find('>', *close);
    if (gt == std::string_view::npos) {
      *error = "cannot find the end of </" + std::string(tag.name) + ">";
      return std::nullopt;
    }
    end = gt + 1;
  }
  size_t start = tag.open;
  // Alone on its line: the line goes too, so that no blank line is left where it was.
  if (std::optional<std::string> indent = indentation_at(text, start)) {
    size_t after = end;
    while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
    if (after == text.size() || text[after] == '\n' || text.substr(after).starts_with("\r\n")) {
      start -= indent->size();
      end = after == text.size() ? after : text.find('\n', after) + 1;
    }
  }
  return Splice{start, end - start, ""};
}

}  // namespace sd::xml
