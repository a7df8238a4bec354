// HTTPS URLs and where to connect for them. Plain http is accepted only where the caller seals
// every body itself (WS-Management's message encryption, protocol/wsman_encryption.h):
// syncdeploy never sends credentials or data in clear text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace sd::http {

struct HttpsUrl {
  std::string host;  // lower case; the name TLS verifies and SNI sends; IPv6 without brackets
  uint16_t port = 443;
  std::string target;  // path and query, "/" when empty
  bool tls = true;     // https; false: http, for message encryption only (last: aggregates)
  [[nodiscard]] std::string authority() const;  // "host" or "host:port" (the default left out)
  [[nodiscard]] std::string text() const;       // "https://authority/target"
};

// Errors: "not an https URL: <url>", "the URL has no host", "the port is not a number in 1..65535".
[[nodiscard]] Result<HttpsUrl> parse_https_url(std::string_view url);
// The same, http:// accepted too (port 80 by default): "not an http or https URL: <url>".
[[nodiscard]] Result<HttpsUrl> parse_http_url(std::string_view url);

// Like curl's --connect-to: connections for host:port go to address:port instead, while TLS still
// verifies `host`. The lab and the tests use it so that specs keep real-looking names.
struct ConnectTo {
  std::string host;
  uint16_t port = 443;
  std::string address;
  uint16_t address_port = 443;
};

// Parses SYNCDEPLOY_CONNECT_TO: entries "host:port=address:port" separated by ',' or ';'.
// Error: "SYNCDEPLOY_CONNECT_TO: entry 2 (\"x\") is not host:port=address:port".
[[nodiscard]] Result<std::vector<ConnectTo>> parse_connect_to(std::string_view text);

// Where to open a TCP connection for `url`: the first matching override, else the URL's own.
struct Destination {
  std::string address;
  uint16_t port = 443;
};
[[nodiscard]] Destination destination_of(const HttpsUrl& url,
                                         const std::vector<ConnectTo>& overrides);

}  // namespace sd::http
