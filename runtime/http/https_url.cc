#include "runtime/http/https_url.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "base/text_checks.h"

namespace sd::http {

namespace {

std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

struct HostPort {
  std::string host;
  std::optional<std::string_view> port;  // the text after ':', when there is one
};

// "host", "host:port", "[v6]" or "[v6]:port". Nothing when the brackets do not close or
// something other than ":port" follows them.
std::optional<HostPort> split_host_port(std::string_view text) {
  HostPort out;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = to_lower_ascii(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return out;
    if (rest.front() != ':') return std::nullopt;
    out.port = rest.substr(1);
    return out;
  }
  size_t colon = text.find(':');
  out.host = to_lower_ascii(text.substr(0, colon));
  if (colon != std::string_view::npos) out.port = text.substr(colon + 1);
  return out;
}

bool host_is_plain(const std::string& host) {
  return std::none_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isspace(c) || std::iscntrl(c) || c == '@' || c == '[' || c == ']' || c == '/';
  });
}

}  // namespace

std::string HttpsUrl::authority() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) out += ":" + std::to_string(port);
  return out;
}

std::string HttpsUrl::text() const {
  return (tls ? "https://" : "http://") + authority() + target;
}

namespace {

Result<HttpsUrl> parse_url(std::string_view url, bool allow_http) {
  const std::string not_one =
      (allow_http ? "not an http or https URL: " : "not an https URL: ") + std::string(url);
  std::string_view text = trim_space(url);
  const bool tls = text.size() >= 8 && iequals(text.substr(0, 8), "https://");
  const bool plain = !tls && text.size() >= 7 && iequals(text.substr(0, 7), "http://");
  if (!tls && !(plain && allow_http)) return make_error(not_one);
  text.remove_prefix(tls ? 8 : 7);

  size_t authority_end = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, authority_end);
  std::string_view rest =
      authority_end == std::string_view::npos ? std::string_view() : text.substr(authority_end);
  // user:password@ in a URL would put a secret where logs print it; it is not accepted.
  if (authority.find('@') != std::string_view::npos)
    return make_error("the URL must not contain a user name or password: " + std::string(url));

  std::optional<HostPort> host_port = split_host_port(authority);
  if (!host_port || (!host_port->host.empty() && !host_is_plain(host_port->host)))
    return make_error(not_one);
  if (host_port->host.empty()) return make_error("the URL has no host");

  HttpsUrl out;
  out.tls = tls;
  out.port = tls ? 443 : 80;
  out.host = std::move(host_port->host);
  if (host_port->port) {
    std::optional<uint16_t> port = parse_port(*host_port->port);
    if (!port) return make_error("the port is not a number in 1..65535");
    out.port = *port;
  }
  rest = rest.substr(0, rest.find('#'));  // the fragment is never sent
  if (rest.empty())
    out.target = "/";
  else if (rest.front() == '?')
    out.target = "/" + std::string(rest);
  else
    out.target = std::string(rest);
  return out;
}

}  // namespace

Result<HttpsUrl> parse_https_url(std::string_view url) {
  return parse_url(url, false);
}

Result<HttpsUrl> parse_http_url(std::string_view url) {
  return parse_url(url, true);
}

Result<std::vector<ConnectTo>> parse_connect_to(std::string_view text) {
  std::vector<ConnectTo> out;
  size_t entry_number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(",;", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view entry = trim_space(text.substr(start, end - start));
    start = end + 1;
    if (entry.empty()) continue;
    ++entry_number;
    auto bad = [&] {
      return make_error("SYNCDEPLOY_CONNECT_TO: entry " + std::to_string(entry_number) + " (\"" +
                        std::string(entry) + "\") is not host:port=address:port");
    };
    size_t equals = entry.find('=');
    if (equals == std::string_view::npos) return bad();
    std::optional<HostPort> from = split_host_port(trim_space(entry.substr(0, equals)));
    std::optional<HostPort> to = split_host_port(trim_space(entry.substr(equals + 1)));
    if (!from || !to || !from->port || !to->port || from->host.empty() || to->host.empty())
      return bad();
    if (!host_is_plain(from->host) || !host_is_plain(to->host)) return bad();
    std::optional<uint16_t> from_port = parse_port(*from->port);
    std::optional<uint16_t> to_port = parse_port(*to->port);
    if (!from_port || !to_port) return bad();
    out.push_back(ConnectTo{from->host, *from_port, to->host, *to_port});
  }
  return out;
}

Destination destination_of(const HttpsUrl& url, const std::vector<ConnectTo>& overrides) {
  for (const ConnectTo& entry : overrides)
    if (entry.port == url.port && iequals(entry.host, url.host))
      return Destination{entry.address, entry.address_port};
  return Destination{url.host, url.port};
}

}  // namespace sd::http
