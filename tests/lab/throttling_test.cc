#include "lab/ews/throttling.h"

#include <catch2/catch.hpp>

namespace sd::lab {
namespace {

using namespace std::chrono_literals;
using Verdict = Throttling::Verdict;

struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::seconds(1000)};
  Throttling::Clock function() {
    return [this] { return now; };
  }
};

ThrottlingPolicy policy(unsigned concurrency, unsigned burst, unsigned recharge) {
  ThrottlingPolicy p;
  p.max_concurrency = concurrency;
  p.burst = burst;
  p.recharge_per_second = recharge;
  return p;
}

TEST_CASE("a burst is admitted, then ErrorServerBusy until the budget refills", "[lab]") {
  FakeClock clock;
  Throttling throttling(clock.function());
  ThrottlingPolicy p = policy(100, 3, 10);  // one request back every 100 ms
  for (int i = 0; i < 3; ++i)
    CHECK(throttling.admit("svc@example.local", p).verdict == Verdict::Admitted);
  Throttling::Ticket refused = throttling.admit("svc@example.local", p);
  CHECK(refused.verdict == Verdict::OverBudget);
  CHECK(refused.back_off == 100ms);

  clock.now += 40ms;  // 0.4 of a request back: 60 ms to go
  Throttling::Ticket still = throttling.admit("svc@example.local", p);
  CHECK(still.verdict == Verdict::OverBudget);
  CHECK(still.back_off == 60ms);

  clock.now += 60ms;
  CHECK(throttling.admit("svc@example.local", p).verdict == Verdict::Admitted);
  CHECK(throttling.admit("svc@example.local", p).verdict == Verdict::OverBudget);

  // A long pause refills to the burst, not beyond.
  clock.now += 1h;
  for (int i = 0; i < 3; ++i)
    CHECK(throttling.admit("svc@example.local", p).verdict == Verdict::Admitted);
  CHECK(throttling.admit("svc@example.local", p).verdict == Verdict::OverBudget);
}

TEST_CASE("BackOffMilliseconds is at least 50", "[lab]") {
  FakeClock clock;
  Throttling throttling(clock.function());
  ThrottlingPolicy p = policy(100, 1, 1000);  // a request back every millisecond
  CHECK(throttling.admit("svc", p).verdict == Verdict::Admitted);
  Throttling::Ticket refused = throttling.admit("svc", p);
  CHECK(refused.verdict == Verdict::OverBudget);
  CHECK(refused.back_off == 50ms);
}

TEST_CASE("budgets are per account, without case", "[lab]") {
  FakeClock clock;
  Throttling throttling(clock.function());
  ThrottlingPolicy p = policy(100, 1, 1);
  CHECK(throttling.admit("a@example.local", p).verdict == Verdict::Admitted);
  CHECK(throttling.admit("A@EXAMPLE.LOCAL", p).verdict == Verdict::OverBudget);
  CHECK(throttling.admit("b@example.local", p).verdict == Verdict::Admitted);
}

TEST_CASE("requests in flight beyond the concurrency are ErrorExceededConnectionCount", "[lab]") {
  FakeClock clock;
  Throttling throttling(clock.function());
  ThrottlingPolicy p = policy(2, 100, 100);
  Throttling::Ticket first = throttling.admit("svc", p);
  Throttling::Ticket second = throttling.admit("svc", p);
  CHECK(throttling.in_flight("svc") == 2);
  CHECK(throttling.admit("svc", p).verdict == Verdict::TooManyConcurrent);
  CHECK(throttling.in_flight("svc") == 2);  // a refused request holds no place
  first.release();
  CHECK(throttling.in_flight("svc") == 1);
  {
    Throttling::Ticket third = throttling.admit("svc", p);
    CHECK(third.verdict == Verdict::Admitted);
    CHECK(throttling.in_flight("svc") == 2);
    Throttling::Ticket moved = std::move(third);
    CHECK(throttling.in_flight("svc") == 2);
  }
  CHECK(throttling.in_flight("svc") == 1);  // released once, by the moved-to ticket
}

TEST_CASE("an account with throttling lifted is never throttled", "[lab]") {
  FakeClock clock;
  Throttling throttling(clock.function());
  std::vector<Throttling::Ticket> held;
  for (int i = 0; i < 1000; ++i) {
    held.push_back(throttling.admit("bulk", std::nullopt));
    CHECK(held.back().verdict == Verdict::Admitted);
  }
  CHECK(throttling.in_flight("bulk") == 0);
}

}  // namespace
}  // namespace sd::lab
