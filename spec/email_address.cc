#include "spec/email_address.h"

#include <array>

namespace sd {
namespace {

// RFC 5322 atext: what a dot-atom local part may hold besides '.'.
constexpr std::array<bool, 256> make_atext_table() {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-/=?^_`{|}~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kAtext = make_atext_table();

constexpr bool is_ldh(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

std::string_view local_part_problem(std::string_view local) {
  if (local.empty()) return "nothing before '@'";
  if (local.size() > 64) return "the part before '@' is longer than 64 characters";
  if (local.front() == '.' || local.back() == '.')
    return "the part before '@' starts or ends with '.'";
  char previous = 0;
  for (char ch : local) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (previous == '.') return "the part before '@' has '..'";
    } else if (c >= 0x80) {
      return "non-ASCII characters are not supported";
    } else if (!kAtext[c]) {
      return c == ' ' ? "spaces are not allowed"
                      : "the part before '@' has a character that is not allowed";
    }
    previous = ch;
  }
  return {};
}

std::string_view domain_problem(std::string_view domain) {
  if (domain.empty()) return "nothing after '@'";
  if (domain.size() > 253) return "the domain is longer than 253 characters";
  size_t labels = 0;
  size_t start = 0;
  bool last_all_digits = false;
  while (true) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return "the domain has an empty label (a leading, trailing or double '.')";
    if (label.size() > 63) return "a domain label is longer than 63 characters";
    bool all_digits = true;
    for (char ch : label) {
      unsigned char c = static_cast<unsigned char>(ch);
      if (c >= 0x80) return "non-ASCII characters are not supported";
      if (!is_ldh(c)) {
        return c == ' ' ? "spaces are not allowed"
                        : "the domain has a character that is not allowed";
      }
      all_digits = all_digits && c >= '0' && c <= '9';
    }
    if (label.front() == '-' || label.back() == '-')
      return "a domain label starts or ends with '-'";
    ++labels;
    last_all_digits = all_digits;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2) return "the domain has no '.'";
  if (last_all_digits) return "the domain ends in a number, not a name";
  return {};
}

}  // namespace

std::string_view email_address_problem(std::string_view address) {
  if (address.empty()) return "the address is empty";
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return "no '@'";
  if (address.find('@') != at) return "more than one '@'";
  if (address.size() > 254) return "longer than 254 characters";
  if (std::string_view p = local_part_problem(address.substr(0, at)); !p.empty()) return p;
  return domain_problem(address.substr(at + 1));
}

}  // namespace sd
