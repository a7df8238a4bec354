#include "lab/server/faults.h"

#include <catch2/catch.hpp>
#include <map>
#include <thread>

namespace sd::lab {
namespace {

std::map<FaultKind, int> draw(const FaultOptions& options, int count) {
  FaultInjector injector(options);
  std::map<FaultKind, int> seen;
  for (int i = 0; i < count; ++i) ++seen[injector.next()];
  return seen;
}

TEST_CASE("no rates, no faults", "[lab]") {
  CHECK(draw(FaultOptions{}, 1000) == std::map<FaultKind, int>{{FaultKind::None, 1000}});
}

TEST_CASE("a rate of 1 gives that fault every time", "[lab]") {
  auto only = [](double FaultOptions::*rate) {
    FaultOptions o;
    o.*rate = 1.0;
    return o;
  };
  CHECK(draw(only(&FaultOptions::reset_rate), 200) ==
        std::map<FaultKind, int>{{FaultKind::Reset, 200}});
  CHECK(draw(only(&FaultOptions::stall_rate), 200) ==
        std::map<FaultKind, int>{{FaultKind::Stall, 200}});
  CHECK(draw(only(&FaultOptions::http503_rate), 200) ==
        std::map<FaultKind, int>{{FaultKind::Http503, 200}});
  CHECK(draw(only(&FaultOptions::busy_rate), 200) ==
        std::map<FaultKind, int>{{FaultKind::Busy, 200}});
  CHECK(draw(only(&FaultOptions::error_rate), 200) ==
        std::map<FaultKind, int>{{FaultKind::Error, 200}});
}

TEST_CASE("rates are probabilities per request, the seed fixes the sequence", "[lab]") {
  FaultOptions o;
  o.busy_rate = 0.3;
  o.reset_rate = 0.1;
  std::map<FaultKind, int> seen = draw(o, 10000);
  CHECK(seen[FaultKind::Busy] > 2700);
  CHECK(seen[FaultKind::Busy] < 3300);
  CHECK(seen[FaultKind::Reset] > 800);
  CHECK(seen[FaultKind::Reset] < 1200);
  CHECK(seen[FaultKind::None] == 10000 - seen[FaultKind::Busy] - seen[FaultKind::Reset]);

  FaultInjector a(o), b(o);
  std::vector<FaultKind> first, second;
  for (int i = 0; i < 100; ++i) first.push_back(a.next()), second.push_back(b.next());
  CHECK(first == second);
  FaultOptions other = o;
  other.seed = 2;
  FaultInjector c(other);
  std::vector<FaultKind> third;
  for (int i = 0; i < 100; ++i) third.push_back(c.next());
  CHECK(third != first);
}

TEST_CASE("fault decisions from many threads at once", "[lab]") {
  FaultOptions o;
  o.error_rate = 0.5;
  FaultInjector injector(o);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2500; ++i)
        if (injector.next() == FaultKind::Error) ++errors;
    });
  for (auto& t : threads) t.join();
  // The same 10000 draws as one thread would make, in some order.
  CHECK(errors == draw(o, 10000)[FaultKind::Error]);
}

}  // namespace
}  // namespace sd::lab
