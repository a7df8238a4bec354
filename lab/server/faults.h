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
  // One draw of this injector's sequence: true with probability `rate` (for a fault decided on
  // its own, such as a corrupted seal; an injector of its own keeps it out of the others').
  [[nodiscard]] bool chance(double rate);
  [[nodiscard]] const FaultOptions& options() const { return options_; }

 private:
  [[nodiscard]] double uniform();  // the next draw in [0, 1)

  FaultOptions options_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace sd::lab
