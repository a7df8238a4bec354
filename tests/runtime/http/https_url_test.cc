#include "runtime/http/https_url.h"

#include <catch2/catch.hpp>

#include "tests/base/result_support.h"

namespace sd::http {

namespace {

using sd::test::message;

}  // namespace

TEST_CASE("https URLs: host, port and target", "[http]") {
  Result<HttpsUrl> url = parse_https_url("https://Exch01.Example.Local/EWS/Exchange.asmx");
  REQUIRE(url.ok());
  CHECK(url->host == "exch01.example.local");
  CHECK(url->port == 443);
  CHECK(url->target == "/EWS/Exchange.asmx");
  CHECK(url->authority() == "exch01.example.local");
  CHECK(url->text() == "https://exch01.example.local/EWS/Exchange.asmx");

  url = parse_https_url("HTTPS://127.0.0.1:8443");
  REQUIRE(url.ok());
  CHECK(url->host == "127.0.0.1");
  CHECK(url->port == 8443);
  CHECK(url->target == "/");
  CHECK(url->text() == "https://127.0.0.1:8443/");

  url = parse_https_url("https://host.local?a=1#fragment");
  REQUIRE(url.ok());
  CHECK(url->target == "/?a=1");

  url = parse_https_url("https://[::1]:9443/x?y");
  REQUIRE(url.ok());
  CHECK(url->host == "::1");
  CHECK(url->port == 9443);
  CHECK(url->target == "/x?y");
  CHECK(url->authority() == "[::1]:9443");

  url = parse_https_url("https://host:443/");
  REQUIRE(url.ok());
  CHECK(url->authority() == "host");
}

TEST_CASE("https URLs: errors name what is wrong", "[http]") {
  CHECK(message(parse_https_url("http://exch01/EWS")) == "not an https URL: http://exch01/EWS");
  CHECK(message(parse_https_url("exch01")) == "not an https URL: exch01");
  CHECK(message(parse_https_url("")) == "not an https URL: ");
  CHECK(message(parse_https_url("https://")) == "the URL has no host");
  CHECK(message(parse_https_url("https:///EWS")) == "the URL has no host");
  CHECK(message(parse_https_url("https://:443/")) == "the URL has no host");
  CHECK(message(parse_https_url("https://h:0/")) == "the port is not a number in 1..65535");
  CHECK(message(parse_https_url("https://h:65536/")) == "the port is not a number in 1..65535");
  CHECK(message(parse_https_url("https://h:44x/")) == "the port is not a number in 1..65535");
  CHECK(message(parse_https_url("https://h:/")) == "the port is not a number in 1..65535");
  CHECK(message(parse_https_url("https://h:-1/")) == "the port is not a number in 1..65535");
  CHECK(message(parse_https_url("https://[::1/")) == "not an https URL: https://[::1/");
  CHECK(message(parse_https_url("https://u:p@h/")) ==
        "the URL must not contain a user name or password: https://u:p@h/");
}

TEST_CASE("http URLs: only where asked for, port 80 by default", "[http]") {
  Result<HttpsUrl> url = parse_http_url("HTTP://Exch01.example.local/PowerShell/");
  REQUIRE(url.ok());
  CHECK_FALSE(url->tls);
  CHECK(url->port == 80);
  CHECK(url->target == "/PowerShell/");
  CHECK(url->text() == "http://exch01.example.local/PowerShell/");
  url = parse_http_url("http://exch01:8080/wsman");
  REQUIRE(url.ok());
  CHECK(url->text() == "http://exch01:8080/wsman");
  url = parse_http_url("https://exch01:443/wsman");
  REQUIRE(url.ok());
  CHECK(url->tls);
  CHECK(url->text() == "https://exch01/wsman");
  CHECK(message(parse_http_url("ftp://exch01/")) == "not an http or https URL: ftp://exch01/");
  CHECK(message(parse_http_url("http://")) == "the URL has no host");
  CHECK(message(parse_https_url("http://exch01/PowerShell/")) ==
        "not an https URL: http://exch01/PowerShell/");
}

TEST_CASE("SYNCDEPLOY_CONNECT_TO: entries and errors", "[http]") {
  Result<std::vector<ConnectTo>> entries =
      parse_connect_to("Exch01.example.local:443=127.0.0.1:8443; crm:8080=[::1]:9000,");
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 2);
  CHECK((*entries)[0].host == "exch01.example.local");
  CHECK((*entries)[0].port == 443);
  CHECK((*entries)[0].address == "127.0.0.1");
  CHECK((*entries)[0].address_port == 8443);
  CHECK((*entries)[1].host == "crm");
  CHECK((*entries)[1].port == 8080);
  CHECK((*entries)[1].address == "::1");
  CHECK((*entries)[1].address_port == 9000);

  Result<std::vector<ConnectTo>> empty = parse_connect_to("");
  REQUIRE(empty.ok());
  CHECK(empty->empty());

  CHECK(message(parse_connect_to("a:1=b:2,x")) ==
        "SYNCDEPLOY_CONNECT_TO: entry 2 (\"x\") is not host:port=address:port");
  CHECK(message(parse_connect_to("a=b:2")) ==
        "SYNCDEPLOY_CONNECT_TO: entry 1 (\"a=b:2\") is not host:port=address:port");
  CHECK(message(parse_connect_to("a:1=b")) ==
        "SYNCDEPLOY_CONNECT_TO: entry 1 (\"a:1=b\") is not host:port=address:port");
  CHECK(message(parse_connect_to("a:1=b:99999")) ==
        "SYNCDEPLOY_CONNECT_TO: entry 1 (\"a:1=b:99999\") is not host:port=address:port");
  CHECK(message(parse_connect_to(":1=b:2")) ==
        "SYNCDEPLOY_CONNECT_TO: entry 1 (\":1=b:2\") is not host:port=address:port");
}

TEST_CASE("destination_of: the first matching override, else the URL", "[http]") {
  Result<HttpsUrl> url = parse_https_url("https://exch01.example.local/EWS/Exchange.asmx");
  REQUIRE(url.ok());
  std::vector<ConnectTo> overrides = {{"exch01.example.local", 8443, "10.0.0.1", 1},
                                      {"exch01.example.local", 443, "127.0.0.1", 9443},
                                      {"exch01.example.local", 443, "127.0.0.2", 9444}};
  Destination to = destination_of(*url, overrides);
  CHECK(to.address == "127.0.0.1");
  CHECK(to.port == 9443);

  to = destination_of(*url, {});
  CHECK(to.address == "exch01.example.local");
  CHECK(to.port == 443);
}

}  // namespace sd::http
