#include "engine/apply_session.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <optional>
#include <unordered_map>

#include "base/source_files.h"
#include "base/sqlite_database.h"
#include "base/text_checks.h"
#include "engine/live_paths.h"
#include "engine/loaded_input.h"
#include "engine/observe.h"
#include "engine/plan_session.h"
#include "plan/desired_state.h"
#include "plan/plan_identity.h"
#include "plan/saved_plan.h"
#include "plan/saved_plan_match.h"
#include "plan/selection.h"
#include "runtime/apply_lock.h"

namespace sd::engine {
namespace {

using Ending = ApplyOutcome::Ending;

ApplyOutcome failed(std::vector<Error> errors) {
  ApplyOutcome out;
  out.ending = Ending::Failed;
  out.errors = std::move(errors);
  return out;
}

ApplyOutcome ended(Ending ending, Plan plan = {}) {
  ApplyOutcome out;
  out.ending = ending;
  out.plan = std::move(plan);
  return out;
}

// `errors` about a file's content, naming the file where they name none.
std::vector<Error> in_file(std::vector<Error> errors, const std::string& file) {
  for (Error& e : errors)
    if (e.where.file.empty()) e.where.file = file;
  return errors;
}

// True if `path` is `folder` or inside it, both made absolute with symbolic links resolved.
bool is_inside(const std::filesystem::path& path, const std::filesystem::path& folder) {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
  if (ec) return false;
  const std::filesystem::path f = std::filesystem::weakly_canonical(folder, ec);
  if (ec) return false;
  auto [f_end, p_at] = std::mismatch(f.begin(), f.end(), p.begin(), p.end());
  return f_end == f.end() || (std::next(f_end) == f.end() && f_end->empty());
}

// The spec a saved plan names, as written (relative to where the plan was made, which is where
// CI applies it), or else beside the plan file. A saved plan comes from a pull request like the
// spec: the file it names is read (and its errors quoted) only where a spec can be, a .yaml or
// .yml file in the working folder or the plan's folder, as user lists stay beside the spec.
Result<std::string> saved_spec_path(const std::string& recorded, const std::string& plan_file) {
  const Location at{plan_file};
  const std::string name = "the spec the saved plan names (spec.file " + quoted(recorded) + ")";
  if (!recorded.ends_with(".yaml") && !recorded.ends_with(".yml"))
    return make_error(name + " is not a .yaml or .yml file", at);
  std::error_code ec;
  std::string path = recorded;
  if (recorded.front() != '/' && !std::filesystem::exists(recorded, ec)) {
    std::string beside = resolve_relative(plan_file, recorded);
    if (std::filesystem::exists(beside, ec)) path = beside;
  }
  const std::filesystem::path plan_folder = std::filesystem::absolute(plan_file, ec).parent_path();
  if (!is_inside(path, std::filesystem::current_path(ec)) && !is_inside(path, plan_folder))
    return make_error(name + " is outside the working folder and the plan's folder", at);
  return path;
}

// The journal holds the lock: it must be a file of its own, not the store or the environment.
Status check_journal_path(const LivePaths& paths) {
  std::error_code ec;
  for (const std::string* other : {&paths.store, &paths.environment_file}) {
    bool same = paths.journal == *other || std::filesystem::equivalent(paths.journal, *other, ec);
    if (same)
      return make_error("--journal " + paths.journal +
                        " is the configuration store or the environment file; give the journal "
                        "a file of its own");
  }
  return ok_status();
}

bool on_exchange_side(const Plan& plan, uint32_t i) {
  return plan.actions[i].type->side == Side::Exchange;
}

// The Exchange-management actions of `request` (steps 1 and 2), run before the mailboxes are
// asked.
ExecutionRequest exchange_part_of(const ExecutionRequest& request) {
  const Plan& plan = *request.plan;
  auto is_exchange = [&](uint32_t i) { return on_exchange_side(plan, i); };
  ExecutionRequest part = request;
  part.to_do.clear();
  part.refused.clear();
  part.already_done.clear();
  std::copy_if(request.to_do.begin(), request.to_do.end(), std::back_inserter(part.to_do),
               is_exchange);
  std::copy_if(request.already_done.begin(), request.already_done.end(),
               std::back_inserter(part.already_done), is_exchange);
  for (const RefusedAction& r : request.refused)
    if (is_exchange(r.action)) part.refused.push_back(r);
  return part;
}

// When the rest cannot run after the Exchange side: the report of the Exchange side, with the
// other actions of `request` counted as skipped and the reason as why the apply stopped.
ExecutionReport stopped_after_exchange(ExecutionReport report, const ExecutionRequest& request,
                                       std::string why) {
  for (uint32_t i : request.to_do) {
    if (on_exchange_side(*request.plan, i)) continue;
    report.actions.push_back({i, Outcome::Skipped, "not run: the Exchange side came first"});
    ++report.skipped;
  }
  for (const RefusedAction& r : request.refused) {
    if (on_exchange_side(*request.plan, r.action)) continue;  // in the Exchange part's report
    report.actions.push_back({r.action, Outcome::Refused, r.reason});
    ++report.refused;
  }
  std::sort(report.actions.begin(), report.actions.end(),
            [](const ExecutedAction& a, const ExecutedAction& b) { return a.action < b.action; });
  if (report.stopped.empty()) report.stopped = std::move(why);
  return report;
}

// What is left once the Exchange side is done: the steps of the plan that was reviewed (saved,
// or shown and confirmed) other than Exchange's, matched with the plan made again now that
// the mailboxes were asked. A link's folder id is the one thing that plan could not show.
// Errors say why the rest cannot run; the Exchange side stays as it was changed.
Result<ExecutionRequest> nexj_part_after_exchange(const Plan& replanned, const SavedPlan& reviewed,
                                                  const ExecutionRequest& first,
                                                  std::vector<std::string>& vanished,
                                                  ApplyConversation& conversation) {
  if (replanned.summary.failed_checks) {
    for (const PreconditionCheck& c : replanned.observed.checks)
      if (c.status == PreconditionCheck::Status::Failed)
        return make_error("precondition failed when checked again: " + printable(c.name) + ": " +
                          printable(c.detail));
  }
  // What the Exchange side just changed must now read as the spec says.
  std::unordered_map<std::string, uint32_t> exchange_now;
  for (uint32_t j = 0; j < replanned.actions.size(); ++j)
    if (on_exchange_side(replanned, j)) exchange_now.emplace(replanned.actions[j].address(), j);
  const Plan& before = *first.plan;
  for (uint32_t i : first.to_do) {
    if (!on_exchange_side(before, i)) continue;
    auto found = exchange_now.find(before.actions[i].address());
    if (found == exchange_now.end()) continue;
    const Action& now = replanned.actions[found->second];
    if (now.kind == ActionKind::NoOp) continue;
    return make_error(found->first +
                      (now.kind == ActionKind::Unknown ? " could not be read again after "
                                                       : " still differs after ") +
                      "it was changed: " + now.reason);
  }
  // Nor is the rest applied half-read: a mailbox that could not be asked (Exchange not caught
  // up with the new rights yet, a transport failure) stops it, to be finished by the next apply.
  size_t unknown = 0;
  const Action* first_unknown = nullptr;
  for (uint32_t j = 0; j < replanned.actions.size(); ++j) {
    const Action& a = replanned.actions[j];
    if (a.kind != ActionKind::Unknown || on_exchange_side(replanned, j)) continue;
    if (!first_unknown) first_unknown = &a;
    ++unknown;
  }
  if (first_unknown)
    return make_error(first_unknown->address() + " " + first_unknown->reason +
                      (unknown > 1 ? " (and " + std::to_string(unknown - 1) + " more)" : "") +
                      "; apply again once Exchange answers");
  Result<SavedPlanMatch> match = match_saved_plan(reviewed, replanned);
  if (!match.ok()) return match.take_errors();
  auto nexj = [&](uint32_t i) { return !on_exchange_side(replanned, i); };
  ExecutionRequest rest;
  rest.plan = &replanned;
  rest.plan_id = first.plan_id;
  rest.holder = first.holder;
  std::copy_if(match->to_do.begin(), match->to_do.end(), std::back_inserter(rest.to_do), nexj);
  std::copy_if(match->already_done.begin(), match->already_done.end(),
               std::back_inserter(rest.already_done), nexj);
  for (RefusedAction& r : match->refused)
    if (nexj(r.action)) rest.refused.push_back(std::move(r));
  // The saved steps that vanished are decided again here, but for Exchange's (they ran).
  auto exchange_address = [](const std::string& address) {
    const ResourceType* type = find_resource_type(address.substr(0, address.find('/')));
    return type && type->side == Side::Exchange;
  };
  std::erase_if(vanished, [&](const std::string& a) { return !exchange_address(a); });
  for (std::string& address : match->vanished)
    if (!exchange_address(address)) vanished.push_back(std::move(address));
  if (match->not_in_plan) conversation.not_in_plan(match->not_in_plan, false);
  return rest;
}

// The links whose users a saved plan makes or changes: asked again at apply, so that a plan
// made with --refresh is applied as made.
std::vector<std::string> links_of(const SavedPlan& saved) {
  std::vector<std::string> out;
  const std::string prefix = std::string(types::kFolderLink.name) + "/";
  for (const SavedAction& a : saved.actions)
    if ((a.kind == ActionKind::Create || a.kind == ActionKind::Update) &&
        a.address.starts_with(prefix))
      out.push_back(a.address.substr(prefix.size()));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

ApplyOutcome apply_deployment(World& world, const ApplyRequest& request,
                              ApplyConversation& conversation) {
  // 1. A spec, or a saved plan that names its spec.
  Result<std::string> text = world.files().read(request.input);
  if (!text.ok()) return failed(text.take_errors());
  std::optional<SavedPlan> saved;
  std::string spec_path = request.input;
  std::vector<std::string> only = request.only;
  if (looks_like_saved_plan(*text)) {
    Result<SavedPlan> parsed = parse_saved_plan(request.input, *text);
    if (!parsed.ok()) return failed(parsed.take_errors());
    saved = std::move(parsed).value();
    if (!only.empty()) return ended(Ending::OnlyWithSavedPlan);
    // What it did not decide (an object it could not read, a secret it did not compare) it
    // cannot promise: live state is not read to guess.
    if (!saved->applyable)
      return failed(
          {Error{"the saved plan says it cannot be applied (\"applyable\": false: a precondition "
                 "failed, an object could not be read, an action was blocked, or it was made "
                 "--without-secrets); nothing was changed: make a new plan and apply that",
                 Location{request.input},
                 {}}});
    Result<std::string> named = saved_spec_path(saved->spec_file, request.input);
    if (!named.ok()) return failed(named.take_errors());
    spec_path = std::move(named).value();
    only = saved->only;
  }
  Status prefixes = check_prefixes(only);
  if (!prefixes.ok()) return failed(prefixes.take_errors());

  SecretValues secrets;
  Result<LoadedInput> input = load_input(world, spec_path, true, &secrets);
  if (!input.ok()) return failed(input.take_errors());
  const Spec& spec = input->loaded.spec;
  if (saved && saved->spec_digest != input->loaded.digest) {
    ApplyOutcome out = ended(Ending::SpecChanged);
    out.spec_path = spec_path;
    return out;
  }

  // 2. The lock, in the journal beside the store.
  LivePaths paths = live_paths(spec, spec_path, request.journal);
  if (Status journal_path = check_journal_path(paths); !journal_path.ok())
    return failed(journal_path.take_errors());
  // The journal (and the lock in it) sits beside the store: its folder must exist first.
  if (Status folder = create_folder_of(paths.journal); !folder.ok())
    return failed(folder.take_errors());
  Result<std::unique_ptr<SqlDatabase>> journal_db =
      open_sqlite(paths.journal, SqlOpenMode::ReadWriteCreate);
  if (!journal_db.ok()) return failed(journal_db.take_errors());
  Result<std::unique_ptr<Journal>> journal = open_journal(**journal_db);
  if (!journal.ok()) return failed(journal.take_errors());
  LeaseOptions lease;
  lease.wait_seconds = request.lock_timeout;
  lease.spec = printable(spec_path);
  Result<ApplyLock> lock = ApplyLock::acquire(**journal_db, spec.deployment, lease);
  if (!lock.ok()) return failed(lock.take_errors());
  const Checkpoints& checkpoints = world.checkpoints();
  checkpoints.at("lock acquired");

  // 3. A run that was killed is completed by this one: live state is read again below, so
  // what it finished shows as done and is not done twice.
  Result<std::vector<InterruptedRun>> interrupted =
      (*journal)->interrupted_runs(spec.deployment, 0);
  if (!interrupted.ok()) return failed(interrupted.take_errors());
  for (const InterruptedRun& r : *interrupted) conversation.resuming(r);

  // 4. Read live state and plan.
  Result<std::unique_ptr<NexjSystems>> nexj = world.open_nexj(paths);
  if (!nexj.ok()) return failed(nexj.take_errors());
  Result<std::unique_ptr<LiveSystem>> exchange_system =
      open_exchange_management(world, *input, secrets, only);
  if (!exchange_system.ok()) return failed(exchange_system.take_errors());
  auto all_systems = [&] {
    std::vector<LiveSystem*> all = (*nexj)->all();
    if (*exchange_system) all.push_back(exchange_system->get());
    return all;
  };
  std::vector<LiveSystem*> all = all_systems();
  DesiredState desired = build_desired_state(spec, input->fingerprints);
  ObservedState observed = observe_all(all, desired);
  ExchangeReadOptions exchange_options = request.exchange;
  if (saved) {
    std::vector<std::string> links = links_of(*saved);
    exchange_options.always_ask.insert(exchange_options.always_ask.end(), links.begin(),
                                       links.end());
    std::sort(exchange_options.always_ask.begin(), exchange_options.always_ask.end());
  }
  Status exchange =
      read_exchange(world, *input, secrets, desired, only, exchange_options, observed);
  if (!exchange.ok()) return failed(exchange.take_errors());
  Plan plan = plan_against(*input, std::move(desired), std::move(observed), only);

  ExecutionRequest execution;
  execution.plan_id = plan_id(plan);
  execution.holder = lock->info().holder;  // the journal names the same holder as the lease
  std::vector<std::string> vanished;
  // A failed precondition stops any apply, of a saved plan too: nothing is changed.
  if (plan.summary.failed_checks) return ended(Ending::PreconditionsFailed, std::move(plan));
  if (saved) {
    Result<SavedPlanMatch> match = match_saved_plan(*saved, plan);
    if (!match.ok()) return failed(in_file(match.take_errors(), request.input));
    execution.to_do = std::move(match->to_do);
    execution.refused = std::move(match->refused);
    execution.already_done = std::move(match->already_done);
    execution.plan_id = saved->plan_id;
    vanished = std::move(match->vanished);
    if (match->not_in_plan) conversation.not_in_plan(match->not_in_plan, true);
  } else {
    if (std::string why = cannot_apply_reason(plan.summary); !why.empty()) {
      ApplyOutcome out = ended(Ending::CannotApply, std::move(plan));
      out.reason = std::move(why);
      return out;
    }
    for (uint32_t i = 0; i < plan.actions.size(); ++i) {
      ActionKind k = plan.actions[i].kind;
      if (changes_live(k)) execution.to_do.push_back(i);
    }
  }

  // Once, by the first run of this apply that gets that far (a two-phase apply has two).
  auto close_interrupted = [&](int64_t by) {
    std::vector<int64_t> ids;
    for (const InterruptedRun& r : *interrupted) ids.push_back(r.id);
    if (ids.empty()) return ok_status();
    Status closed = (*journal)->close_interrupted(ids, by);
    if (closed.ok()) interrupted->clear();
    return closed;
  };
  if (execution.to_do.empty() && execution.refused.empty() && vanished.empty()) {
    using Why = ApplyConversation::NothingToDo;
    // Links blocked because their user cannot sync are not "matches the spec", saved or not.
    Why why = plan.summary.cannot_sync         ? Why::NothingElse
              : execution.already_done.empty() ? Why::NoChanges
                                               : Why::NothingLeft;
    conversation.nothing_to_do(why, plan, execution.already_done.size());
    if (!interrupted->empty()) {
      // The journal shows who completed the killed runs: this run, which found nothing left.
      RunStart start{plan.deployment, execution.plan_id, plan.spec_digest, execution.holder, {}, 0};
      Result<int64_t> run = (*journal)->begin_run(start);
      Status closed = run.ok() ? close_interrupted(*run) : Status(run.errors());
      if (closed.ok()) closed = (*journal)->finish_run(*run, "done");
      if (!closed.ok()) return failed(closed.take_errors());
    }
    return ended(Ending::NothingToDo, std::move(plan));
  }

  // 5. Show, confirm, execute. A saved plan was reviewed when it was made: it runs as it is
  // (as with Terraform), and only what it will do is shown.
  if (saved) {
    conversation.applying_saved_plan(request.input, saved->plan_id, execution.to_do.size(),
                                     execution.already_done.size(),
                                     execution.refused.size() + vanished.size());
  } else {
    conversation.showing_plan(plan);
  }
  if (!request.auto_approve && !saved) {
    switch (conversation.confirm(plan, execution.to_do.size())) {
      case ApplyConversation::Answer::Yes:
        break;
      case ApplyConversation::Answer::No:
        return ended(Ending::NotConfirmed);
      case ApplyConversation::Answer::CannotAsk:
        return ended(Ending::CannotConfirm);
    }
  }
  conversation.starting();
  // The prompt may have waited longer than the lease lasts: make sure it is still ours.
  if (Status held = lock->renew(); !held.ok()) return failed(held.take_errors());
  if (Status writable = (*nexj)->prepare_for_writing(); !writable.ok())
    return failed(writable.take_errors());
  all = all_systems();

  ExecutionHooks hooks;
  hooks.checkpoints = checkpoints;
  hooks.renew_lock = [&] { return lock->renew(); };
  hooks.progress = [&world](size_t finished, size_t total, std::string_view system) {
    world.apply_progress(finished, total, system);
  };
  auto finish = [&](ExecutionReport report, Plan shown) {
    ApplyOutcome out = ended(Ending::Applied, std::move(shown));
    out.report = std::move(report);
    out.vanished = std::move(vanished);
    if (Status released = lock->release(); !released.ok())
      out.release_warning = released.errors().front().message;
    return out;
  };
  auto warn_unless = [&](const Status& status) {
    if (!status.ok()) conversation.warning(status.errors().front().message);
  };

  // The mailboxes could not be asked before the Exchange side (service account,
  // impersonation, throttling) is as the spec says: that part runs first, then the mailboxes
  // are asked, the plan is made again, and the reviewed plan's other steps run against it.
  Plan executed_plan;
  ExecutionReport exchange_part;
  execution.plan = &plan;
  if (plan.observed.mailboxes_deferred) {
    ExecutionRequest first = exchange_part_of(execution);
    Result<ExecutionReport> executed = execute_plan(first, all, secrets, **journal, hooks);
    if (!executed.ok()) return failed(executed.take_errors());
    warn_unless(close_interrupted(executed->run));
    if (!executed->complete()) {
      ExecutionReport report = stopped_after_exchange(
          std::move(executed).value(), execution,
          "the Exchange side did not complete, so the users' mailboxes were not asked");
      return finish(std::move(report), std::move(plan));
    }
    exchange_part = std::move(executed).value();
    conversation.exchange_side_done(exchange_part.done);
    DesiredState again = build_desired_state(spec, input->fingerprints);
    ObservedState now = observe_all(all, again);
    exchange_options.after_exchange_changes = true;
    Status asked = read_exchange(world, *input, secrets, again, only, exchange_options, now);
    // Asking many mailboxes takes a while: the lease must still be ours before writing again.
    if (asked.ok()) asked = lock->renew();
    if (!asked.ok()) {
      ExecutionReport report =
          stopped_after_exchange(exchange_part, execution, asked.errors().front().message);
      return finish(std::move(report), std::move(plan));
    }
    executed_plan = plan_against(*input, std::move(again), std::move(now), only);
    Result<ExecutionRequest> rest = nexj_part_after_exchange(
        executed_plan, saved ? *saved : saved_plan_of(plan), execution, vanished, conversation);
    if (!rest.ok()) {
      ExecutionReport report =
          stopped_after_exchange(exchange_part, execution, rest.errors().front().message);
      return finish(std::move(report), std::move(plan));
    }
    execution = std::move(rest).value();
  } else {
    executed_plan = std::move(plan);
    execution.plan = &executed_plan;
  }
  Result<ExecutionReport> executed = execute_plan(execution, all, secrets, **journal, hooks);
  if (!executed.ok()) return failed(executed.take_errors());
  warn_unless(close_interrupted(executed->run));
  executed->done += exchange_part.done;
  executed->already_done += exchange_part.already_done;
  return finish(std::move(executed).value(), std::move(executed_plan));
}

}  // namespace sd::engine
