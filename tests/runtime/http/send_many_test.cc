// HttpsClient::send_many: many requests from one thread, one in flight per connection, every
// answer matched to its request; errors, limits and timeouts as send() words them.
#include <catch2/catch.hpp>
#include <map>

#include "runtime/http/https_client.h"
#include "tests/runtime/http/tls_test_server_support.h"

namespace sd::http {

using sd::test::TestAnswer;
using sd::test::TlsTestServer;
using std::chrono::milliseconds;

namespace {

using Outcome = std::variant<Response, TransportError>;

std::unique_ptr<HttpsClient> limited_client(const TlsTestServer& server,
                                            milliseconds read_timeout = milliseconds(5000),
                                            size_t max_response_bytes = 64u << 20) {
  ClientOptions options;
  options.read_timeout = read_timeout;
  options.max_response_bytes = max_response_bytes;
  return test::client_of(server, options);
}

Request numbered(size_t k) {
  Request request;
  request.headers = {{"Content-Type", "text/plain"}};
  request.body = "request " + std::to_string(k);
  return request;
}

// Sends `count` numbered requests over `connections`; what came back for each, by number.
std::map<size_t, Outcome> send_numbered(HttpsClient& client, unsigned connections, size_t count,
                                        size_t stop_after = SIZE_MAX) {
  std::map<size_t, Outcome> out;
  client.send_many(
      connections,
      [&](size_t k) -> std::optional<Request> {
        if (k >= count) return std::nullopt;
        return numbered(k);
      },
      [&](size_t k, Outcome outcome) {
        CHECK(out.count(k) == 0);  // each request is answered once
        out.emplace(k, std::move(outcome));
        return out.size() < stop_after;
      });
  return out;
}

std::string body_or_error(const Outcome& outcome) {
  if (const auto* error = std::get_if<TransportError>(&outcome)) return "error: " + error->message;
  return std::get<Response>(outcome).body;
}

}  // namespace

TEST_CASE("send_many: every answer reaches its request, over at most N connections", "[http]") {
  TlsTestServer server;
  // Answers echo the request, slower for some, so that answers overtake one another.
  server.script([](unsigned n, const test::ReceivedRequest& request) {
    TestAnswer answer;
    answer.body = "answer to " + request.body;
    answer.delay = milliseconds(n % 3 == 0 ? 5 : 0);
    return answer;
  });
  auto client = limited_client(server);
  std::map<size_t, Outcome> out = send_numbered(*client, 4, 60);
  REQUIRE(out.size() == 60);
  for (const auto& [k, outcome] : out)
    CHECK(body_or_error(outcome) == "answer to request " + std::to_string(k));
  CHECK(server.requests() == 60);
  CHECK(client->connections_opened() == 4);
  CHECK(server.max_in_flight() <= 4);
  CHECK(server.max_in_flight() >= 2);  // they were in flight together

  // The connections went back to the pool: send() reuses one.
  CHECK(std::holds_alternative<Response>(client->send(numbered(0))));
  CHECK(client->connections_opened() == 4);
}

TEST_CASE("send_many: done() returning false sends no more, those in flight are still read",
          "[http]") {
  TlsTestServer server;
  auto client = limited_client(server);
  std::map<size_t, Outcome> out = send_numbered(*client, 3, 100, 5);
  CHECK(out.size() >= 5);
  CHECK(out.size() <= 5 + 2);  // at most the other two connections' requests were in flight
  CHECK(server.requests() == out.size());
}

TEST_CASE("send_many: a stalled or cut-off answer ends that request with send()'s error",
          "[http]") {
  TlsTestServer server;
  server.script([](unsigned n, const test::ReceivedRequest&) {
    TestAnswer answer;
    if (n == 1) answer.kind = TestAnswer::HalfThenStall;
    if (n == 2) answer.kind = TestAnswer::HalfThenClose;
    if (n == 3) answer.kind = TestAnswer::CloseWithoutAnswer;
    return answer;
  });
  auto client = limited_client(server, milliseconds(300));
  // One connection: the requests go one after another, so request n gets answer n.
  std::map<size_t, Outcome> out = send_numbered(*client, 1, 5);
  REQUIRE(out.size() == 5);
  const std::string where = "127.0.0.1:" + std::to_string(server.port()) + ": ";
  CHECK(body_or_error(out[0]) == "ok");
  CHECK(body_or_error(out[1]) == "error: " + where + "read timed out after 300 ms");
  CHECK(body_or_error(out[2]) ==
        "error: " + where + "the connection closed in the middle of the response");
  CHECK(body_or_error(out[3]) == "error: " + where + "the connection closed before the response");
  CHECK(body_or_error(out[4]) == "ok");
  for (size_t k : {1, 2, 3}) CHECK(std::get<TransportError>(out[k]).transient);
  CHECK(client->connections_opened() == 4);  // a connection that failed is not used again
}

TEST_CASE("send_many: a response over the limit is an error, the others are answered", "[http]") {
  TlsTestServer server;
  server.script([](unsigned n, const test::ReceivedRequest&) {
    TestAnswer answer;
    if (n == 0) answer.kind = TestAnswer::HugeBody;
    return answer;
  });
  auto client = limited_client(server, milliseconds(5000), 1u << 20);
  std::map<size_t, Outcome> out = send_numbered(*client, 1, 2);
  REQUIRE(out.size() == 2);
  CHECK(body_or_error(out[0]) == "error: 127.0.0.1:" + std::to_string(server.port()) +
                                     ": the response is larger than 1048576 bytes");
  CHECK(body_or_error(out[1]) == "ok");
}

TEST_CASE("send_many: when no connection can be opened, every request still gets its answer",
          "[http]") {
  std::unique_ptr<HttpsClient> client;
  uint16_t port = 0;
  {
    TlsTestServer server;  // gone at the end of the block: its port refuses connections
    client = limited_client(server);
    port = server.port();
  }
  std::map<size_t, Outcome> out = send_numbered(*client, 2, 5);
  REQUIRE(out.size() == 5);
  for (const auto& [k, outcome] : out)
    CHECK(body_or_error(outcome) ==
          "error: 127.0.0.1:" + std::to_string(port) + ": connection refused");
}

}  // namespace sd::http
