// Negotiate (Kerberos, NTLM), Basic and Extended Protection between the project's HTTPS client
// and the lab, against a real MIT KDC and real GSS-API mechanisms (krb5, gss-ntlmssp).
#include <catch2/catch.hpp>

#include "base/base64.h"
#include "runtime/http/channel_binding.h"
#include "runtime/http/gss_initiator.h"
#include "tests/auth/realm_support.h"

namespace sd::test {
namespace {

using Method = http::AuthSettings::Method;

http::AuthSettings settings(Method method, std::string user, std::string password = {}) {
  http::AuthSettings s;
  s.method = method;
  s.user = std::move(user);
  s.password = std::move(password);
  return s;
}

http::Response response_of(std::variant<http::Response, http::TransportError> outcome) {
  if (auto* error = std::get_if<http::TransportError>(&outcome)) FAIL(error->message);
  return std::get<http::Response>(std::move(outcome));
}

std::string error_of(std::variant<http::Response, http::TransportError> outcome) {
  auto* error = std::get_if<http::TransportError>(&outcome);
  if (!error) FAIL("answered HTTP " << std::get<http::Response>(outcome).status);
  return error->message;
}

// A Negotiate header made by hand with `binding` (empty: none), for the lab's checks.
std::string negotiate_header(const std::string& binding) {
  http::GssSettings gss;
  gss.mechanism = http::GssSettings::Mechanism::Kerberos;
  gss.user = "nexj-sync@EXAMPLE.LOCAL";
  gss.password = "lab-password";
  gss.service = "HTTP/exch01.example.local";
  auto initiator = http::GssInitiator::create(gss);
  auto handshake = initiator->start(binding, false);
  REQUIRE(handshake.ok());
  Result<std::string> token = (*handshake)->step("");
  REQUIRE(token.ok());
  return "Negotiate " + base64_encode(*token);
}

}  // namespace

TEST_CASE("Kerberos through Negotiate: one handshake per connection, then plain requests",
          "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  auto client = lab.client(settings(Method::Negotiate, "nexj-sync@EXAMPLE.LOCAL", "lab-password"));
  for (int i = 0; i < 5; ++i) CHECK(response_of(client->send(calendar_request())).status == 200);
  CHECK(client->connections_opened() == 1);
  // A UPN in the domain's case names the same principal.
  auto upn = lab.client(settings(Method::Kerberos, "nexj-sync@example.local", "lab-password"));
  CHECK(response_of(upn->send(calendar_request())).status == 200);
}

TEST_CASE("NTLM through Negotiate, and alone, with a DOMAIN-qualified name", "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  auto ntlm = lab.client(settings(Method::Ntlm, "EXAMPLE\\nexj-sync", "lab-password"));
  for (int i = 0; i < 3; ++i) CHECK(response_of(ntlm->send(calendar_request())).status == 200);
  CHECK(ntlm->connections_opened() == 1);
  auto wrong = lab.client(settings(Method::Ntlm, "EXAMPLE\\nexj-sync", "not-the-password"));
  CHECK(response_of(wrong->send(calendar_request())).status == 401);
}

TEST_CASE("Kerberos from a client keytab and from the credential cache", "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  http::AuthSettings keytab = settings(Method::Kerberos, "nexj-sync@EXAMPLE.LOCAL");
  keytab.keytab = realm.path("nexj-sync.keytab");
  CHECK(response_of(lab.client(keytab)->send(calendar_request())).status == 200);
  // Nothing cached yet: the error says what to do.
  auto cached = lab.client(settings(Method::Kerberos, ""));
  CHECK_THAT(error_of(cached->send(calendar_request())),
             Catch::Contains("no Kerberos ticket") && Catch::Contains("run kinit"));
}

TEST_CASE("Kerberos failures name the principal, the service or the KDC", "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  CHECK(error_of(lab.client(settings(Method::Kerberos, "nexj-sync@EXAMPLE.LOCAL", "wrong"))
                     ->send(calendar_request())) ==
        "exch01.example.local:" + std::to_string(lab.server->port()) +
            ": cannot authenticate nexj-sync@EXAMPLE.LOCAL with kerberos: cannot get credentials "
            "for nexj-sync@EXAMPLE.LOCAL: wrong password or key for nexj-sync@EXAMPLE.LOCAL");
  http::AuthSettings other = settings(Method::Kerberos, "nexj-sync@EXAMPLE.LOCAL", "lab-password");
  other.spn = "HTTP/nowhere.example.local";
  CHECK_THAT(error_of(lab.client(other)->send(calendar_request())),
             Catch::Contains("the KDC does not know the service HTTP/nowhere.example.local"));
  realm.stop_kdc();
  CHECK_THAT(error_of(lab.client(settings(Method::Kerberos, "nexj-sync@EXAMPLE.LOCAL", "x"))
                          ->send(calendar_request())),
             Catch::Contains("cannot reach a KDC"));
}

TEST_CASE("the lab refuses Basic by default and says what it offers", "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  auto basic = lab.client(settings(Method::Basic, "nexj-sync@example.local", "lab-password"));
  CHECK_THAT(error_of(basic->send(calendar_request())),
             Catch::EndsWith("cannot authenticate nexj-sync@example.local with basic: the server "
                             "does not offer Basic; it offers Negotiate, NTLM"));
  lab::LabAuthOptions with_basic;
  with_basic.basic = true;
  AuthLab open(realm, with_basic);
  auto allowed = open.client(settings(Method::Basic, "nexj-sync@example.local", "lab-password"));
  CHECK(response_of(allowed->send(calendar_request())).status == 200);
}

TEST_CASE("Extended Protection: Allow refuses a wrong binding, Require a missing one too",
          "[auth][realm]") {
  TestRealm realm;
  for (auto mode : {lab::ExtendedProtection::Allow, lab::ExtendedProtection::Require}) {
    lab::LabAuthOptions auth;
    auth.extended_protection = mode;
    AuthLab lab(realm, auth);
    const bool require = mode == lab::ExtendedProtection::Require;
    INFO((require ? "Require" : "Allow"));
    auto send_with = [&](const std::string& header) {
      http::Request request = calendar_request();
      request.headers.emplace_back("Authorization", header);
      return response_of(lab.bare_client()->send(request)).status;
    };
    CHECK(send_with(negotiate_header("tls-server-end-point:not the certificate's hash")) == 401);
    CHECK(send_with(negotiate_header("")) == (require ? 401 : 200));
    // Our client always binds: accepted in both modes, Kerberos and NTLM.
    auto kerberos =
        lab.client(settings(Method::Negotiate, "nexj-sync@EXAMPLE.LOCAL", "lab-password"));
    CHECK(response_of(kerberos->send(calendar_request())).status == 200);
    auto ntlm = lab.client(settings(Method::Ntlm, "EXAMPLE\\nexj-sync", "lab-password"));
    CHECK(response_of(ntlm->send(calendar_request())).status == 200);
  }
}

}  // namespace sd::test
