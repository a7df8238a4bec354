#include "spec/users_csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <deque>

#include "base/text_checks.h"
#include "spec/email_address.h"
#include "spec/spec_values.h"

namespace sd {
namespace {

enum Column : uint8_t { kLogin, kEmail, kTarget, kFolders, kColumnCount };
constexpr std::array<std::string_view, kColumnCount> kColumnNames = {"login", "email", "target",
                                                                     "folders"};
constexpr size_t kAbsent = SIZE_MAX;

// One cell of a row: its unescaped value and where it starts.
struct Cell {
  std::string_view value;
  size_t offset = 0;      // byte offset of the cell's first byte (its quote, if quoted)
  uint32_t line = 0;      // line of that byte
  size_t line_start = 0;  // byte offset where that line starts
};

struct Row {
  std::vector<Cell> cells;
  uint32_t line = 0;
  size_t begin = 0, end = 0;  // bytes of the row, without its line ending
  uint32_t end_line = 0;
  size_t end_line_start = 0;
  bool malformed = false;  // quoting error already reported
  bool non_ascii = false;  // holds bytes >= 0x80: needs the UTF-8 check
};

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string header_list(const std::vector<Cell>& cells) {
  std::string out;
  for (const Cell& c : cells) {
    if (!out.empty()) out += ", ";
    out += printable(trim_spaces(c.value), 40);
  }
  return out;
}

class Parser {
 public:
  Parser(const std::string& file, std::string_view text, uint16_t source, const Users& users,
         std::vector<User>& out)
      : file_(file), text_(text), source_(source), users_(users), out_(out) {}

  std::vector<Error> run() {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = line_start_ = 3;  // UTF-8 byte order mark
    // One User per line at most: reserving once keeps the vector from regrowing.
    out_.reserve(out_.size() + static_cast<size_t>(std::count(text_.begin(), text_.end(), '\n')) +
                 1);
    if (!read_header()) return std::move(errors_);
    while (read_row()) {
      if (row_.cells.size() == 1 && row_.begin == row_.end) continue;  // blank line
      check_row();
    }
    return std::move(errors_);
  }

 private:
  uint32_t char_column(size_t line_start, size_t offset) const {
    uint32_t column = 1;
    for (size_t i = line_start; i < offset && i < text_.size(); ++i)
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    return column;
  }

  Location at(uint32_t line, size_t line_start, size_t offset) const {
    return Location{file_, line, char_column(line_start, offset)};
  }
  Location at(const Cell& cell) const { return at(cell.line, cell.line_start, cell.offset); }

  void fail(std::string message, Location where, std::string subject = {}) {
    errors_.push_back(make_error(std::move(message), std::move(where), std::move(subject)));
  }

  void new_line() {
    ++line_;
    line_start_ = pos_;
  }

  // Reads the next row into row_; false at the end of the text or after an unterminated quote.
  bool read_row() {
    const size_t n = text_.size();
    if (pos_ >= n || stop_) return false;
    row_.cells.clear();
    row_.line = line_;
    row_.begin = pos_;
    row_.malformed = false;
    row_.non_ascii = false;
    size_t quoted_cells = 0;
    while (true) {
      Cell cell{{}, pos_, line_, line_start_};
      if (pos_ < n && text_[pos_] == '"') {
        if (!read_quoted(cell, quoted_cells++)) return false;
      } else {
        size_t begin = pos_;
        for (; pos_ < n; ++pos_) {
          char c = text_[pos_];
          if (c == ',' || c == '\n' || (c == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n'))
            break;
          if (c == '"' && !row_.malformed) {
            fail("a '\"' inside an unquoted cell; quote the whole cell and write the quote as \"\"",
                 at(line_, line_start_, pos_));
            row_.malformed = true;
          }
          row_.non_ascii |= (static_cast<unsigned char>(c) & 0x80) != 0;
        }
        cell.value = text_.substr(begin, pos_ - begin);
      }
      row_.cells.push_back(cell);
      if (pos_ < n && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      row_.end = pos_;
      row_.end_line = line_;
      row_.end_line_start = line_start_;
      if (pos_ < n) {
        pos_ += text_[pos_] == '\r' ? 2 : 1;
        new_line();
      }
      return true;
    }
  }

  // A quoted cell: "" is one quote; commas and line breaks are data. Cells without "" stay
  // views of the text; the others are copied into a scratch buffer kept across rows.
  bool read_quoted(Cell& cell, size_t index) {
    const size_t n = text_.size();
    ++pos_;
    size_t begin = pos_;
    bool escaped = false;
    while (true) {
      if (pos_ >= n) {
        fail("unterminated quoted cell: no closing '\"' before the end of the file", at(cell));
        stop_ = true;
        return false;
      }
      char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < n && text_[pos_ + 1] == '"') {
          escaped = true;
          pos_ += 2;
          continue;
        }
        break;
      }
      row_.non_ascii |= (static_cast<unsigned char>(c) & 0x80) != 0;
      ++pos_;
      if (c == '\n') new_line();
    }
    std::string_view raw = text_.substr(begin, pos_ - begin);
    ++pos_;  // the closing quote
    if (!escaped) {
      cell.value = raw;
    } else {
      if (scratch_.size() <= index) scratch_.resize(index + 1);
      std::string& buffer = scratch_[index];
      buffer.clear();
      for (size_t i = 0; i < raw.size(); ++i) {
        buffer += raw[i];
        if (raw[i] == '"') ++i;  // the second quote of ""
      }
      cell.value = buffer;
    }
    if (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n' &&
        !(text_[pos_] == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n')) {
      fail("unexpected text after a closing '\"'; a quote inside a quoted cell is written \"\"",
           at(line_, line_start_, pos_));
      row_.malformed = true;
      // Skip the rest of the cell as unquoted text so the next cell starts where it should.
      while (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n' &&
             !(text_[pos_] == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n'))
        ++pos_;
    }
    return true;
  }

  // The first byte of the row that is not UTF-8, or the first hidden character
  // (is_hidden_character), reported once; false when there is one.
  bool check_utf8() {
    std::string_view bytes = text_.substr(row_.begin, row_.end - row_.begin);
    if (std::optional<InvalidUtf8> bad = find_invalid_utf8(bytes)) {
      fail_in_row(
          fmt::format("invalid UTF-8 (byte 0x{:02X}); user lists must be UTF-8 text", bad->byte),
          bad->line, bad->column);
      return false;
    }
    if (std::optional<HiddenCharacter> hidden = find_hidden_character(bytes)) {
      fail_in_row(hidden_character_name(hidden->code_point) +
                      " is not allowed in a user list: it changes how the text reads",
                  hidden->line, hidden->column);
      return false;
    }
    return true;
  }

  // An error at `line` and `column` (1-based) of the row's text, naming the cell's column.
  void fail_in_row(std::string message, uint32_t line, uint32_t column) {
    // Back to an offset in the text: find the start of the line inside the row.
    size_t line_start = row_.begin;
    for (uint32_t l = 1; l < line; ++l) line_start = text_.find('\n', line_start) + 1;
    size_t offset = line_start + column - 1;
    std::string subject;
    for (size_t i = row_.cells.size(); i-- > 0;) {
      if (row_.cells[i].offset <= offset) {
        subject = column_subject(i);
        break;
      }
    }
    fail(std::move(message), at(row_.line + line - 1, line_start, offset), std::move(subject));
  }

  std::string column_subject(size_t cell_index) const {
    for (size_t c = 0; c < kColumnCount; ++c)
      if (column_of_[c] == cell_index) return "column " + std::string(kColumnNames[c]);
    return {};
  }

  bool read_header() {
    if (!read_row() || (row_.cells.size() == 1 && row_.begin == row_.end)) {
      if (!stop_)
        fail(
            "no header row; the first line must name the columns: login, email[, target][, "
            "folders]",
            Location{file_, 1, 1});
      return false;
    }
    if (row_.malformed || (row_.non_ascii && !check_utf8())) return false;
    size_t before = errors_.size();
    column_of_.fill(kAbsent);
    for (size_t i = 0; i < row_.cells.size(); ++i) {
      const Cell& cell = row_.cells[i];
      std::string_view name = trim_spaces(cell.value);
      auto known = std::find_if(kColumnNames.begin(), kColumnNames.end(),
                                [&](std::string_view k) { return iequals(k, name); });
      if (name.empty()) {
        fail(fmt::format("header cell {} is empty; every column needs a name", i + 1), at(cell),
             "header");
      } else if (known == kColumnNames.end()) {
        fail(fmt::format("unknown column {}; expected login, email, target or folders",
                         quoted(name)),
             at(cell), "header");
      } else if (size_t c = static_cast<size_t>(known - kColumnNames.begin());
                 column_of_[c] != kAbsent) {
        fail(fmt::format("column {} is named twice (first at column {})", *known,
                         char_column(row_.cells[column_of_[c]].line_start,
                                     row_.cells[column_of_[c]].offset)),
             at(cell), "header");
      } else {
        column_of_[c] = i;
      }
    }
    for (Column required : {kLogin, kEmail}) {
      if (column_of_[required] == kAbsent)
        fail(fmt::format("missing required column {}; the header names: {}", kColumnNames[required],
                         header_list(row_.cells)),
             at(row_.cells.front()), "header");
    }
    columns_ = row_.cells.size();
    return errors_.size() == before;
  }

  // Parses `calendar;tasks`: known names, none twice. nullopt after reporting an error.
  std::optional<FolderSet> parse_folders(const Cell& cell) {
    std::string_view rest = cell.value;
    if (trim_spaces(rest).empty()) return users_.defaultFolders;
    FolderSet set = 0;
    while (true) {
      size_t semi = rest.find(';');
      std::string_view name = trim_spaces(rest.substr(0, semi));
      FolderSet bit = 0;
      if (name == "calendar") bit = static_cast<FolderSet>(Folder::Calendar);
      if (name == "tasks") bit = static_cast<FolderSet>(Folder::Tasks);
      if (name == "contacts") bit = static_cast<FolderSet>(Folder::Contacts);
      if (name.empty()) {
        fail(fmt::format("empty folder name in {}; separate folders with one ';'",
                         quoted(cell.value)),
             at(cell), "column folders");
        return std::nullopt;
      }
      if (bit == 0) {
        fail(
            fmt::format("unknown folder {}; expected calendar, tasks or contacts, separated by ';'",
                        quoted(name)),
            at(cell), "column folders");
        return std::nullopt;
      }
      if (set & bit) {
        fail(fmt::format("folder {} is listed twice", quoted(name)), at(cell), "column folders");
        return std::nullopt;
      }
      set |= bit;
      if (semi == std::string_view::npos) return set;
      rest.remove_prefix(semi + 1);
    }
  }

  void check_row() {
    if (row_.malformed) return;
    const std::vector<Cell>& cells = row_.cells;
    if (cells.size() != columns_) {
      std::string message = fmt::format("row has {} cell{}; the header names {} columns",
                                        cells.size(), cells.size() == 1 ? "" : "s", columns_);
      if (cells.size() > columns_) {
        fail(message + " (a comma inside a value needs the cell quoted)", at(cells[columns_]));
      } else {
        fail(std::move(message), at(row_.end_line, row_.end_line_start, row_.end));
      }
      return;
    }
    if (row_.non_ascii && !check_utf8()) return;
    size_t before = errors_.size();

    const Cell& login = cells[column_of_[kLogin]];
    // The same checks as inline users get (semantic_users.cc).
    if (std::string why = login_problem(login.value); !why.empty())
      fail(std::move(why), at(login), "column login");
    const Cell& email = cells[column_of_[kEmail]];
    if (std::string_view why = email_address_problem(email.value); !why.empty())
      fail(fmt::format("invalid email address {}: {}", quoted(email.value), why), at(email),
           "column email");
    std::string_view target;
    if (column_of_[kTarget] != kAbsent) {
      const Cell& cell = cells[column_of_[kTarget]];
      target = cell.value;
      if (has_control_character(target))
        fail(fmt::format("target {} has a control character", quoted(target)), at(cell),
             "column target");
    }
    FolderSet folders = users_.defaultFolders;
    if (column_of_[kFolders] != kAbsent) {
      std::optional<FolderSet> parsed = parse_folders(cells[column_of_[kFolders]]);
      folders = parsed.value_or(0);
    }
    if (errors_.size() != before) return;  // a bad row adds no user: no follow-on errors

    User& user = out_.emplace_back();
    user.login.assign(login.value);
    user.email.assign(email.value);
    if (target.empty()) {
      user.target = users_.defaultTarget;
    } else {
      user.target.assign(target);
    }
    user.folders = folders;
    user.origin = UserOrigin{source_, row_.line};
  }

  const std::string& file_;
  std::string_view text_;
  uint16_t source_;
  const Users& users_;
  std::vector<User>& out_;
  std::vector<Error> errors_;

  size_t pos_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;
  bool stop_ = false;
  Row row_;
  std::deque<std::string> scratch_;  // a deque: growing it never moves the strings cells view
  std::array<size_t, kColumnCount> column_of_{};
  size_t columns_ = 0;
};

}  // namespace

std::vector<Error> parse_users_csv(const std::string& file, std::string_view text, uint16_t source,
                                   const Users& users, std::vector<User>& out) {
  return Parser(file, text, source, users, out).run();
}

}  // namespace sd
