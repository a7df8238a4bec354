// Which injected fault, if any, a request gets (FaultOptions in lab_server.h). At most one per
// request: one uniform draw is compared with the rates stacked in the order reset, stall,
// http503, busy, error, so a rate of 1.0 always gives that fault and rates summing past 1 favour
// the earlier kinds. Draws come from a counter hashed with the seed: the same seed gives the
// same sequence of decisions. Thread-safe and lock-free.
#pragma once

#include <atomic>
#include <cstdint>

#include "lab/server/lab_server.h"

namespace sd::lab {

enum class FaultKind { None, Reset, Stall, Http503, Busy, Error };

class FaultInjector {
 public:
  explicit FaultInjector(const FaultOptions& options) : options_(options) {}

  [[nodiscard]] FaultKind next();
  [[nodiscard]] const FaultOptions& options() const { return options_; }

 private:
  FaultOptions options_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace sd::lab
