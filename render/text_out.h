// The buffered writer of the text renderers (plan and drift): appends go to one string that is
// written out every 64 KB, so 300,000 actions render in a fraction of a second. Untrusted text
// goes through printable() (text()), so a name with a newline or an escape sequence cannot forge
// lines or colors; colors only when asked for.
#pragma once

#include <charconv>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "base/text_checks.h"
#include "plan/plan.h"
#include "render/ansi_colors.h"

namespace sd {

class TextOut {
 public:
  static constexpr size_t kMaxChars = 200;  // per name or value, as display_value() cuts
  static constexpr size_t kFlushAt = 1 << 16;

  TextOut(std::ostream& out, bool color) : out_(out), color_(color) {
    buf_.reserve(kFlushAt + 4096);
  }
  ~TextOut() { flush(); }
  TextOut(const TextOut&) = delete;
  TextOut& operator=(const TextOut&) = delete;

  TextOut& operator<<(std::string_view s) {
    buf_.append(s);
    return *this;
  }
  TextOut& operator<<(char c) {
    buf_ += c;
    return *this;
  }
  TextOut& operator<<(size_t n) { return number(n); }
  TextOut& operator<<(int64_t n) { return number(n); }

  // Untrusted text: printable(), without its allocation when nothing needs escaping.
  void text(std::string_view s) {
    bool plain = s.size() <= kMaxChars;
    for (size_t i = 0; plain && i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      plain = c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
    }
    if (plain) {
      buf_.append(s);
    } else {
      buf_.append(printable(s, kMaxChars));
    }
  }
  // A field's value: text quoted and escaped, numbers and booleans as they are, the rest as
  // display_value() says (lists, unlimited, (unset), (sensitive)).
  void value(const Value& v, Compare rule) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      buf_ += '"';
      text(*s);
      buf_ += '"';
    } else if (const auto* b = std::get_if<bool>(&v)) {
      buf_.append(*b ? "true" : "false");
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      *this << *i;
    } else {
      buf_.append(display_value(v, rule));
    }
  }
  // `s` in `style` (and back to plain after it unless `reset` is false) when colors are on.
  void styled(std::string_view style, std::string_view s, bool reset = true) {
    if (color_ && !style.empty()) {
      buf_.append(style).append(s);
      if (reset) buf_.append(ansi::kReset);
    } else {
      buf_.append(s);
    }
  }
  // The mark of an action (+ ~ - ? !) in its color.
  void mark(const ansi::ActionMark& mark) { styled(mark.color, std::string_view(&mark.symbol, 1)); }
  void end_line() {
    buf_ += '\n';
    if (buf_.size() >= kFlushAt) flush();
  }
  void flush() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }

 private:
  template <class N>
  TextOut& number(N n) {
    char digits[24];
    buf_.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
    return *this;
  }

  std::ostream& out_;
  std::string buf_;
  bool color_;
};

// "Limited to: nexj, exchange (--only)" when the plan is limited; nothing otherwise.
inline void limited_to_line(TextOut& o, const Plan& plan) {
  if (plan.only.empty()) return;
  o << "Limited to: ";
  for (size_t i = 0; i < plan.only.size(); ++i) {
    if (i) o << ", ";
    o.text(plan.only[i]);
  }
  o << " (--only)";
  o.end_line();
}

}  // namespace sd
