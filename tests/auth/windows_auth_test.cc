// Negotiate (Kerberos, NTLM), Basic and Extended Protection between the project's HTTPS client
// and the lab, against a real MIT KDC and real GSS-API mechanisms (krb5, gss-ntlmssp).
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/base64.h"
#include "runtime/http/channel_binding.h"
#include "runtime/http/gss_initiator.h"
#include "tests/auth/realm_support.h"
#include "tests/cli/golden_support.h"

namespace sd::test {
namespace {

using Method = http::AuthSettings::Method;

http::AuthSettings auth_settings(Method method, std::string user, std::string password = {}) {
  http::AuthSettings s;
  s.method = method;
  s.user = std::move(user);
  s.password = std::move(password);
  return s;
}

http::Response answer_of(std::variant<http::Response, http::TransportError> outcome) {
  if (auto* error = std::get_if<http::TransportError>(&outcome)) FAIL(error->message);
  return std::get<http::Response>(std::move(outcome));
}

std::string login_error_of(std::variant<http::Response, http::TransportError> outcome) {
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
  auto client =
      lab.client(auth_settings(Method::Negotiate, "nexj-sync@EXAMPLE.LOCAL", "lab-password"));
  for (int i = 0; i < 5; ++i) CHECK(answer_of(client->send(calendar_request())).status == 200);
  CHECK(client->connections_opened() == 1);
  // The password's tickets stayed in memory: nothing in the credential cache KRB5CCNAME names.
  CHECK_FALSE(std::filesystem::exists(realm.path("ccache")));
  // A UPN in the domain's case names the same principal.
  auto upn = lab.client(auth_settings(Method::Kerberos, "nexj-sync@example.local", "lab-password"));
  CHECK(answer_of(upn->send(calendar_request())).status == 200);
}

TEST_CASE("NTLM through Negotiate, and alone, with a DOMAIN-qualified name", "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  auto ntlm = lab.client(auth_settings(Method::Ntlm, "EXAMPLE\\nexj-sync", "lab-password"));
  for (int i = 0; i < 3; ++i) CHECK(answer_of(ntlm->send(calendar_request())).status == 200);
  CHECK(ntlm->connections_opened() == 1);
  auto wrong = lab.client(auth_settings(Method::Ntlm, "EXAMPLE\\nexj-sync", "not-the-password"));
  CHECK(answer_of(wrong->send(calendar_request())).status == 401);
}

TEST_CASE("Kerberos from a client keytab and from the credential cache", "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  http::AuthSettings keytab = auth_settings(Method::Kerberos, "nexj-sync@EXAMPLE.LOCAL");
  keytab.keytab = realm.path("nexj-sync.keytab");
  CHECK(answer_of(lab.client(keytab)->send(calendar_request())).status == 200);
  // Nothing cached yet: the error says what to do.
  auto cached = lab.client(auth_settings(Method::Kerberos, ""));
  CHECK_THAT(login_error_of(cached->send(calendar_request())),
             Catch::Contains("no Kerberos ticket") && Catch::Contains("run kinit"));
}

TEST_CASE("Kerberos failures name the principal, the service or the KDC", "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  CHECK(
      login_error_of(lab.client(auth_settings(Method::Kerberos, "nexj-sync@EXAMPLE.LOCAL", "wrong"))
                         ->send(calendar_request())) ==
      "exch01.example.local:" + std::to_string(lab.server->port()) +
          ": cannot authenticate nexj-sync@EXAMPLE.LOCAL with kerberos: cannot get credentials "
          "for nexj-sync@EXAMPLE.LOCAL: wrong password or key for nexj-sync@EXAMPLE.LOCAL");
  http::AuthSettings other =
      auth_settings(Method::Kerberos, "nexj-sync@EXAMPLE.LOCAL", "lab-password");
  other.spn = "HTTP/nowhere.example.local";
  CHECK_THAT(login_error_of(lab.client(other)->send(calendar_request())),
             Catch::Contains("the KDC does not know the service HTTP/nowhere.example.local"));
  realm.stop_kdc();
  CHECK_THAT(
      login_error_of(lab.client(auth_settings(Method::Kerberos, "nexj-sync@EXAMPLE.LOCAL", "x"))
                         ->send(calendar_request())),
      Catch::Contains("cannot reach a KDC"));
}

TEST_CASE("Kerberos from the credential cache, and a ticket that expired there", "[auth][realm]") {
  TestRealm realm;
  // Kerberos lets a ticket live on by the allowed clock skew (5 minutes); 1 s here.
  std::string config = *read_text(realm.path("krb5.conf"));
  config.replace(config.find("[libdefaults]\n"), 14, "[libdefaults]\n  clockskew = 1\n");
  std::ofstream(realm.path("krb5-strict.conf")) << config;
  ::setenv("KRB5_CONFIG", realm.path("krb5-strict.conf").c_str(), 1);
  AuthLab lab(realm);
  realm.kinit("nexj-sync@EXAMPLE.LOCAL", "lab-password", "2s");
  auto fresh = lab.client(auth_settings(Method::Kerberos, ""));
  CHECK(answer_of(fresh->send(calendar_request())).status == 200);
  // The connection stays authenticated; a new client (new connections) needs a new ticket.
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));
  CHECK(answer_of(fresh->send(calendar_request())).status == 200);
  CHECK_THAT(
      login_error_of(lab.client(auth_settings(Method::Kerberos, ""))->send(calendar_request())),
      Catch::Contains("expired") && Catch::Contains("kinit"));
}

TEST_CASE("a KDC ten minutes ahead of the server: the 401's KRB-ERROR says clock skew",
          "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  realm.restart_kdc_ahead("+10m");
  // MIT's client takes the KDC's time for its tickets; the lab's clock is ten minutes behind.
  auto client =
      lab.client(auth_settings(Method::Kerberos, "nexj-sync@EXAMPLE.LOCAL", "lab-password"));
  CHECK_THAT(login_error_of(client->send(calendar_request())),
             Catch::EndsWith("authentication failed for HTTP/exch01.example.local: the server "
                             "finds the ticket not valid yet: the clocks of the KDC and the "
                             "server differ by more than 5 minutes"));
}

TEST_CASE("the lab refuses Basic by default and says what it offers", "[auth][realm]") {
  TestRealm realm;
  AuthLab lab(realm);
  auto basic = lab.client(auth_settings(Method::Basic, "nexj-sync@example.local", "lab-password"));
  CHECK_THAT(login_error_of(basic->send(calendar_request())),
             Catch::EndsWith("cannot authenticate nexj-sync@example.local with basic: the server "
                             "does not offer Basic; it offers Negotiate, NTLM"));
  lab::LabAuthOptions with_basic;
  with_basic.basic = true;
  AuthLab open(realm, with_basic);
  auto allowed =
      open.client(auth_settings(Method::Basic, "nexj-sync@example.local", "lab-password"));
  CHECK(answer_of(allowed->send(calendar_request())).status == 200);
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
      return answer_of(lab.bare_client()->send(request)).status;
    };
    CHECK(send_with(negotiate_header("tls-server-end-point:not the certificate's hash")) == 401);
    CHECK(send_with(negotiate_header("")) == (require ? 401 : 200));
    // Our client always binds: accepted in both modes, Kerberos and NTLM.
    auto kerberos =
        lab.client(auth_settings(Method::Negotiate, "nexj-sync@EXAMPLE.LOCAL", "lab-password"));
    CHECK(answer_of(kerberos->send(calendar_request())).status == 200);
    auto ntlm = lab.client(auth_settings(Method::Ntlm, "EXAMPLE\\nexj-sync", "lab-password"));
    CHECK(answer_of(ntlm->send(calendar_request())).status == 200);
  }
}

}  // namespace sd::test
