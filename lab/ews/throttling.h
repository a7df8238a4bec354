// EWS throttling per account, as Exchange 2013+ does it (exchange-protocols.md §2): a limit on
// requests in flight (EWSMaxConcurrency -> ErrorExceededConnectionCount) and a budget that
// allows `burst` requests at once and refills at `recharge_per_second` (-> ErrorServerBusy with
// BackOffMilliseconds: how long until the budget holds a request again, at least 50 ms).
// An account whose policy is nullopt (throttling lifted) is never throttled; a policy without
// a concurrency limit, or with its budget lifted, skips that check. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "lab/state/lab_state.h"

namespace sd::lab {

class Throttling {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr std::chrono::milliseconds kMinBackOff{50};

  // `clock` defaults to steady_clock::now; tests pass their own.
  explicit Throttling(Clock clock = {});

  enum class Verdict { Admitted, TooManyConcurrent, OverBudget };

  // One admitted request; releases its place in the account's concurrency when destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket() { release(); }
    void release();

    Verdict verdict = Verdict::Admitted;
    std::chrono::milliseconds back_off{0};  // OverBudget: BackOffMilliseconds

   private:
    friend class Throttling;
    Throttling* owner_ = nullptr;  // set when a concurrency place is held
    std::string account_;
  };

  // Charges one request to `account` under `policy`.
  [[nodiscard]] Ticket admit(const std::string& account,
                             const std::optional<ThrottlingPolicy>& policy);

  // Requests of `account` in flight now (for tests).
  [[nodiscard]] unsigned in_flight(const std::string& account) const;

 private:
  struct Budget {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled;
    unsigned in_flight = 0;
    bool started = false;
  };
  void release(const std::string& account);

  Clock clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Budget> budgets_;  // by lower-case account
};

}  // namespace sd::lab
