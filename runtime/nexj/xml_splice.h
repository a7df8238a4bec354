// Byte-preserving edits of XML text: find a start tag's attributes and its end tag by scanning
// the original bytes, and splice new text in, so that everything not edited stays byte for
// byte (comments, quoting, attribute order, whitespace, line endings). The document must
// already be well-formed (pugixml checked it); the scanner still refuses what it does not
// understand instead of guessing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sd::xml {

struct AttributeSpan {
  std::string_view name;
  size_t value_pos = 0;  // first byte after the opening quote
  size_t value_len = 0;  // bytes up to the closing quote
  char quote = '"';
};

struct StartTag {
  size_t open = 0;  // the '<'
  std::string_view name;
  std::vector<AttributeSpan> attributes;
  size_t after_attributes = 0;  // one past the last attribute's closing quote, or the name's end
  size_t close = 0;             // the '/' of "/>" or the '>'
  size_t end = 0;               // one past the final '>'
  bool self_closing = false;

  [[nodiscard]] const AttributeSpan* find(std::string_view attribute) const;
};

// Scans the start tag whose name begins at `name_pos` (what pugixml's offset_debug() gives for
// an element). Refuses duplicate attributes, '<' in values and entity references other than
// the five predefined ones and character references. On failure returns nothing and sets
// `error` (one line, no file name).
[[nodiscard]] std::optional<StartTag> scan_start_tag(std::string_view text, size_t name_pos,
                                                     std::string* error);

// Position of the "</" that closes the element of `tag` (which must not be self-closing).
[[nodiscard]] std::optional<size_t> find_end_tag(std::string_view text, const StartTag& tag,
                                                 std::string* error);

// Whether `value` can be an attribute value at all: well-formed UTF-8 and only characters
// XML 1.0 allows (no C0 controls but tab, newline and carriage return; no U+FFFE, U+FFFF).
[[nodiscard]] bool can_hold(std::string_view value);

// `value` escaped for an attribute quoted with `quote`: & < > and the quote as entities, tab,
// newline and carriage return as character references (so parsers do not normalize them).
[[nodiscard]] std::string escape_attribute(std::string_view value, char quote = '"');

// "\r\n" when the first line ends so, else "\n".
[[nodiscard]] std::string_view line_ending_of(std::string_view text);

// The spaces and tabs between the start of the line and `pos`, when only those precede it on
// its line; nothing when other text does.
[[nodiscard]] std::optional<std::string> indentation_at(std::string_view text, size_t pos);

// 1-based line and column of byte `offset`; the column counts characters (UTF-8 sequences),
// and a byte order mark at the start does not count.
struct LineCol {
  size_t line = 1, column = 1;
};
[[nodiscard]] LineCol line_col(std::string_view text, size_t offset);

struct Splice {
  size_t pos = 0;
  size_t len = 0;  // bytes replaced
  std::string text;
};

// The splice that deletes the element of `tag` with its content and end tag: its whole line
// when it is alone on it (no blank line is left), else only its bytes. Comments around it stay.
[[nodiscard]] std::optional<Splice> remove_element(std::string_view text, const StartTag& tag,
                                                   std::string* error);

// Applies non-overlapping splices (positions in the original text; any order). Splices at
// the same position are applied in the order given.
[[nodiscard]] std::string apply_splices(std::string_view text, std::vector<Splice> splices);

// The splice that adds `lines` as the last children of the element of `parent`, each on its
// own line at `child_indent`, ending with `eol`. `parent_indent` is the indentation of the
// parent's own line (used when its end tag has to be written or moved to a new line).
[[nodiscard]] std::optional<Splice> append_children(std::string_view text, const StartTag& parent,
                                                    const std::vector<std::string>& lines,
                                                    std::string_view child_indent,
                                                    std::string_view parent_indent,
                                                    std::string_view eol, std::string* error);

}  // namespace sd::xml
