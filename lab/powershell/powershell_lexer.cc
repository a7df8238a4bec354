#include "lab/powershell/powershell_lexer.h"

#include <algorithm>
#include <cctype>

namespace sd::lab {
namespace {

// Byte length of the character at `at` if it is one of the given kind, else 0.
size_t single_quote_at(std::string_view s, size_t at) {
  if (at >= s.size()) return 0;
  if (s[at] == '\'') return 1;
  // U+2018..U+201B: E2 80 98..9B
  if (at + 2 < s.size() && static_cast<unsigned char>(s[at]) == 0xE2 &&
      static_cast<unsigned char>(s[at + 1]) == 0x80) {
    auto third = static_cast<unsigned char>(s[at + 2]);
    if (third >= 0x98 && third <= 0x9B) return 3;
  }
  return 0;
}

size_t double_quote_at(std::string_view s, size_t at) {
  if (at >= s.size()) return 0;
  if (s[at] == '"') return 1;
  // U+201C..U+201E: E2 80 9C..9E
  if (at + 2 < s.size() && static_cast<unsigned char>(s[at]) == 0xE2 &&
      static_cast<unsigned char>(s[at + 1]) == 0x80) {
    auto third = static_cast<unsigned char>(s[at + 2]);
    if (third >= 0x9C && third <= 0x9E) return 3;
  }
  return 0;
}

// '-' and the dashes PowerShell reads as '-': U+2013..U+2015 (E2 80 93..95).
size_t dash_at(std::string_view s, size_t at) {
  if (at >= s.size()) return 0;
  if (s[at] == '-') return 1;
  if (at + 2 < s.size() && static_cast<unsigned char>(s[at]) == 0xE2 &&
      static_cast<unsigned char>(s[at + 1]) == 0x80) {
    auto third = static_cast<unsigned char>(s[at + 2]);
    if (third >= 0x93 && third <= 0x95) return 3;
  }
  return 0;
}

size_t blank_at(std::string_view s, size_t at) {
  if (at >= s.size()) return 0;
  char c = s[at];
  if (c == ' ' || c == '\t' || c == '\f' || c == '\v') return 1;
  if (at + 1 < s.size() && static_cast<unsigned char>(c) == 0xC2 &&
      static_cast<unsigned char>(s[at + 1]) == 0xA0) {
    return 2;  // NO-BREAK SPACE
  }
  return 0;
}

bool is_newline(char c) {
  return c == '\n' || c == '\r';
}

size_t utf8_length(std::string_view s, size_t at) {
  auto c = static_cast<unsigned char>(s[at]);
  size_t length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  return std::min(length, s.size() - at);
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Characters that end a bareword or parameter (besides blanks, newlines and quotes).
bool is_delimiter(char c) {
  switch (c) {
    case '{':
    case '}':
    case '(':
    case ')':
    case ';':
    case ',':
    case '|':
    case '&':
    case '<':
    case '>':
    case '=':
    case '$':
    case '#':
      return true;
    default:
      return is_newline(c);
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : s_(source) {}

  PsLexed run() {
    PsLexed out;
    bool space = true;
    while (pos_ < s_.size() && !error_) {
      if (size_t blank = blank_at(s_, pos_)) {
        pos_ += blank;
        space = true;
        continue;
      }
      char c = s_[pos_];
      if (c == '`' && pos_ + 1 < s_.size() && is_newline(s_[pos_ + 1])) {  // line continuation
        pos_ += (s_[pos_ + 1] == '\r' && pos_ + 2 < s_.size() && s_[pos_ + 2] == '\n') ? 3 : 2;
        space = true;
        continue;
      }
      if (c == '#') {
        while (pos_ < s_.size() && !is_newline(s_[pos_])) ++pos_;
        continue;
      }
      std::optional<PsToken> accessed = after_paren_ && !space ? member() : std::nullopt;
      PsToken token = accessed ? std::move(*accessed) : next();
      token.space_before = space;
      space = token.kind == PsTokenKind::NewLine;
      after_paren_ = token.kind == PsTokenKind::RParen || token.kind == PsTokenKind::Member;
      out.tokens.push_back(std::move(token));
    }
    PsToken end;
    end.extent = {s_.size(), s_.size()};
    end.space_before = true;
    out.tokens.push_back(end);
    out.error = std::move(error_);
    return out;
  }

 private:
  PsToken make(PsTokenKind kind, size_t begin, std::string value = {}) {
    PsToken token;
    token.kind = kind;
    token.value = std::move(value);
    token.extent = {begin, pos_};
    return token;
  }

  PsToken punctuation(PsTokenKind kind, size_t length) {
    size_t begin = pos_;
    pos_ += length;
    return make(kind, begin);
  }

  PsToken next() {
    size_t begin = pos_;
    char c = s_[pos_];
    char following = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
    switch (c) {
      case '\r':
        return punctuation(PsTokenKind::NewLine, following == '\n' ? 2 : 1);
      case '\n':
        return punctuation(PsTokenKind::NewLine, 1);
      case ';':
        return punctuation(PsTokenKind::Semicolon, 1);
      case '|':
        return punctuation(PsTokenKind::Pipe, 1);
      case ',':
        return punctuation(PsTokenKind::Comma, 1);
      case '=':
        return punctuation(PsTokenKind::Equals, 1);
      case '(':
        return punctuation(PsTokenKind::LParen, 1);
      case ')':
        return punctuation(PsTokenKind::RParen, 1);
      case '{':
        return punctuation(PsTokenKind::LBrace, 1);
      case '}':
        return punctuation(PsTokenKind::RBrace, 1);
      case '@':
        if (following == '(') return punctuation(PsTokenKind::AtParen, 2);
        if (following == '{') return punctuation(PsTokenKind::AtBrace, 2);
        return punctuation(PsTokenKind::Unsupported, 1);
      case '$':
        return variable();
      case '[':
        return type_literal();
      default:
        break;
    }
    if (single_quote_at(s_, pos_)) {
      std::string value;
      single_quoted(value);
      return make(PsTokenKind::String, begin, std::move(value));
    }
    if (double_quote_at(s_, pos_)) return double_quoted();
    if (size_t dash = dash_at(s_, pos_)) {
      if (pos_ + dash < s_.size() &&
          (std::isalpha(static_cast<unsigned char>(s_[pos_ + dash])) || s_[pos_ + dash] == '_')) {
        return parameter(dash);
      }
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t end = pos_;
      while (end < s_.size() && std::isdigit(static_cast<unsigned char>(s_[end]))) ++end;
      if (ends_word(end)) {
        std::string digits(s_.substr(pos_, end - pos_));
        pos_ = end;
        return make(PsTokenKind::Number, begin, std::move(digits));
      }
    }
    if (c == '&' || c == '<' || c == '>') return punctuation(PsTokenKind::Unsupported, 1);
    return bareword();
  }

  bool ends_word(size_t at) const {
    return at >= s_.size() || blank_at(s_, at) || is_delimiter(s_[at]) || single_quote_at(s_, at) ||
           double_quote_at(s_, at);
  }

  // Appends the content of the single-quoted string at pos_ and moves past it.
  void single_quoted(std::string& value) {
    size_t begin = pos_;
    pos_ += single_quote_at(s_, pos_);
    while (true) {
      if (pos_ >= s_.size()) {
        error_ = make_parser_error("The string is missing the terminator: '.",
                                   "TerminatorExpectedAtEndOfString", {begin, s_.size()});
        return;
      }
      if (size_t quote = single_quote_at(s_, pos_)) {
        size_t next = pos_ + quote;
        size_t second = single_quote_at(s_, next);
        if (second == 0) {
          pos_ = next;
          return;
        }
        value.append(s_.substr(next, second));  // a doubled quote stands for the second one
        pos_ = next + second;
        continue;
      }
      value += s_[pos_++];
    }
  }

  PsToken double_quoted() {
    size_t begin = pos_;
    pos_ += double_quote_at(s_, pos_);
    std::string value;
    while (true) {
      if (pos_ >= s_.size()) {
        error_ = make_parser_error("The string is missing the terminator: \".",
                                   "TerminatorExpectedAtEndOfString", {begin, s_.size()});
        return make(PsTokenKind::String, begin);
      }
      if (size_t quote = double_quote_at(s_, pos_)) {
        size_t next = pos_ + quote;
        if (size_t second = double_quote_at(s_, next)) {
          value.append(s_.substr(next, second));
          pos_ = next + second;
          continue;
        }
        pos_ = next;
        return make(PsTokenKind::String, begin, std::move(value));
      }
      if (s_[pos_] == '$' || s_[pos_] == '`') {
        // Expansion is outside the subset: refuse rather than guess what it would produce.
        error_ = make_parser_error(
            "Expandable strings are outside the lab's PowerShell subset: use single quotes.",
            "ExpandableStringNotSupported", {pos_, pos_ + 1});
        return make(PsTokenKind::String, begin);
      }
      value += s_[pos_++];
    }
  }

  PsToken variable() {
    size_t begin = pos_;
    ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      return make(PsTokenKind::DollarParen, begin);
    }
    size_t name_begin = pos_;
    while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
    if (pos_ == name_begin) return make(PsTokenKind::Unsupported, begin);
    PsToken token =
        make(PsTokenKind::Variable, begin, std::string(s_.substr(name_begin, pos_ - name_begin)));
    while (pos_ + 1 < s_.size() && s_[pos_] == '.' && is_name_char(s_[pos_ + 1])) {
      size_t member_begin = ++pos_;
      while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
      token.members.emplace_back(s_.substr(member_begin, pos_ - member_begin));
    }
    token.extent.end = pos_;
    return token;
  }

  // `.Name` right after `)` (or after a member): member access on what the parentheses give.
  std::optional<PsToken> member() {
    if (s_[pos_] != '.' || pos_ + 1 >= s_.size() || !is_name_char(s_[pos_ + 1]) ||
        std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))
      return std::nullopt;
    size_t begin = pos_++;
    while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
    return make(PsTokenKind::Member, begin, std::string(s_.substr(begin + 1, pos_ - begin - 1)));
  }

  PsToken type_literal() {
    size_t begin = pos_;
    size_t end = pos_ + 1;
    while (end < s_.size() && (is_name_char(s_[end]) || s_[end] == '.')) ++end;
    if (end >= s_.size() || s_[end] != ']' || end == pos_ + 1) {
      error_ = make_parser_error("Missing ] at end of attribute or type literal.",
                                 "EndSquareBracketExpectedAtEndOfAttribute", {begin, end});
      pos_ = end;
      return make(PsTokenKind::Unsupported, begin);
    }
    std::string name(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return make(PsTokenKind::TypeLiteral, begin, std::move(name));
  }

  PsToken parameter(size_t dash) {
    size_t begin = pos_;
    pos_ += dash;
    size_t name_begin = pos_;
    while (pos_ < s_.size() && !ends_word(pos_) && s_[pos_] != ':' && s_[pos_] != '`') ++pos_;
    PsToken token =
        make(PsTokenKind::Parameter, begin, std::string(s_.substr(name_begin, pos_ - name_begin)));
    if (pos_ < s_.size() && s_[pos_] == ':') {
      ++pos_;
      token.colon = true;
      token.extent.end = pos_;
    }
    return token;
  }

  // A generic token: runs to a blank or delimiter; single-quoted parts inside are joined to it
  // and a backtick takes the next character literally, as PowerShell does.
  PsToken bareword() {
    size_t begin = pos_;
    std::string value;
    while (pos_ < s_.size() && !error_) {
      if (blank_at(s_, pos_) || is_delimiter(s_[pos_]) || double_quote_at(s_, pos_)) break;
      if (single_quote_at(s_, pos_)) {
        single_quoted(value);
        continue;
      }
      if (s_[pos_] == '`' && pos_ + 1 < s_.size()) ++pos_;
      size_t length = utf8_length(s_, pos_);
      value.append(s_.substr(pos_, length));
      pos_ += length;
    }
    if (pos_ == begin) return punctuation(PsTokenKind::Unsupported, utf8_length(s_, pos_));
    return make(PsTokenKind::Bareword, begin, std::move(value));
  }

  std::string_view s_;
  size_t pos_ = 0;
  bool after_paren_ = false;  // the last token was ')' or a member
  std::optional<PsErrorRecord> error_;
};

}  // namespace

PsLexed lex_powershell(std::string_view source) {
  return Lexer(source).run();
}

std::string token_text(std::string_view source, const PsToken& token) {
  size_t begin = std::min(token.extent.begin, source.size());
  size_t end = std::clamp(token.extent.end, begin, source.size());
  return std::string(source.substr(begin, end - begin));
}

}  // namespace sd::lab
