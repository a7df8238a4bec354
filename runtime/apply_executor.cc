#include "runtime/apply_executor.h"

#include <algorithm>
#include <unordered_map>

namespace sd {
namespace {

enum class State : uint8_t {
  Outside,
  Waiting,
  InBatch,
  Done,
  AlreadyDone,
  Failed,
  Skipped,
  Refused
};

Outcome outcome_of(State s) {
  switch (s) {
    case State::AlreadyDone:
      return Outcome::AlreadyDone;
    case State::Failed:
      return Outcome::Failed;
    case State::Skipped:
      return Outcome::Skipped;
    case State::Refused:
      return Outcome::Refused;
    default:
      return Outcome::Done;
  }
}

class Execution {
 public:
  Execution(const ExecutionRequest& request, std::span<LiveSystem* const> systems,
            const SecretValues& secrets, Journal& journal, const ExecutionHooks& hooks)
      : request_(request),
        plan_(*request.plan),
        systems_(systems),
        secrets_(secrets),
        journal_(journal),
        hooks_(hooks),
        state_(plan_.actions.size(), State::Outside),
        position_(plan_.actions.size(), 0) {}

  Result<ExecutionReport> run();

 private:
  LiveSystem* system_for(const ResourceType& type) const {
    for (LiveSystem* s : systems_)
      if (s->manages(type)) return s;
    return nullptr;
  }
  // Why `a` cannot run ("<dependency> failed first"), or "" when all it needs happened or
  // is already live.
  std::string failed_dependency(const Action& a) const {
    for (uint32_t d : a.depends_on) {
      State s = state_[d];
      const Action& dep = plan_.actions[d];
      if (s == State::Failed || s == State::Skipped || s == State::Refused)
        return dep.address() + " " + std::string(to_string(outcome_of(s))) + " first";
      // A saved plan's dependency that cannot be decided now (never the case in a fresh plan,
      // which is refused as a whole then).
      if (s == State::Outside && dep.kind == ActionKind::Unknown)
        return dep.address() + " could not be read";
      if (s == State::Outside && dep.kind == ActionKind::Blocked)
        return dep.address() + " is blocked";
    }
    return {};
  }
  bool depends_on_batch(const Action& a) const {
    return std::any_of(a.depends_on.begin(), a.depends_on.end(),
                       [&](uint32_t d) { return state_[d] == State::InBatch; });
  }
  void set(uint32_t action, State s, std::string error = {}) {
    state_[action] = s;
    if (!error.empty()) errors_[action] = std::move(error);
  }
  std::vector<ActionOutcome> outcomes(std::span<const uint32_t> actions) const {
    std::vector<ActionOutcome> out;
    for (uint32_t a : actions) {
      auto it = errors_.find(a);
      out.push_back(ActionOutcome{position_[a], outcome_of(state_[a]),
                                  it == errors_.end() ? std::string() : it->second});
    }
    return out;
  }
  Status run_batch(LiveSystem& system, const std::vector<uint32_t>& batch);
  ExecutionReport report() const;

  const ExecutionRequest& request_;
  const Plan& plan_;
  std::span<LiveSystem* const> systems_;
  const SecretValues& secrets_;
  Journal& journal_;
  const ExecutionHooks& hooks_;
  std::vector<State> state_;
  std::vector<uint32_t> position_;  // plan action -> index in the run's action list
  std::vector<uint32_t> run_list_;  // the run's actions, in plan order
  std::unordered_map<uint32_t, std::string> errors_;
  int64_t run_ = 0;
  std::string stopped_;
  size_t finished_ = 0;
};

Status Execution::run_batch(LiveSystem& system, const std::vector<uint32_t>& batch) {
  // The lease is checked before every write: an apply that lost it (expired while it waited,
  // force-unlocked) must not write next to the one that holds it now.
  if (hooks_.renew_lock) {
    Status held = hooks_.renew_lock();
    if (!held.ok()) return held;
  }
  std::vector<uint32_t> positions;
  positions.reserve(batch.size());
  for (uint32_t a : batch) positions.push_back(position_[a]);
  Result<int64_t> intent = journal_.record_intent(run_, positions, system.describe());
  if (!intent.ok()) return intent.take_errors();
  hooks_.checkpoints.at("journal: intent recorded");

  std::vector<ActionResult> results = system.apply(plan_, batch, secrets_);
  std::vector<uint32_t> failed;
  for (size_t i = 0; i < batch.size(); ++i) {
    bool ok = i < results.size() && results[i].ok;
    std::string error = i < results.size() ? results[i].error : "no result from the live system";
    if (ok) {
      set(batch[i], State::Done);
    } else {
      set(batch[i], State::Failed, error.empty() ? "failed" : error);
      failed.push_back(batch[i]);
    }
  }
  hooks_.checkpoints.at("batch applied");
  Status recorded = journal_.record_outcome(run_, *intent, outcomes(failed));
  if (!recorded.ok()) return recorded;
  hooks_.checkpoints.at("journal: outcome recorded");
  finished_ += batch.size();
  return ok_status();
}

Result<ExecutionReport> Execution::run() {
  // The run's list: everything requested, in plan order.
  for (uint32_t a : request_.to_do) state_[a] = State::Waiting;
  for (const RefusedAction& r : request_.refused) set(r.action, State::Refused, r.reason);
  for (uint32_t a : request_.already_done) set(a, State::AlreadyDone);
  for (uint32_t a = 0; a < state_.size(); ++a) {
    if (state_[a] == State::Outside) continue;
    position_[a] = static_cast<uint32_t>(run_list_.size());
    run_list_.push_back(a);
  }

  RunStart start;
  start.deployment = plan_.deployment;
  start.plan_id = request_.plan_id;
  start.spec_digest = plan_.spec_digest;
  start.holder = request_.holder;
  start.action_count = run_list_.size();
  for (uint32_t a : run_list_) {
    const Action& act = plan_.actions[a];
    start.actions.append(to_string(act.kind)).append(" ").append(act.address()).append("\n");
  }
  Result<int64_t> run = journal_.begin_run(start);
  if (!run.ok()) return run.take_errors();
  run_ = *run;
  hooks_.checkpoints.at("journal: run started");

  std::vector<uint32_t> not_attempted;
  for (uint32_t a : run_list_)
    if (state_[a] == State::Refused || state_[a] == State::AlreadyDone) not_attempted.push_back(a);
  if (!not_attempted.empty()) {
    Status recorded = journal_.record_not_attempted(run_, outcomes(not_attempted));
    if (!recorded.ok()) stopped_ = recorded.errors().front().message;
  }

  const std::vector<uint32_t>& to_do = request_.to_do;
  size_t next = 0;
  std::vector<uint32_t> batch, skipped;
  while (next < to_do.size() && stopped_.empty()) {
    batch.clear();
    skipped.clear();
    LiveSystem* system = nullptr;
    for (; next < to_do.size() && batch.size() < kMaxBatch; ++next) {
      uint32_t a = to_do[next];
      const Action& act = plan_.actions[a];
      if (std::string why = failed_dependency(act); !why.empty()) {
        set(a, State::Skipped, std::move(why));
        skipped.push_back(a);
        continue;
      }
      LiveSystem* owner = system_for(*act.type);
      if (!owner) {
        set(a, State::Failed, "no live system manages " + std::string(act.type->name));
        skipped.push_back(a);
        continue;
      }
      // A batch holds one system's actions that do not depend on each other.
      if ((system && owner != system) || depends_on_batch(act)) break;
      system = owner;
      set(a, State::InBatch);
      batch.push_back(a);
    }
    if (!skipped.empty()) {
      Status recorded = journal_.record_not_attempted(run_, outcomes(skipped));
      if (!recorded.ok()) stopped_ = recorded.errors().front().message;
    }
    if (!batch.empty() && stopped_.empty()) {
      if (hooks_.progress) hooks_.progress(finished_, to_do.size(), system->describe());
      Status done = run_batch(*system, batch);
      if (!done.ok()) stopped_ = done.errors().front().message;
    }
    // A batch the journal could not start never ran.
    for (uint32_t a : batch)
      if (state_[a] == State::InBatch) set(a, State::Skipped, "the apply stopped");
  }
  for (; next < to_do.size(); ++next) set(to_do[next], State::Skipped, "the apply stopped");
  if (hooks_.progress) hooks_.progress(finished_, to_do.size(), {});

  ExecutionReport out = report();
  std::string_view status = out.complete() ? "done" : "partial";
  Status finished = journal_.finish_run(run_, status);
  if (!finished.ok() && out.stopped.empty()) out.stopped = finished.errors().front().message;
  return out;
}

ExecutionReport Execution::report() const {
  ExecutionReport out;
  out.run = run_;
  out.stopped = stopped_;
  out.actions.reserve(run_list_.size());
  for (uint32_t a : run_list_) {
    auto it = errors_.find(a);
    Outcome o = outcome_of(state_[a]);
    out.actions.push_back(ExecutedAction{a, o, it == errors_.end() ? std::string() : it->second});
    switch (o) {
      case Outcome::Done:
        ++out.done;
        break;
      case Outcome::AlreadyDone:
        ++out.already_done;
        break;
      case Outcome::Failed:
        ++out.failed;
        break;
      case Outcome::Skipped:
        ++out.skipped;
        break;
      case Outcome::Refused:
        ++out.refused;
        break;
    }
  }
  return out;
}

}  // namespace

Result<ExecutionReport> execute_plan(const ExecutionRequest& request,
                                     std::span<LiveSystem* const> systems,
                                     const SecretValues& secrets, Journal& journal,
                                     const ExecutionHooks& hooks) {
  return Execution(request, systems, secrets, journal, hooks).run();
}

}  // namespace sd
