// The wall clock as a seam: the journal and the apply lock read the time only through a WallClock
// passed in, so that tests can fix it, move it forward, or make a lease expire. Not `Clock`: code
// that times its waits names a local steady_clock alias so, and a unity batch sees both.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace sd {

// Seconds since the Unix epoch; tests pass their own.
using WallClock = std::function<int64_t()>;
[[nodiscard]] int64_t system_clock_seconds();
// UTC, ISO 8601, to the second: "2026-11-24T21:49:03Z" (the journal's and the lease's times).
[[nodiscard]] std::string format_utc(int64_t seconds);
// A wait or limit as messages say it: "20 s" when whole seconds, else "500 ms".
[[nodiscard]] std::string readable_duration(std::chrono::milliseconds duration);

}  // namespace sd
