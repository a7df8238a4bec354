#include "spec/spec_values.h"

#include <fmt/format.h>

#include <charconv>

namespace sd {

std::string single_quoted(std::string_view value) {
  return "'" + printable(value) + "'";
}

std::string name_list(const std::vector<std::string_view>& names) {
  constexpr size_t kShown = 10;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) {
    if (i > 0) out += ", ";
    out += printable(names[i], 40);
  }
  if (names.size() > kShown) out += fmt::format(" and {} more", names.size() - kShown);
  return out;
}

Url parse_url(std::string_view url) {
  auto bad = [](std::string_view why) { return Url{{}, {}, why}; };
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
      return bad("spaces and control characters are not allowed");
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return bad("expected scheme://host[:port][/path]");
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos)
    return bad("user names and passwords do not belong in a URL");
  // The port follows the last ':' that is not inside an IPv6 literal ([::1]:443).
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) != std::string_view::npos)
    colon = std::string_view::npos;
  std::string_view host = authority.substr(0, colon);
  if (host.empty()) return bad("no host");
  const bool ipv6 = host.size() > 2 && host.front() == '[' && host.back() == ']';
  for (char c : ipv6 ? host.substr(1, host.size() - 2) : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || (ipv6 && c == ':');
    if (!ok) return bad("the host has a character that is not allowed");
  }
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    unsigned number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number == 0 ||
        number > 65535)
      return bad("the port is not a number from 1 to 65535");
  }
  return Url{url.substr(0, sep), host, {}};
}

AccountForm account_form(std::string_view name) {
  const size_t slash = name.find('\\'), at = name.find('@');
  if (slash != std::string_view::npos) {
    const bool one = name.find('\\', slash + 1) == std::string_view::npos;
    return one && slash > 0 && slash + 1 < name.size() ? AccountForm::DomainName
                                                       : AccountForm::Malformed;
  }
  if (at == std::string_view::npos) return AccountForm::Bare;
  const bool one = name.find('@', at + 1) == std::string_view::npos;
  return one && at > 0 && at + 1 < name.size() ? AccountForm::Upn : AccountForm::Malformed;
}

bool is_loopback(std::string_view host) {
  return iequals(host, "localhost") || host.starts_with("127.") || host == "[::1]";
}

bool is_hh_mm(std::string_view s) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() != 5 || s[2] != ':' || !digit(s[0]) || !digit(s[1]) || !digit(s[3]) || !digit(s[4]))
    return false;
  int hours = (s[0] - '0') * 10 + (s[1] - '0');
  int minutes = (s[3] - '0') * 10 + (s[4] - '0');
  return hours <= 23 && minutes <= 59;
}

std::string exchange_name_problem(std::string_view name) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (name.empty()) return "it is empty";
  for (size_t i = 0; i < name.size();) {
    char c = name[i];
    if (alnum(c) || (i > 0 && (c == ' ' || c == '.' || c == '_' || c == '-'))) {
      ++i;
      continue;
    }
    // Show the whole character, not one byte of it.
    uint32_t code_point = 0;
    size_t length = decode_utf8(name, i, code_point);
    std::string shown = printable(name.substr(i, length == 0 ? 1 : length));
    if (i == 0) return fmt::format("it starts with '{}'; start with a letter or digit", shown);
    return fmt::format("'{}' is not allowed; use letters, digits, spaces, '.', '_' and '-'", shown);
  }
  // Only ASCII is left, so bytes are characters.
  if (name.size() > 64)
    return fmt::format("it is {} characters long; Exchange allows at most 64", name.size());
  return {};
}

std::string login_problem(std::string_view login) {
  if (login.empty()) return "login is empty";
  if (has_control_character(login))
    return fmt::format("login {} has a control character", quoted(login));
  if (login.front() == ' ' || login.back() == ' ')
    return fmt::format("login {} has leading or trailing spaces", quoted(login));
  // Addresses are split at '/': with login "a/calendar", nexj.folder_link/a/calendar/tasks
  // would read as login "a", so plans and journals could name the wrong user.
  if (login.find('/') != std::string_view::npos)
    return fmt::format(
        "login {} contains '/'; logins cannot contain '/' because folder links are addressed "
        "nexj.folder_link/<login>/<folder>",
        quoted(login));
  return {};
}

}  // namespace sd
