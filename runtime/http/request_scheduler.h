// One scheduler per endpoint: at most `concurrency` requests in flight, retries with exponential
// backoff and jitter for transient faults, and the server's own backoff honoured: HTTP 503
// Retry-After here, EWS ErrorServerBusy BackOffMilliseconds through the caller's classifier.
// A throttled answer pauses the whole endpoint (the budget is the account's, not the request's)
// and the time paused is counted for the command's report.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <variant>

#include "runtime/http/https_client.h"

namespace sd::http {

using std::chrono::milliseconds;

// What a response means, as the caller's protocol sees it.
struct Verdict {
  enum Kind {
    Done,       // a final answer (success or an error that retrying cannot fix)
    Throttled,  // the server asks to wait `delay` (0: the scheduler's backoff) and retry
    Retry,      // transient: retry after the scheduler's backoff
  } kind = Done;
  milliseconds delay{0};
  std::string why;  // for the error when retries run out: "ErrorMailboxStoreUnavailable"
};

struct SchedulerOptions {
  unsigned concurrency = 8;      // requests in flight at most
  unsigned max_attempts = 5;     // for Retry verdicts and transient transport errors
  milliseconds base_delay{200};  // backoff: base * 2^(attempt-1), +-25% jitter
  milliseconds max_delay{10'000};
  // Throttled verdicts do not count as attempts; a request gives up when the server has made it
  // wait longer than this in all.
  milliseconds max_throttled_wait{30 * 60 * 1000};
  // An endpoint whose attempts got no answer this many times in a row (it accepts, then says
  // nothing until the read timeout or a close; or it resets), with no answer in between, is not
  // asked again in this run: every request after that fails at once, saying why. A stalled
  // server costs two or three rounds of timeouts, not five per user; a flaky one (30% stalls)
  // practically never trips it (0.3^16). 0: never.
  unsigned stalls_to_stop = 16;
  // No attempt starts after this (a pause or a wait for a slot ends at it): the request fails
  // at once with "not asked: " + deadline_why. The caller's phase sets it from its work
  // (runtime/exchange/mailbox_checks.h); max: none.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::string deadline_why;
  uint64_t seed = 0;  // jitter; 0: from the clock
};

struct SchedulerStats {
  uint64_t requests = 0;           // sent, retries included
  uint64_t retries = 0;            // after Retry verdicts and transient transport errors
  uint64_t throttled = 0;          // Throttled verdicts and 503s
  milliseconds throttled_time{0};  // wall time the endpoint was paused by the server
  uint64_t stalls = 0;             // attempts that got no answer (a transient transport error)
  milliseconds stalled_time{0};    // time spent on those attempts (the scheduler's own sends)
  bool stopped = false;            // stalls_to_stop reached: the endpoint is not asked again
};

class RequestScheduler {
 public:
  RequestScheduler(HttpsClient& client, SchedulerOptions options);

  // Sends `request` (waiting for a free slot and for any pause to end) until `classify` says
  // Done, retries run out, or the throttled wait passes its limit. HTTP 503 is Throttled with
  // Retry-After (seconds or an HTTP date; missing: backoff) before `classify` sees it.
  // Returns the final response, or the transport error; when retries run out, a TransportError
  // "gave up after 5 attempts: <last why or transport error>" (transient = false).
  // `answered`: an answer the caller already got to this request, sent its own way (e.g.
  // HttpsClient::send_many): it is taken as this run's first attempt, counted and handled as
  // if this run had sent it (a pause, a backoff, then the next attempt).
  std::variant<Response, TransportError> run(
      const Request& request, const std::function<Verdict(const Response&)>& classify,
      std::optional<std::variant<Response, TransportError>> answered = std::nullopt);

  [[nodiscard]] SchedulerStats stats() const;

 private:
  // Waits for a free slot and for any pause to end, then sends one attempt; once the endpoint
  // is stopped, fails at once.
  std::variant<Response, TransportError> send_when_allowed(const Request& request);
  // Counts a stall (an attempt that got no answer, `took` long) or the answer that ends a run of
  // them; stops the endpoint at stalls_to_stop in a row. Called with the lock held.
  void count_stall(const std::variant<Response, TransportError>& outcome, milliseconds took);

  HttpsClient& client_;
  SchedulerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable slot_free_;
  unsigned in_flight_ = 0;
  std::chrono::steady_clock::time_point paused_until_{};
  SchedulerStats stats_;
  unsigned stalls_in_a_row_ = 0;
  std::string stopped_;  // why the endpoint is not asked again; empty while it is
  std::mt19937_64 random_;
};

}  // namespace sd::http
