#include "runtime/http/request_scheduler.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <thread>

#include "base/text_checks.h"

namespace sd::http {

namespace {

using Clock = std::chrono::steady_clock;

// Retry-After as a delay: delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime).
// Zero when missing, unreadable or already past: the scheduler's own backoff applies then.
// Capped at `cap` so that an absurd value cannot overflow.
milliseconds retry_after_delay(const std::string& value, milliseconds cap) {
  std::string text = value;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return milliseconds(0);
  text.erase(0, first);
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    int64_t seconds = 0;
    for (char c : text) {
      seconds = seconds * 10 + (c - '0');
      if (seconds * 1000 > cap.count()) return cap;
    }
    return milliseconds(seconds * 1000);
  }
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"}) {
    struct tm parts = {};
    const char* end = ::strptime(text.c_str(), format, &parts);
    if (!end || *end != '\0') continue;
    auto at = std::chrono::system_clock::from_time_t(::timegm(&parts));
    auto delay = std::chrono::duration_cast<milliseconds>(at - std::chrono::system_clock::now());
    return std::clamp(delay, milliseconds(0), cap);
  }
  return milliseconds(0);
}

// Retry-After values are believed up to a week: enough to say what the server asked for, never
// enough to overflow a clock.
constexpr milliseconds kLongestRetryAfter{7LL * 24 * 3600 * 1000};

std::string wait_text(milliseconds duration) {
  if (duration < std::chrono::seconds(10)) return std::to_string(duration.count()) + " ms";
  return std::to_string((duration.count() + 500) / 1000) + " s";
}

std::string where(const HttpsClient& client) {
  return client.endpoint().host + ":" + std::to_string(client.endpoint().port) + ": ";
}

}  // namespace

RequestScheduler::RequestScheduler(HttpsClient& client, SchedulerOptions options)
    : client_(client),
      options_(options),
      random_(options.seed ? options.seed
                           : static_cast<uint64_t>(Clock::now().time_since_epoch().count())) {
  if (options_.concurrency == 0) options_.concurrency = 1;
  if (options_.max_attempts == 0) options_.max_attempts = 1;
}

SchedulerStats RequestScheduler::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void RequestScheduler::count_stall(const std::variant<Response, TransportError>& outcome,
                                   milliseconds took) {
  // Transient transport errors are the attempts that got no answer: a timeout, a connection
  // closed in the middle of the response or reset. A TLS or an HTTP answer ends the run.
  const auto* error = std::get_if<TransportError>(&outcome);
  if (!error || !error->transient) {
    stalls_in_a_row_ = 0;
    return;
  }
  ++stats_.stalls;
  stats_.stalled_time += took;
  if (++stalls_in_a_row_ < options_.stalls_to_stop || options_.stalls_to_stop == 0 ||
      !stopped_.empty())
    return;
  // The error names the endpoint already ("host:port: read timed out after 60 s").
  std::string last = error->message;
  const std::string prefix = where(client_);
  if (last.starts_with(prefix)) last.erase(0, prefix.size());
  stopped_ = prefix + "not asked again in this run: " + std::to_string(stalls_in_a_row_) +
             " requests in a row got no answer (" + last + ")";
  stats_.stopped = true;
}

std::variant<Response, TransportError> RequestScheduler::send_when_allowed(const Request& request) {
  {
    // A free slot, and no pause in force: both are re-checked after every wake-up, since a
    // pause may begin or grow while waiting.
    std::unique_lock lock(mutex_);
    for (;;) {
      if (!stopped_.empty()) return TransportError{stopped_, false};
      Clock::time_point now = Clock::now();
      if (now >= options_.deadline)
        return TransportError{where(client_) + "not asked: " + options_.deadline_why, false};
      if (now < paused_until_)
        slot_free_.wait_until(lock, std::min(paused_until_, options_.deadline));
      else if (in_flight_ < options_.concurrency)
        break;
      else if (options_.deadline == Clock::time_point::max())
        slot_free_.wait(lock);  // time_point::max() would overflow in wait_until
      else
        slot_free_.wait_until(lock, options_.deadline);
    }
    ++in_flight_;
    ++stats_.requests;
  }
  std::variant<Response, TransportError> outcome;
  const Clock::time_point sent = Clock::now();
  try {
    // send() takes its request by value; the copy gets room for the Authorization header the
    // client adds, so that adding it does not move every header again.
    Request attempt;
    attempt.headers.reserve(request.headers.size() + 1);
    attempt.headers = request.headers;
    attempt.method = request.method;
    attempt.target = request.target;
    attempt.body = request.body;
    outcome = client_.send(std::move(attempt));
  } catch (const std::exception& e) {
    outcome = TransportError{where(client_) + e.what(), false};
  }
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
    count_stall(outcome, std::chrono::duration_cast<milliseconds>(Clock::now() - sent));
  }
  slot_free_.notify_all();
  return outcome;
}

std::variant<Response, TransportError> RequestScheduler::run(
    const Request& request, const std::function<Verdict(const Response&)>& classify,
    std::optional<std::variant<Response, TransportError>> answered) {
  unsigned attempts = 0;           // sends that ended in Retry or a transient transport error
  unsigned throttled_count = 0;    // of this request, for the backoff when no delay is given
  milliseconds throttled_wait{0};  // of this request, against max_throttled_wait

  // base * 2^(n-1), capped, then +-25% jitter, capped again.
  auto backoff = [&](unsigned n) {
    unsigned shift = std::min(n > 0 ? n - 1 : 0u, 30u);
    double delay = std::min<double>(static_cast<double>(options_.base_delay.count()) *
                                        static_cast<double>(uint64_t{1} << shift),
                                    static_cast<double>(options_.max_delay.count()));
    double factor;
    {
      std::lock_guard lock(mutex_);
      factor = std::uniform_real_distribution<double>(0.75, 1.25)(random_);
    }
    return std::min(milliseconds(static_cast<int64_t>(delay * factor)), options_.max_delay);
  };
  auto give_up = [&](const std::string& why) {
    return TransportError{"gave up after " + std::to_string(attempts) + " attempts: " + why, false};
  };

  try {
    for (;;) {
      std::variant<Response, TransportError> outcome;
      if (answered) {
        outcome = std::move(*answered);
        answered.reset();
        std::lock_guard lock(mutex_);
        ++stats_.requests;
        count_stall(outcome, milliseconds(0));  // its time was spent on the caller's side
      } else {
        outcome = send_when_allowed(request);
      }

      Verdict verdict;
      if (auto* error = std::get_if<TransportError>(&outcome)) {
        if (!error->transient) return *error;
        verdict = Verdict{Verdict::Retry, milliseconds(0), error->message};
      } else {
        const Response& response = std::get<Response>(outcome);
        if (response.status == 503) {
          const std::string retry_after = response.header("Retry-After");
          verdict = Verdict{Verdict::Throttled, retry_after_delay(retry_after, kLongestRetryAfter),
                            "HTTP 503 Service Unavailable"};
          if (!retry_after.empty())
            verdict.why += " with Retry-After: " + printable(retry_after, 40);
        } else
          verdict = classify(response);
        if (verdict.kind == Verdict::Done) return outcome;
        if (verdict.why.empty()) verdict.why = "HTTP " + std::to_string(response.status);
      }

      if (verdict.kind == Verdict::Throttled) {
        ++throttled_count;
        milliseconds delay =
            verdict.delay > milliseconds(0) ? verdict.delay : backoff(throttled_count);
        std::lock_guard lock(mutex_);
        ++stats_.throttled;
        if (throttled_wait + delay > options_.max_throttled_wait) {
          // Say what the server asked for and what was done: a first ask past the limit is
          // refused at once, rather than reported as "throttled for 0 ms".
          if (throttled_wait == milliseconds(0))
            return TransportError{"gave up at once: the server asked to wait " + wait_text(delay) +
                                      " (" + verdict.why + "), more than the " +
                                      wait_text(options_.max_throttled_wait) +
                                      " a request may wait in all",
                                  false};
          return TransportError{"gave up after the server throttled the request for " +
                                    wait_text(throttled_wait) + ": " + verdict.why,
                                false};
        }
        throttled_wait += delay;
        // The whole endpoint pauses; only the part past an earlier pause adds to the time.
        Clock::time_point now = Clock::now();
        Clock::time_point until = now + delay;
        Clock::time_point counted_from = std::max(paused_until_, now);
        if (until > counted_from) {
          stats_.throttled_time += std::chrono::duration_cast<milliseconds>(until - counted_from);
          paused_until_ = until;
        }
        continue;
      }

      // Retry: a transient transport error or the caller's verdict.
      ++attempts;
      if (attempts >= options_.max_attempts) return give_up(verdict.why);
      {
        std::lock_guard lock(mutex_);
        ++stats_.retries;
      }
      milliseconds delay = verdict.delay > milliseconds(0) ? verdict.delay : backoff(attempts);
      std::this_thread::sleep_for(delay);
    }
  } catch (const std::exception& e) {
    return TransportError{where(client_) + e.what(), false};
  }
}

}  // namespace sd::http
