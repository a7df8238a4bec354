// The scheduler over the real client against the scriptable TLS server.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "runtime/http/request_scheduler.h"
#include "tests/runtime/http/http_support.h"
#include "tls_test_server_support.h"

namespace sd::http {

using sd::test::always_done;
using sd::test::TestAnswer;
using sd::test::TlsTestServer;
using std::chrono::milliseconds;

TEST_CASE("scheduler over HTTPS: 503 Retry-After: 1 is honoured, then the answer", "[http]") {
  TlsTestServer server;
  server.script([](unsigned n, const test::ReceivedRequest&) {
    TestAnswer answer;
    if (n == 0) answer.kind = TestAnswer::Throttle503;
    answer.body = "after the pause";
    return answer;
  });
  auto client = test::client_of(server);
  RequestScheduler scheduler(*client, SchedulerOptions{});
  std::variant<Response, TransportError> outcome = scheduler.run(Request{}, always_done);
  REQUIRE(std::holds_alternative<Response>(outcome));
  CHECK(std::get<Response>(outcome).body == "after the pause");
  SchedulerStats stats = scheduler.stats();
  CHECK(stats.throttled == 1);
  CHECK(stats.throttled_time >= milliseconds(900));
  CHECK(stats.requests == 2);
  CHECK(server.requests() == 2);
}

TEST_CASE("scheduler over HTTPS: the concurrency budget holds with 16 threads", "[http]") {
  TlsTestServer server;
  server.script([](unsigned, const test::ReceivedRequest&) {
    TestAnswer answer;
    answer.delay = milliseconds(10);
    return answer;
  });
  auto client = test::client_of(server);
  SchedulerOptions options;
  options.concurrency = 4;
  RequestScheduler scheduler(*client, options);
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 4; ++i)
        if (std::holds_alternative<Response>(scheduler.run(Request{}, always_done))) ++answered;
    });
  for (std::thread& thread : threads) thread.join();
  CHECK(answered == 64);
  CHECK(server.requests() == 64);
  CHECK(server.max_in_flight() <= 4);
  CHECK(client->connections_opened() <= 4);
}

TEST_CASE("scheduler over HTTPS: a stalled server is retried, then given up on", "[http]") {
  TlsTestServer server;
  server.script([](unsigned, const test::ReceivedRequest&) {
    TestAnswer answer;
    answer.kind = TestAnswer::HalfThenStall;
    return answer;
  });
  Result<HttpsUrl> url = parse_https_url(server.url());
  REQUIRE(url.ok());
  ClientOptions client_options;
  client_options.ca_file = server.certificates().ca_file;
  client_options.read_timeout = milliseconds(200);
  Result<std::unique_ptr<HttpsClient>> client = HttpsClient::create(*url, client_options, nullptr);
  REQUIRE(client.ok());
  SchedulerOptions options;
  options.max_attempts = 2;
  options.base_delay = milliseconds(10);
  RequestScheduler scheduler(**client, options);
  std::variant<Response, TransportError> outcome = scheduler.run(Request{}, always_done);
  REQUIRE(std::holds_alternative<TransportError>(outcome));
  CHECK(std::get<TransportError>(outcome).message ==
        "gave up after 2 attempts: 127.0.0.1:" + std::to_string(server.port()) +
            ": read timed out after 200 ms");
  CHECK(server.requests() == 2);
}

}  // namespace sd::http
