#include "runtime/nexj/xml_strict.h"

namespace sd::xml {
namespace {

constexpr size_t kNone = std::string_view::npos;

// U+FFFE and U+FFFF (EF BF BE, EF BF BF) are well-formed UTF-8 but not XML characters.
std::optional<StrictProblem> non_character(std::string_view text) {
  for (size_t at = text.find("\xEF\xBF"); at != kNone; at = text.find("\xEF\xBF", at + 1)) {
    if (at + 2 >= text.size()) break;
    const auto last = static_cast<unsigned char>(text[at + 2]);
    if (last == 0xBE || last == 0xBF)
      return StrictProblem{at, last == 0xBE ? "U+FFFE is not a character XML allows"
                                            : "U+FFFF is not a character XML allows"};
  }
  return std::nullopt;
}

// One past the '>' that ends the markup starting at `i` ('<'), past quoted values and, for a
// DOCTYPE, its bracketed part.
size_t end_of_markup(std::string_view text, size_t i) {
  char quote = 0;
  int brackets = 0;
  for (size_t j = i + 1; j < text.size(); ++j) {
    const char c = text[j];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      ++brackets;
    } else if (c == ']' && brackets > 0) {
      --brackets;
    } else if (c == '>' && brackets == 0) {
      return j + 1;
    }
  }
  return text.size();
}

// One past `end` found from `from`, or the end of the text.
size_t past(std::string_view text, std::string_view end, size_t from) {
  const size_t at = text.find(end, from);
  return at == kNone ? text.size() : at + end.size();
}

}  // namespace

std::optional<StrictProblem> find_strict_problem(std::string_view text) {
  if (std::optional<StrictProblem> bad = non_character(text)) return bad;
  for (size_t i = 0; i < text.size();) {
    const std::string_view rest = text.substr(i);
    if (rest.starts_with("<!--")) {
      const size_t body = i + 4;
      const size_t end = text.find("-->", body);
      if (end == kNone) return std::nullopt;  // unclosed: pugixml's error, reported before
      const size_t dashes = text.substr(body, end - body).find("--");
      if (dashes != kNone) return StrictProblem{body + dashes, "\"--\" inside a comment"};
      if (end > body && text[end - 1] == '-')
        return StrictProblem{end - 1, "a comment may not end in \"--->\""};
      i = end + 3;
    } else if (rest.starts_with("<![CDATA[")) {
      i = past(text, "]]>", i + 9);
    } else if (rest.starts_with("<?")) {
      i = past(text, "?>", i + 2);
    } else if (rest.starts_with("<")) {
      i = end_of_markup(text, i);  // a tag, its attribute values (where "]]>" may stand)
    } else if (rest.starts_with("]]>")) {
      return StrictProblem{i, "\"]]>\" in text outside a CDATA section"};
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace sd::xml
