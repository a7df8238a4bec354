#include "runtime/http/tls_probe.h"

#include <catch2/catch.hpp>

#include "tests/runtime/http/http_support.h"
#include "tls_test_server_support.h"

namespace sd::http {

using sd::test::TlsTestServer;
using sd::test::url_of;
using std::chrono::milliseconds;

TEST_CASE("tls probe: a good certificate and its days left", "[http]") {
  TlsTestServer server({"exch01.example.local"}, 365);
  TlsProbeResult result =
      probe_tls(url_of(server.url()), server.certificates().ca_file, {}, milliseconds(5000));
  CHECK(result.ok);
  CHECK(result.error == "");
  REQUIRE(result.days_to_expiry.has_value());
  // 365 days less the moments since the certificate was made (whole seconds in X.509).
  CHECK(*result.days_to_expiry >= 364);
  CHECK(*result.days_to_expiry <= 365);
  CHECK(result.subject == "CN=exch01.example.local");
  CHECK(result.issuer == "CN=syncdeploy lab CA");
}

TEST_CASE("tls probe: a certificate with 10 days left, through ConnectTo", "[http]") {
  TlsTestServer server({"crm.example.local"}, 10);
  std::vector<ConnectTo> connect_to = {{"crm.example.local", 443, "127.0.0.1", server.port()}};
  TlsProbeResult result = probe_tls(url_of("https://crm.example.local/"),
                                    server.certificates().ca_file, connect_to, milliseconds(5000));
  CHECK(result.ok);
  REQUIRE(result.days_to_expiry.has_value());
  CHECK(*result.days_to_expiry >= 9);
  CHECK(*result.days_to_expiry <= 10);
  CHECK(result.subject == "CN=crm.example.local");
}

TEST_CASE("tls probe: an expired certificate", "[http]") {
  TlsTestServer server({"exch01.example.local"}, -3);
  TlsProbeResult result =
      probe_tls(url_of(server.url()), server.certificates().ca_file, {}, milliseconds(5000));
  CHECK_FALSE(result.ok);
  CHECK(result.error ==
        "127.0.0.1:" + std::to_string(server.port()) + ": the certificate expired 3 days ago");
  REQUIRE(result.days_to_expiry.has_value());
  // Rounded down: -4 once a second has passed since the certificate was made.
  CHECK(*result.days_to_expiry >= -4);
  CHECK(*result.days_to_expiry <= -3);
  CHECK(result.subject == "CN=exch01.example.local");
}

TEST_CASE("tls probe: a host name the certificate does not carry", "[http]") {
  TlsTestServer server({"lab.local"}, 365);
  std::string port = std::to_string(server.port());
  std::vector<ConnectTo> connect_to = {
      {"crm.example.local", server.port(), "127.0.0.1", server.port()}};
  TlsProbeResult result = probe_tls(url_of("https://crm.example.local:" + port + "/"),
                                    server.certificates().ca_file, connect_to, milliseconds(5000));
  CHECK_FALSE(result.ok);
  CHECK(result.error == "crm.example.local:" + port +
                            ": the certificate is for lab.local, localhost, 127.0.0.1, not "
                            "crm.example.local");
  CHECK(result.subject == "CN=lab.local");
  CHECK(result.days_to_expiry.has_value());
}

TEST_CASE("tls probe: a chain that does not verify still shows the certificate", "[http]") {
  TlsTestServer server;
  TlsProbeResult result = probe_tls(url_of(server.url()), "", {}, milliseconds(5000));
  CHECK_FALSE(result.ok);
  CHECK(result.error == "127.0.0.1:" + std::to_string(server.port()) +
                            ": certificate verify failed (self-signed certificate in certificate "
                            "chain)");
  CHECK(result.subject == "CN=exch01.example.local");
  CHECK(result.issuer == "CN=syncdeploy lab CA");
}

TEST_CASE("tls probe: connection refused, and a bad CA file", "[http]") {
  uint16_t port = test::unused_port();
  HttpsUrl url = url_of("https://127.0.0.1:" + std::to_string(port) + "/");
  TlsProbeResult result = probe_tls(url, "", {}, milliseconds(3000));
  CHECK_FALSE(result.ok);
  CHECK(result.error == "127.0.0.1:" + std::to_string(port) + ": connection refused");
  CHECK_FALSE(result.days_to_expiry.has_value());
  CHECK(result.subject == "");

  result = probe_tls(url, "tests/data/no-such-ca.pem", {}, milliseconds(3000));
  CHECK_FALSE(result.ok);
  CHECK(result.error == "127.0.0.1:" + std::to_string(port) +
                            ": cannot read CA file tests/data/no-such-ca.pem: No such file or "
                            "directory");
}

}  // namespace sd::http
