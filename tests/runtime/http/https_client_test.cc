#include "runtime/http/https_client.h"

#include <catch2/catch.hpp>
#include <thread>

#include "runtime/http/http_auth.h"
#include "tests/runtime/http/http_support.h"
#include "tls_test_server_support.h"

namespace sd::http {

using sd::test::TestAnswer;
using sd::test::TlsTestServer;
using sd::test::url_of;
using sd::test::xml_post;
using std::chrono::milliseconds;

namespace {

using Outcome = std::variant<Response, TransportError>;

ClientOptions lab_options(const TlsTestServer& server) {
  ClientOptions options;
  options.ca_file = server.certificates().ca_file;
  options.connect_timeout = milliseconds(5000);
  options.read_timeout = milliseconds(5000);
  return options;
}

std::unique_ptr<HttpsClient> client_for(const std::string& url, ClientOptions options,
                                        std::shared_ptr<Authenticator> credentials = nullptr) {
  Result<std::unique_ptr<HttpsClient>> client =
      HttpsClient::create(url_of(url), std::move(options), std::move(credentials));
  REQUIRE(client.ok());
  return std::move(client).value();
}

std::string error_of(const Outcome& outcome) {
  const auto* error = std::get_if<TransportError>(&outcome);
  return error ? error->message
               : "(answered " + std::to_string(std::get<Response>(outcome).status) + ")";
}

bool transient(const Outcome& outcome) {
  const auto* error = std::get_if<TransportError>(&outcome);
  return error && error->transient;
}

}  // namespace

TEST_CASE("https client: TLS verified with the lab CA, the request as sent", "[http]") {
  TlsTestServer server;
  server.script([](unsigned, const test::ReceivedRequest&) {
    TestAnswer answer;
    answer.headers = {{"X-Answer", "yes"}};
    answer.body = "<answer/>";
    return answer;
  });
  auto client = client_for(server.url(), lab_options(server), Authenticator::basic("svc", "pa:ss"));
  Outcome outcome = client->send(xml_post("<request/>"));
  REQUIRE(error_of(outcome) == "(answered 200)");
  const Response& response = std::get<Response>(outcome);
  CHECK(response.body == "<answer/>");
  CHECK(response.header("x-answer") == "yes");
  CHECK(response.header("missing") == "");

  std::vector<test::ReceivedRequest> seen = server.received();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].target == "/EWS/Exchange.asmx");
  CHECK(seen[0].body == "<request/>");
  CHECK(seen[0].header("Host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen[0].header("Content-Type") == "text/xml; charset=utf-8");
  CHECK(seen[0].header("Content-Length") == "10");
  CHECK(seen[0].header("User-Agent") == "syncdeploy");
  CHECK(seen[0].header("Authorization") == "Basic c3ZjOnBhOnNz");  // svc:pa:ss
}

TEST_CASE("https client: the headers the client decides, whatever the caller sent", "[http]") {
  TlsTestServer server;
  auto client = client_for(server.url(), lab_options(server), Authenticator::basic("svc", "pa:ss"));
  Request request = xml_post("");
  request.headers.emplace_back("Authorization", "Bearer stale");
  request.headers.emplace_back("Host", "elsewhere.example");
  request.headers.emplace_back("Content-Length", "99");
  request.headers.emplace_back("User-Agent", "probe/1");
  REQUIRE(error_of(client->send(request)) == "(answered 200)");
  Request get;
  get.method = "GET";
  get.target = "/status?x=1";
  REQUIRE(error_of(client->send(get)) == "(answered 200)");

  std::vector<test::ReceivedRequest> seen = server.received();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].header("Authorization") == "Basic c3ZjOnBhOnNz");  // the credentials win
  CHECK(seen[0].header("Host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen[0].header("Content-Length") == "0");  // a POST always says its length
  CHECK(seen[0].header("User-Agent") == "probe/1");
  CHECK(seen[0].header("Connection") == "keep-alive");
  CHECK(seen[1].method == "GET");
  CHECK(seen[1].target == "/status?x=1");
  CHECK(seen[1].header("Content-Length") == "");  // no body, no length
  CHECK(seen[1].header("User-Agent") == "syncdeploy");
  CHECK(client->connections_opened() == 1);
}

TEST_CASE("https client: without the CA file the lab's chain does not verify", "[http]") {
  TlsTestServer server;
  ClientOptions options = lab_options(server);
  options.ca_file = "";
  auto client = client_for(server.url(), options);
  Outcome outcome = client->send(xml_post());
  CHECK(error_of(outcome) == "127.0.0.1:" + std::to_string(server.port()) +
                                 ": certificate verify failed (self-signed certificate in "
                                 "certificate chain)");
  CHECK_FALSE(transient(outcome));
  CHECK(server.requests() == 0);
}

TEST_CASE("https client: a name the certificate does not carry fails", "[http]") {
  TlsTestServer server;
  std::string port = std::to_string(server.port());
  ClientOptions options = lab_options(server);
  options.connect_to = {{"wrong.example.local", server.port(), "127.0.0.1", server.port()}};
  auto client = client_for("https://wrong.example.local:" + port + "/EWS/Exchange.asmx", options);
  Outcome outcome = client->send(xml_post());
  CHECK(error_of(outcome) == "wrong.example.local:" + port +
                                 ": the certificate is for exch01.example.local, localhost, "
                                 "127.0.0.1, not wrong.example.local");
  CHECK_FALSE(transient(outcome));
  CHECK(server.requests() == 0);
}

TEST_CASE("https client: ConnectTo connects elsewhere and still verifies the URL's name",
          "[http]") {
  TlsTestServer server;
  ClientOptions options = lab_options(server);
  options.connect_to = {{"exch01.example.local", 443, "127.0.0.1", server.port()}};
  auto client = client_for("https://exch01.example.local/EWS/Exchange.asmx", options);
  Outcome outcome = client->send(xml_post());
  REQUIRE(error_of(outcome) == "(answered 200)");
  REQUIRE(server.received().size() == 1);
  CHECK(server.received()[0].header("Host") == "exch01.example.local");
}

TEST_CASE("https client: a bad CA file is an error at create()", "[http]") {
  ClientOptions options;
  options.ca_file = "tests/data/no-such-ca.pem";
  Result<std::unique_ptr<HttpsClient>> client =
      HttpsClient::create(url_of("https://exch01.example.local/"), options, nullptr);
  REQUIRE_FALSE(client.ok());
  CHECK(client.errors().front().message ==
        "cannot read CA file tests/data/no-such-ca.pem: No such file or directory");

  options.ca_file = "CMakeLists.txt";  // readable, but no certificate in it
  client = HttpsClient::create(url_of("https://exch01.example.local/"), options, nullptr);
  REQUIRE_FALSE(client.ok());
  CHECK(client.errors().front().message.rfind("cannot read CA file CMakeLists.txt: ", 0) == 0);
}

TEST_CASE("https client: keep-alive, 20 requests over one connection", "[http]") {
  TlsTestServer server;
  auto client = client_for(server.url(), lab_options(server));
  for (int i = 0; i < 20; ++i) REQUIRE(error_of(client->send(xml_post())) == "(answered 200)");
  CHECK(client->connections_opened() == 1);
  CHECK(server.connections_accepted() == 1);
  CHECK(server.requests() == 20);
}

TEST_CASE("https client: a connection the server closed while idle is reopened", "[http]") {
  TlsTestServer server;
  server.script([](unsigned, const test::ReceivedRequest&) {
    TestAnswer answer;
    answer.kind = TestAnswer::CloseAfterAnswer;
    return answer;
  });
  auto client = client_for(server.url(), lab_options(server));
  for (int i = 0; i < 5; ++i) REQUIRE(error_of(client->send(xml_post())) == "(answered 200)");
  CHECK(client->connections_opened() == 5);
  CHECK(server.requests() == 5);
}

TEST_CASE("https client: Connection: close answers are not pooled", "[http]") {
  TlsTestServer server;
  server.script([](unsigned, const test::ReceivedRequest&) {
    TestAnswer answer;
    answer.kind = TestAnswer::NoKeepAlive;
    return answer;
  });
  auto client = client_for(server.url(), lab_options(server));
  for (int i = 0; i < 3; ++i) REQUIRE(error_of(client->send(xml_post())) == "(answered 200)");
  CHECK(client->connections_opened() == 3);
  CHECK(server.connections_accepted() == 3);
}

TEST_CASE("https client: connection refused is transient", "[http]") {
  uint16_t port = test::unused_port();
  ClientOptions options;
  options.connect_timeout = milliseconds(3000);
  auto client = client_for("https://127.0.0.1:" + std::to_string(port) + "/", options);
  Outcome outcome = client->send(xml_post());
  CHECK(error_of(outcome) == "127.0.0.1:" + std::to_string(port) + ": connection refused");
  CHECK(transient(outcome));
}

TEST_CASE("https client: a server that never does TLS times out the connect", "[http]") {
  // The kernel completes the TCP handshake from the backlog; nothing ever answers the TLS hello.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  uint16_t port = silent.local_endpoint().port();
  ClientOptions options;
  options.connect_timeout = milliseconds(300);
  auto client = client_for("https://127.0.0.1:" + std::to_string(port) + "/", options);
  Outcome outcome = client->send(xml_post());
  CHECK(error_of(outcome) ==
        "127.0.0.1:" + std::to_string(port) + ": connect timed out after 300 ms");
  CHECK(transient(outcome));
}

TEST_CASE("https client: a stalled answer times out, transiently", "[http]") {
  TlsTestServer server;
  server.script([](unsigned, const test::ReceivedRequest&) {
    TestAnswer answer;
    answer.kind = TestAnswer::HalfThenStall;
    return answer;
  });
  ClientOptions options = lab_options(server);
  options.read_timeout = milliseconds(300);
  auto client = client_for(server.url(), options);
  Outcome outcome = client->send(xml_post());
  CHECK(error_of(outcome) ==
        "127.0.0.1:" + std::to_string(server.port()) + ": read timed out after 300 ms");
  CHECK(transient(outcome));
}

TEST_CASE("https client: a reused connection that times out is not sent again", "[http]") {
  TlsTestServer server;
  server.script([](unsigned n, const test::ReceivedRequest&) {
    TestAnswer answer;
    if (n == 1) answer.kind = TestAnswer::Stall;
    return answer;
  });
  ClientOptions options = lab_options(server);
  options.read_timeout = milliseconds(300);
  auto client = client_for(server.url(), options);
  REQUIRE(error_of(client->send(xml_post())) == "(answered 200)");
  Outcome outcome = client->send(xml_post());
  CHECK(error_of(outcome) ==
        "127.0.0.1:" + std::to_string(server.port()) + ": read timed out after 300 ms");
  CHECK(transient(outcome));
  CHECK(server.requests() == 2);
  CHECK(client->connections_opened() == 1);
}

TEST_CASE("https client: answers cut off or missing are transient", "[http]") {
  TlsTestServer server;
  std::string where = "127.0.0.1:" + std::to_string(server.port()) + ": ";
  SECTION("half an answer, then the connection closes") {
    server.script([](unsigned, const test::ReceivedRequest&) {
      TestAnswer answer;
      answer.kind = TestAnswer::HalfThenClose;
      return answer;
    });
    auto client = client_for(server.url(), lab_options(server));
    Outcome outcome = client->send(xml_post());
    CHECK(error_of(outcome) == where + "the connection closed in the middle of the response");
    CHECK(transient(outcome));
  }
  SECTION("closed without an answer on a new connection: not retried") {
    server.script([](unsigned, const test::ReceivedRequest&) {
      TestAnswer answer;
      answer.kind = TestAnswer::CloseWithoutAnswer;
      return answer;
    });
    auto client = client_for(server.url(), lab_options(server));
    Outcome outcome = client->send(xml_post());
    CHECK(error_of(outcome) == where + "the connection closed before the response");
    CHECK(transient(outcome));
    CHECK(server.requests() == 1);
  }
}

TEST_CASE("https client: a response over max_response_bytes is an error", "[http]") {
  TlsTestServer server;
  bool chunked = GENERATE(false, true);
  server.script([chunked](unsigned, const test::ReceivedRequest&) {
    TestAnswer answer;
    answer.kind = TestAnswer::HugeBody;
    answer.huge_bytes = 2u << 20;
    answer.chunked = chunked;
    return answer;
  });
  ClientOptions options = lab_options(server);
  options.max_response_bytes = 1u << 20;
  auto client = client_for(server.url(), options);
  Outcome outcome = client->send(xml_post());
  CHECK(error_of(outcome) == "127.0.0.1:" + std::to_string(server.port()) +
                                 ": the response is larger than 1048576 bytes");
  CHECK_FALSE(transient(outcome));
  // The client stays usable, and a body of exactly the limit is fine.
  server.script([](unsigned, const test::ReceivedRequest&) {
    TestAnswer answer;
    answer.kind = TestAnswer::HugeBody;
    answer.huge_bytes = 1u << 20;
    return answer;
  });
  outcome = client->send(xml_post());
  REQUIRE(error_of(outcome) == "(answered 200)");
  CHECK(std::get<Response>(outcome).body.size() == 1u << 20);
}

TEST_CASE("https client: header values with line breaks are refused", "[http]") {
  TlsTestServer server;
  auto client = client_for(server.url(), lab_options(server));
  Request request = xml_post();
  request.headers.emplace_back("X-AnchorMailbox", "a@b\r\nX-Evil: 1");
  Outcome outcome = client->send(request);
  std::string where = "127.0.0.1:" + std::to_string(server.port()) + ": ";
  CHECK(error_of(outcome) == where + "the request header \"X-AnchorMailbox\" is malformed");
  request = xml_post();
  request.headers.emplace_back("Bad Name:", "x");
  CHECK(error_of(client->send(request)) == where + "the request header \"Bad Name:\" is malformed");
  request = xml_post();
  request.method = "BREW";
  CHECK(error_of(client->send(request)) == where + "unknown HTTP method \"BREW\"");
  request = xml_post();
  request.target = "/a b";
  CHECK(error_of(client->send(request)) ==
        where + "the request target has a space or a line break");
  CHECK(server.requests() == 0);
}

TEST_CASE("https client: many threads share the pool", "[http]") {
  TlsTestServer server;
  auto client = client_for(server.url(), lab_options(server));
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i)
        if (std::holds_alternative<Response>(client->send(xml_post()))) ++answered;
    });
  for (std::thread& thread : threads) thread.join();
  CHECK(answered == 200);
  CHECK(server.requests() == 200);
  CHECK(client->connections_opened() <= 8);
  CHECK(server.connections_accepted() == client->connections_opened());
}

}  // namespace sd::http
