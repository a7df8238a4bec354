#include "lab/server/faults.h"

namespace sd::lab {
namespace {

// SplitMix64: a fast, well-mixed hash of the draw number.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

double FaultInjector::uniform() {
  uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
  // 53 random bits -> [0, 1)
  return static_cast<double>(mix(mix(options_.seed) + n) >> 11) * 0x1.0p-53;
}

bool FaultInjector::chance(double rate) {
  return rate > 0 && uniform() < rate;
}

FaultKind FaultInjector::next() {
  const double u = uniform();
  double edge = 0;
  const std::pair<double, FaultKind> kinds[] = {{options_.reset_rate, FaultKind::Reset},
                                                {options_.stall_rate, FaultKind::Stall},
                                                {options_.http503_rate, FaultKind::Http503},
                                                {options_.busy_rate, FaultKind::Busy},
                                                {options_.error_rate, FaultKind::Error}};
  for (const auto& [rate, kind] : kinds) {
    if (rate <= 0) continue;
    edge += rate;
    if (u < edge) return kind;
  }
  return FaultKind::None;
}

}  // namespace sd::lab
