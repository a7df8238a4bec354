#include "runtime/http/request_scheduler.h"

#include <time.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "tests/runtime/http/http_support.h"

namespace sd::http {

using sd::test::always_done;
using std::chrono::milliseconds;

namespace {

using Outcome = std::variant<Response, TransportError>;

// An HttpsClient whose answers the test scripts: `answer(n)` for the n-th send (0-based).
class FakeClient : public HttpsClient {
 public:
  explicit FakeClient(std::function<Outcome(unsigned)> answer) : answer_(std::move(answer)) {
    endpoint_.host = "exch01.example.local";
    endpoint_.target = "/EWS/Exchange.asmx";
  }
  Outcome send(Request) override { return answer_(calls_++); }
  const HttpsUrl& endpoint() const override { return endpoint_; }
  size_t connections_opened() const override { return 0; }
  unsigned calls() const { return calls_; }

 private:
  std::function<Outcome(unsigned)> answer_;
  std::atomic<unsigned> calls_{0};
  HttpsUrl endpoint_;
};

Response response(int status, Headers headers = {}, std::string body = "") {
  return Response{status, std::move(headers), std::move(body)};
}

SchedulerOptions fast_options() {
  SchedulerOptions options;
  options.base_delay = milliseconds(1);
  options.max_delay = milliseconds(5);
  options.seed = 42;
  return options;
}

milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace

TEST_CASE("scheduler: a 503 with Retry-After: 1 pauses, is counted, then succeeds", "[http]") {
  FakeClient client([](unsigned n) -> Outcome {
    if (n == 0) return response(503, {{"retry-after", "1"}});
    return response(200, {}, "ok");
  });
  RequestScheduler scheduler(client, fast_options());
  auto start = std::chrono::steady_clock::now();
  Outcome outcome = scheduler.run(Request{}, always_done);
  REQUIRE(std::holds_alternative<Response>(outcome));
  CHECK(std::get<Response>(outcome).body == "ok");
  CHECK(since(start) >= milliseconds(900));
  SchedulerStats stats = scheduler.stats();
  CHECK(stats.throttled == 1);
  CHECK(stats.throttled_time >= milliseconds(900));
  CHECK(stats.requests == 2);
  CHECK(stats.retries == 0);
}

TEST_CASE("scheduler: Retry-After as an HTTP date", "[http]") {
  FakeClient client([](unsigned n) -> Outcome {
    if (n > 0) return response(200);
    time_t at = ::time(nullptr) + 2;
    struct tm parts;
    ::gmtime_r(&at, &parts);
    char text[64];
    ::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    return response(503, {{"Retry-After", text}});
  });
  RequestScheduler scheduler(client, fast_options());
  Outcome outcome = scheduler.run(Request{}, always_done);
  REQUIRE(std::holds_alternative<Response>(outcome));
  CHECK(scheduler.stats().throttled == 1);
  // The date has whole seconds: between 1 and 2 s from now.
  CHECK(scheduler.stats().throttled_time >= milliseconds(900));
}

TEST_CASE("scheduler: Retry verdicts give up after max_attempts", "[http]") {
  FakeClient client([](unsigned) -> Outcome { return response(500, {}, "busy"); });
  SchedulerOptions options = fast_options();
  options.max_attempts = 3;
  RequestScheduler scheduler(client, options);
  Outcome outcome = scheduler.run(Request{}, [](const Response& r) {
    return Verdict{Verdict::Retry, milliseconds(0),
                   r.body == "busy" ? "ErrorMailboxStoreUnavailable" : "?"};
  });
  REQUIRE(std::holds_alternative<TransportError>(outcome));
  CHECK(std::get<TransportError>(outcome).message ==
        "gave up after 3 attempts: ErrorMailboxStoreUnavailable");
  CHECK_FALSE(std::get<TransportError>(outcome).transient);
  CHECK(client.calls() == 3);
  CHECK(scheduler.stats().requests == 3);
  CHECK(scheduler.stats().retries == 2);
  CHECK(scheduler.stats().throttled == 0);
}

TEST_CASE("scheduler: the backoff grows between retries", "[http]") {
  FakeClient client([](unsigned) -> Outcome { return response(500); });
  SchedulerOptions options;
  options.max_attempts = 3;
  options.base_delay = milliseconds(100);
  options.seed = 7;
  RequestScheduler scheduler(client, options);
  auto start = std::chrono::steady_clock::now();
  Outcome outcome = scheduler.run(Request{}, [](const Response&) {
    return Verdict{Verdict::Retry, milliseconds(0), ""};
  });
  REQUIRE(std::holds_alternative<TransportError>(outcome));
  CHECK(std::get<TransportError>(outcome).message == "gave up after 3 attempts: HTTP 500");
  // Two waits: at least 75 ms and 150 ms (100 and 200 less the jitter).
  CHECK(since(start) >= milliseconds(225));
}

TEST_CASE("scheduler: transient transport errors are retried, others are not", "[http]") {
  SECTION("transient, then an answer") {
    FakeClient client([](unsigned n) -> Outcome {
      if (n < 2) return TransportError{"exch01.example.local:443: connection refused", true};
      return response(200);
    });
    RequestScheduler scheduler(client, fast_options());
    Outcome outcome = scheduler.run(Request{}, always_done);
    REQUIRE(std::holds_alternative<Response>(outcome));
    CHECK(scheduler.stats().retries == 2);
    CHECK(scheduler.stats().requests == 3);
  }
  SECTION("transient until the attempts run out") {
    FakeClient client([](unsigned) -> Outcome {
      return TransportError{"exch01.example.local:443: connection refused", true};
    });
    SchedulerOptions options = fast_options();
    options.max_attempts = 2;
    RequestScheduler scheduler(client, options);
    Outcome outcome = scheduler.run(Request{}, always_done);
    REQUIRE(std::holds_alternative<TransportError>(outcome));
    CHECK(std::get<TransportError>(outcome).message ==
          "gave up after 2 attempts: exch01.example.local:443: connection refused");
    CHECK_FALSE(std::get<TransportError>(outcome).transient);
  }
  SECTION("not transient: returned at once") {
    FakeClient client([](unsigned) -> Outcome {
      return TransportError{"exch01.example.local:443: certificate verify failed (x)", false};
    });
    RequestScheduler scheduler(client, fast_options());
    Outcome outcome = scheduler.run(Request{}, always_done);
    REQUIRE(std::holds_alternative<TransportError>(outcome));
    CHECK(std::get<TransportError>(outcome).message ==
          "exch01.example.local:443: certificate verify failed (x)");
    CHECK(client.calls() == 1);
    CHECK(scheduler.stats().retries == 0);
  }
}

TEST_CASE("scheduler: Throttled verdicts are not attempts, the delay is the server's", "[http]") {
  FakeClient client([](unsigned n) -> Outcome { return response(n < 3 ? 500 : 200); });
  SchedulerOptions options = fast_options();
  options.max_attempts = 1;
  RequestScheduler scheduler(client, options);
  Outcome outcome = scheduler.run(Request{}, [](const Response& r) {
    if (r.status == 500) return Verdict{Verdict::Throttled, milliseconds(40), "ErrorServerBusy"};
    return Verdict{};
  });
  REQUIRE(std::holds_alternative<Response>(outcome));
  CHECK(std::get<Response>(outcome).status == 200);
  SchedulerStats stats = scheduler.stats();
  CHECK(stats.throttled == 3);
  CHECK(stats.retries == 0);
  CHECK(stats.throttled_time >= milliseconds(120));
}

TEST_CASE("scheduler: a request gives up when throttled longer than allowed", "[http]") {
  FakeClient client([](unsigned) -> Outcome { return response(500); });
  SchedulerOptions options = fast_options();
  options.max_throttled_wait = milliseconds(250);
  RequestScheduler scheduler(client, options);
  Outcome outcome = scheduler.run(Request{}, [](const Response&) {
    return Verdict{Verdict::Throttled, milliseconds(100), "ErrorServerBusy"};
  });
  REQUIRE(std::holds_alternative<TransportError>(outcome));
  CHECK(std::get<TransportError>(outcome).message ==
        "gave up after the server throttled the request for 200 ms: ErrorServerBusy");
  CHECK(client.calls() == 3);
}

TEST_CASE("scheduler: overlapping pauses are counted once", "[http]") {
  // Both first sends meet before answering, so that their two 1 s pauses overlap.
  std::atomic<int> arrived{0};
  FakeClient client([&](unsigned n) -> Outcome {
    if (n >= 2) return response(200);
    ++arrived;
    auto give_up_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (arrived < 2 && std::chrono::steady_clock::now() < give_up_at)
      std::this_thread::sleep_for(milliseconds(1));
    return response(503, {{"Retry-After", "1"}});
  });
  RequestScheduler scheduler(client, fast_options());
  std::thread other([&] { (void)scheduler.run(Request{}, always_done); });
  Outcome outcome = scheduler.run(Request{}, always_done);
  other.join();
  REQUIRE(std::holds_alternative<Response>(outcome));
  SchedulerStats stats = scheduler.stats();
  CHECK(stats.throttled == 2);
  CHECK(stats.throttled_time >= milliseconds(1000));
  CHECK(stats.throttled_time < milliseconds(1500));
}

TEST_CASE("scheduler: never more requests in flight than the concurrency", "[http]") {
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  FakeClient client([&](unsigned) -> Outcome {
    int now = ++in_flight;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(milliseconds(2));
    --in_flight;
    return response(200);
  });
  SchedulerOptions options = fast_options();
  options.concurrency = 4;
  RequestScheduler scheduler(client, options);
  std::vector<std::thread> threads;
  std::atomic<int> answered{0};
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        if (std::holds_alternative<Response>(scheduler.run(Request{}, always_done))) ++answered;
    });
  for (std::thread& thread : threads) thread.join();
  CHECK(answered == 160);
  CHECK(most.load() <= 4);
  CHECK(scheduler.stats().requests == 160);
}

TEST_CASE("scheduler: an exception from the classifier becomes an error", "[http]") {
  FakeClient client([](unsigned) -> Outcome { return response(200); });
  RequestScheduler scheduler(client, fast_options());
  Outcome outcome = scheduler.run(
      Request{}, [](const Response&) -> Verdict { throw std::runtime_error("bad XML"); });
  REQUIRE(std::holds_alternative<TransportError>(outcome));
  CHECK(std::get<TransportError>(outcome).message == "exch01.example.local:443: bad XML");
}

TEST_CASE("scheduler: a Retry-After longer than a request may wait is refused at once, saying so",
          "[http]") {
  FakeClient client([](unsigned) -> Outcome { return response(503, {{"Retry-After", "86400"}}); });
  SchedulerOptions options = fast_options();
  options.max_throttled_wait = std::chrono::minutes(30);
  RequestScheduler scheduler(client, options);
  auto start = std::chrono::steady_clock::now();
  Outcome outcome = scheduler.run(Request{}, always_done);
  CHECK(since(start) < milliseconds(1000));
  REQUIRE(std::holds_alternative<TransportError>(outcome));
  CHECK(std::get<TransportError>(outcome).message ==
        "gave up at once: the server asked to wait 86400 s (HTTP 503 Service Unavailable with "
        "Retry-After: 86400), more than the 1800 s a request may wait in all");
  CHECK(client.calls() == 1);
}

namespace {

TransportError stall() {
  return TransportError{"exch01.example.local:443: read timed out after 60 s", true};
}

}  // namespace

TEST_CASE("scheduler: an endpoint that stalls N times in a row is not asked again", "[http]") {
  FakeClient client([](unsigned) -> Outcome { return stall(); });
  SchedulerOptions options = fast_options();
  options.max_attempts = 3;
  options.stalls_to_stop = 4;
  RequestScheduler scheduler(client, options);
  Outcome first = scheduler.run(Request{}, always_done);
  REQUIRE(std::holds_alternative<TransportError>(first));
  CHECK(std::get<TransportError>(first).message ==
        "gave up after 3 attempts: exch01.example.local:443: read timed out after 60 s");
  const std::string stopped =
      "exch01.example.local:443: not asked again in this run: 4 requests in a row got no answer "
      "(read timed out after 60 s)";
  for (int i = 0; i < 3; ++i) {
    Outcome later = scheduler.run(Request{}, always_done);
    REQUIRE(std::holds_alternative<TransportError>(later));
    CHECK(std::get<TransportError>(later).message == stopped);
  }
  CHECK(client.calls() == 4);
  SchedulerStats stats = scheduler.stats();
  CHECK(stats.stalls == 4);
  CHECK(stats.stopped);
}

TEST_CASE("scheduler: an answer between stalls keeps the endpoint asked", "[http]") {
  // Three stalls, an answer, three stalls, ...: never four in a row.
  FakeClient client([](unsigned n) -> Outcome {
    if (n % 4 == 3) return response(200);
    return stall();
  });
  SchedulerOptions options = fast_options();
  options.max_attempts = 10;
  options.stalls_to_stop = 4;
  RequestScheduler scheduler(client, options);
  for (int i = 0; i < 5; ++i) {
    Outcome outcome = scheduler.run(Request{}, always_done);
    REQUIRE(std::holds_alternative<Response>(outcome));
  }
  CHECK(client.calls() == 20);
  CHECK(scheduler.stats().stalls == 15);
  CHECK_FALSE(scheduler.stats().stopped);
}

TEST_CASE("scheduler: nothing starts after the deadline, a pause ends at it", "[http]") {
  FakeClient client([](unsigned) -> Outcome { return response(503, {{"Retry-After", "60"}}); });
  SchedulerOptions options = fast_options();
  options.deadline = std::chrono::steady_clock::now() + milliseconds(300);
  options.deadline_why = "the phase ran past its 0.30 s";
  RequestScheduler scheduler(client, options);
  auto start = std::chrono::steady_clock::now();
  Outcome outcome = scheduler.run(Request{}, always_done);
  // Throttled for 60 s, but the pause ends at the deadline, and nothing is sent after it.
  CHECK(since(start) < milliseconds(5000));
  REQUIRE(std::holds_alternative<TransportError>(outcome));
  CHECK(std::get<TransportError>(outcome).message ==
        "exch01.example.local:443: not asked: the phase ran past its 0.30 s");
  CHECK(client.calls() == 1);
  CHECK(std::get<TransportError>(scheduler.run(Request{}, always_done)).message ==
        "exch01.example.local:443: not asked: the phase ran past its 0.30 s");
  CHECK(client.calls() == 1);
}

}  // namespace sd::http
