// What the client's authentication does with servers that misbehave: a 401 forever, only Basic,
// malformed, truncated or oversized tokens, a connection closed mid-handshake. Every case ends in
// a bounded number of requests with an error naming the server, or the server's 401 returned
// as the refusal it is. NTLM makes its first token without a KDC, so no realm is needed here.
#include <catch2/catch.hpp>

#include "runtime/http/http_auth.h"
#include "tests/runtime/http/http_support.h"
#include "tests/runtime/http/tls_test_server_support.h"

namespace sd::test {
namespace {

using Outcome = std::variant<http::Response, http::TransportError>;

std::unique_ptr<http::HttpsClient> ntlm_client(
    const TlsTestServer& server,
    http::AuthSettings::Method method = http::AuthSettings::Method::Ntlm) {
  http::ClientOptions options;
  options.ca_file = server.certificates().ca_file;
  options.read_timeout = std::chrono::milliseconds(5000);
  http::AuthSettings settings;
  settings.method = method;
  settings.user = "EXAMPLE\\nexj-sync";
  settings.password = "CANARY-pw-7f3e";
  http::HttpsUrl url = url_of(server.url());
  Result<std::unique_ptr<http::HttpsClient>> client =
      http::HttpsClient::create(url, options, http::Authenticator::create(settings, url.host));
  REQUIRE(client.ok());
  return std::move(client).value();
}

TestAnswer unauthorized(std::vector<std::string> challenges) {
  TestAnswer answer;
  answer.status = 401;
  for (std::string& challenge : challenges)
    answer.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  answer.body = "401";
  return answer;
}

std::string auth_failure_of(const Outcome& outcome) {
  const auto* error = std::get_if<http::TransportError>(&outcome);
  if (!error) FAIL("answered HTTP " << std::get<http::Response>(outcome).status);
  CHECK(error->authentication);
  return error->message;
}

}  // namespace

TEST_CASE("auth: a server that answers 401 forever costs one request, and the 401 is returned",
          "[auth]") {
  TlsTestServer server;
  server.script([](unsigned, const ReceivedRequest&) { return unauthorized({"Negotiate"}); });
  auto client = ntlm_client(server);
  Outcome outcome = client->send(xml_post());
  REQUIRE(std::holds_alternative<http::Response>(outcome));
  CHECK(std::get<http::Response>(outcome).status == 401);
  CHECK(server.requests() == 1);
  // Each request tries once more on its connection, never in a loop.
  (void)client->send(xml_post());
  CHECK(server.requests() == 2);
}

TEST_CASE("auth: a server that keeps asking for legs is stopped after four", "[auth]") {
  TlsTestServer server;
  // A well-formed NTLM CHALLENGE every time would make gss-ntlmssp fail on the second; any
  // token the client cannot use ends the handshake with GSS-API's reason.
  server.script([](unsigned, const ReceivedRequest&) {
    return unauthorized({"Negotiate oRIwEKADCgEBoQkGBysGAQUFAg=="});
  });
  auto client = ntlm_client(server);
  std::string error = auth_failure_of(client->send(xml_post()));
  CHECK_THAT(error, Catch::StartsWith("127.0.0.1:" + std::to_string(server.port()) +
                                      ": cannot authenticate EXAMPLE\\nexj-sync with ntlm: "));
  CHECK(server.requests() <= 4);
}

TEST_CASE("auth: a server offering only Basic is refused when the spec asks for negotiate",
          "[auth]") {
  TlsTestServer server;
  server.script(
      [](unsigned, const ReceivedRequest&) { return unauthorized({"Basic realm=\"x\""}); });
  auto client = ntlm_client(server, http::AuthSettings::Method::Negotiate);
  CHECK(auth_failure_of(client->send(xml_post())) ==
        "127.0.0.1:" + std::to_string(server.port()) +
            ": cannot authenticate EXAMPLE\\nexj-sync with negotiate: the server offers only "
            "Basic; auth is negotiate (auth: basic must be asked for, and is weaker)");
  CHECK(server.requests() == 1);
  // Nothing of the password went out: only the NTLM NEGOTIATE message, which carries none.
  for (const ReceivedRequest& request : server.received())
    CHECK(request.header("Authorization").find("Basic") == std::string::npos);
}

TEST_CASE("auth: malformed, truncated and oversized tokens are errors naming the server",
          "[auth]") {
  const std::string big(70 * 1024, 'A');
  struct Case {
    std::string challenge, says;
  };
  for (const Case& c :
       {Case{"Negotiate !!not-base64!!", "the server's Negotiate token is not base64"},
        Case{"Negotiate TlRMTVNTUAACAAAA", "authentication failed for HTTP/127.0.0.1"},
        Case{"Negotiate " + big, "larger than"}}) {
    INFO(c.challenge.substr(0, 40));
    TlsTestServer server;
    server.script([&](unsigned, const ReceivedRequest&) {
      // Written raw: Beast would not write a header this large itself.
      TestAnswer answer;
      answer.kind = TestAnswer::Pieces;
      answer.pieces = {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: " + c.challenge +
                       "\r\nContent-Length: 0\r\n\r\n"};
      return answer;
    });
    auto client = ntlm_client(server);
    Outcome outcome = client->send(xml_post());
    const auto* error = std::get_if<http::TransportError>(&outcome);
    REQUIRE(error);
    CHECK_THAT(error->message, Catch::Contains(c.says));
    CHECK_THAT(error->message, Catch::StartsWith("127.0.0.1:"));
  }
}

TEST_CASE("auth: a server that closes the connection in the middle of NTLM is an error", "[auth]") {
  TlsTestServer server;
  server.script([](unsigned, const ReceivedRequest&) {
    TestAnswer answer = unauthorized({"Negotiate oRIwEKADCgEBoQkGBysGAQUFAg=="});
    answer.kind = TestAnswer::NoKeepAlive;
    return answer;
  });
  auto client = ntlm_client(server);
  Outcome outcome = client->send(xml_post());
  const auto* error = std::get_if<http::TransportError>(&outcome);
  REQUIRE(error);
  CHECK(server.requests() == 1);
}

TEST_CASE("auth: no password appears in what the client sends with NTLM, in any encoding",
          "[auth]") {
  TlsTestServer server;
  server.script([](unsigned, const ReceivedRequest&) { return unauthorized({"Negotiate"}); });
  auto client = ntlm_client(server);
  (void)client->send(xml_post());
  for (const ReceivedRequest& request : server.received())
    for (const auto& [name, value] : request.headers) {
      CHECK(value.find("CANARY-pw-7f3e") == std::string::npos);
      CHECK(value.find("Q0FOQVJZLXB3LTdmM2U") == std::string::npos);  // its base64
    }
}

}  // namespace sd::test

namespace sd::test {

TEST_CASE("auth: a login the server forgot is made again, in send() and in send_many()", "[auth]") {
  // Answers 200 to any request that carries a Negotiate token and 401 to the rest: a server
  // that keeps no login on its connections.
  TlsTestServer server;
  server.script([](unsigned, const ReceivedRequest& request) {
    if (request.header("Authorization").rfind("Negotiate ", 0) == 0) return TestAnswer{};
    return unauthorized({"Negotiate"});
  });
  auto client = ntlm_client(server);
  for (int i = 0; i < 2; ++i) {
    Outcome outcome = client->send(xml_post());
    REQUIRE(std::holds_alternative<http::Response>(outcome));
    CHECK(std::get<http::Response>(outcome).status == 200);
  }
  CHECK(server.requests() == 3);  // the first logs in; the second is refused, then logs in again
  std::vector<int> statuses;
  client->send_many(
      1, [](size_t k) { return k < 3 ? std::optional<http::Request>(xml_post()) : std::nullopt; },
      [&](size_t, Outcome outcome) {
        statuses.push_back(std::holds_alternative<http::Response>(outcome)
                               ? std::get<http::Response>(outcome).status
                               : -1);
        return true;
      });
  CHECK(statuses == std::vector<int>{200, 200, 200});
}

TEST_CASE("auth: one 401 offering only Basic does not decide the next connection's scheme",
          "[auth]") {
  TlsTestServer server;
  server.script([](unsigned n, const ReceivedRequest&) {
    if (n == 0) {
      TestAnswer answer = unauthorized({"Basic realm=\"maintenance\""});
      answer.kind = TestAnswer::NoKeepAlive;
      return answer;
    }
    return TestAnswer{};
  });
  auto client = ntlm_client(server, http::AuthSettings::Method::Negotiate);
  CHECK_THAT(auth_failure_of(client->send(xml_post())), Catch::Contains("offers only Basic"));
  Outcome again = client->send(xml_post());
  REQUIRE(std::holds_alternative<http::Response>(again));
  CHECK(std::get<http::Response>(again).status == 200);
  REQUIRE(server.received().size() == 2);
  CHECK(server.received()[1].header("Authorization").rfind("Negotiate ", 0) == 0);
}

TEST_CASE("auth: an answer other than 2xx or 3xx to a leg logs nobody in", "[auth]") {
  TlsTestServer server;
  server.script([](unsigned n, const ReceivedRequest&) {
    TestAnswer answer;
    if (n == 0) answer.status = 400;  // "Request Header Too Long", as IIS says of a big token
    return answer;
  });
  auto client = ntlm_client(server);
  (void)client->send(xml_post());
  (void)client->send(xml_post());
  REQUIRE(server.received().size() == 2);
  CHECK(server.received()[1].header("Authorization").rfind("Negotiate ", 0) == 0);
}

TEST_CASE("auth: a 401 without a token that also closes the connection is the refusal it is",
          "[auth]") {
  TlsTestServer server;
  server.script([](unsigned, const ReceivedRequest&) {
    // No next leg asked for, and the connection closes with the answer.
    TestAnswer answer = unauthorized({"Negotiate"});
    answer.kind = TestAnswer::NoKeepAlive;
    return answer;
  });
  auto client = ntlm_client(server);
  Outcome outcome = client->send(xml_post());
  // No token to continue with: the 401 is the server's refusal, returned as it is.
  REQUIRE(std::holds_alternative<http::Response>(outcome));
  CHECK(std::get<http::Response>(outcome).status == 401);
}

}  // namespace sd::test
