#include "lab/ews/throttling.h"

#include <algorithm>
#include <cmath>

#include "base/text_checks.h"

namespace sd::lab {

Throttling::Throttling(Clock clock) : clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

Throttling::Ticket& Throttling::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    verdict = other.verdict;
    back_off = other.back_off;
    owner_ = std::exchange(other.owner_, nullptr);
    account_ = std::move(other.account_);
  }
  return *this;
}

void Throttling::Ticket::release() {
  if (owner_) std::exchange(owner_, nullptr)->release(account_);
}

Throttling::Ticket Throttling::admit(const std::string& account,
                                     const std::optional<ThrottlingPolicy>& policy) {
  Ticket ticket;
  if (!policy) return ticket;
  std::string key = to_lower_ascii(account);
  auto now = clock_();
  std::lock_guard lock(mutex_);
  Budget& budget = budgets_[key];
  double burst = policy->burst;
  if (!budget.started) {
    budget.started = true;
    budget.tokens = burst;
    budget.refilled = now;
  } else if (now > budget.refilled) {
    std::chrono::duration<double> elapsed = now - budget.refilled;
    budget.tokens = std::min(burst, budget.tokens + elapsed.count() * policy->recharge_per_second);
    budget.refilled = now;
  }
  budget.tokens = std::min(budget.tokens, burst);  // a policy made smaller since
  if (policy->max_concurrency && budget.in_flight >= *policy->max_concurrency) {
    ticket.verdict = Verdict::TooManyConcurrent;
    return ticket;
  }
  if (policy->budget_limited && budget.tokens < 1) {
    ticket.verdict = Verdict::OverBudget;
    double seconds = (1 - budget.tokens) / policy->recharge_per_second;
    auto wait = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
    ticket.back_off = std::max(kMinBackOff, wait);
    return ticket;
  }
  if (policy->budget_limited) budget.tokens -= 1;
  ++budget.in_flight;
  ticket.owner_ = this;
  ticket.account_ = std::move(key);
  return ticket;
}

void Throttling::release(const std::string& account) {
  std::lock_guard lock(mutex_);
  auto it = budgets_.find(account);
  if (it != budgets_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

unsigned Throttling::in_flight(const std::string& account) const {
  std::lock_guard lock(mutex_);
  auto it = budgets_.find(to_lower_ascii(account));
  return it == budgets_.end() ? 0 : it->second.in_flight;
}

}  // namespace sd::lab
