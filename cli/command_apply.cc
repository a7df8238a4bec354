// apply: lock, read live state, plan, confirm, execute with the journal, summarize.
// With a saved plan (plan -out), exactly that plan runs: steps whose object changed since it
// was made are refused by name (design decision 5).
#include <algorithm>
#include <filesystem>
#include <istream>
#include <iterator>
#include <optional>
#include <unordered_map>

#include "base/disk_files.h"
#include "base/source_files.h"
#include "base/sqlite_database.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "plan/desired_state.h"
#include "plan/plan_identity.h"
#include "plan/saved_plan.h"
#include "plan/saved_plan_match.h"
#include "plan/selection.h"
#include "render/render.h"
#include "runtime/apply_executor.h"
#include "runtime/apply_lock.h"
#include "runtime/live_systems.h"

namespace sd::cli {
namespace {

// "yes" and nothing else goes ahead, as with Terraform: a stray Enter must not apply.
bool confirmed(const Plan& plan, size_t count, const Context& ctx) {
  ctx.out << "\nApply " << count << (count == 1 ? " change" : " changes") << " to deployment '"
          << printable(plan.deployment) << "'? Only 'yes' is accepted: " << std::flush;
  std::string answer;
  if (!ctx.env.in || !std::getline(*ctx.env.in, answer)) return false;
  return answer == "yes";
}

int finish(const ExecutionReport& report, const Plan& plan,
           const std::vector<std::string>& vanished, const Context& ctx) {
  for (const std::string& address : vanished)
    ctx.out << "  refused  " << printable(address) << ": no longer found live\n";
  for (const ExecutedAction& a : report.actions) {
    if (a.outcome == Outcome::Done) continue;
    ctx.out << "  " << to_string(a.outcome) << "  " << printable(plan.actions[a.action].address());
    if (!a.error.empty()) ctx.out << ": " << escape_controls(a.error);
    ctx.out << "\n";
  }
  ctx.out << (report.complete() ? "Apply complete: " : "Apply incomplete: ") << report.done
          << " done";
  if (report.already_done) ctx.out << ", " << report.already_done << " already done";
  ctx.out << ", " << report.failed << " failed, " << report.skipped << " skipped";
  size_t refused = report.refused + vanished.size();
  if (refused) ctx.out << ", " << refused << " refused (changed since the plan)";
  ctx.out << ".\n";
  if (!report.stopped.empty())
    ctx.err << "syncdeploy: error: the apply stopped: " << escape_controls(report.stopped) << "\n";
  if (refused) return kExitStale;
  if (!report.complete()) return kExitPartial;
  if (plan.summary.cannot_sync)
    ctx.out << plan.summary.cannot_sync
            << (plan.summary.cannot_sync == 1 ? " folder link was" : " folder links were")
            << " not made because the user cannot sync (see the plan above).\n";
  return exit_code_for(plan.summary, kExitOk);
}

// The spec a saved plan names, as written (relative to where the plan was made, which is where
// CI applies it), or else beside the plan file.
std::string saved_spec_path(const std::string& recorded, const std::string& plan_file) {
  std::error_code ec;
  if (recorded.empty() || recorded.front() == '/' || std::filesystem::exists(recorded, ec))
    return recorded;
  std::string beside = resolve_relative(plan_file, recorded);
  return std::filesystem::exists(beside, ec) ? beside : recorded;
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

bool is_exchange_action(const Plan& plan, uint32_t i) {
  return plan.actions[i].type->name.starts_with("exchange.");
}

// The Exchange-management actions of `request` (steps 1 and 2), run before the mailboxes are
// asked.
ExecutionRequest exchange_part_of(const ExecutionRequest& request) {
  const Plan& plan = *request.plan;
  auto is_exchange = [&](uint32_t i) { return is_exchange_action(plan, i); };
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
    if (is_exchange_action(*request.plan, i)) continue;
    report.actions.push_back({i, Outcome::Skipped, "not run: the Exchange side came first"});
    ++report.skipped;
  }
  for (const RefusedAction& r : request.refused) {
    if (is_exchange_action(*request.plan, r.action)) continue;  // in the Exchange part's report
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
                                                  const Context& ctx) {
  if (replanned.summary.failed_checks) {
    for (const PreconditionCheck& c : replanned.observed.checks)
      if (c.status == PreconditionCheck::Status::Failed)
        return make_error("precondition failed when checked again: " + printable(c.name) + ": " +
                          printable(c.detail));
  }
  // What the Exchange side just changed must now read as the spec says.
  std::unordered_map<std::string, uint32_t> exchange_now;
  for (uint32_t j = 0; j < replanned.actions.size(); ++j)
    if (is_exchange_action(replanned, j)) exchange_now.emplace(replanned.actions[j].address(), j);
  const Plan& before = *first.plan;
  for (uint32_t i : first.to_do) {
    if (!is_exchange_action(before, i)) continue;
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
    if (a.kind != ActionKind::Unknown || is_exchange_action(replanned, j)) continue;
    if (!first_unknown) first_unknown = &a;
    ++unknown;
  }
  if (first_unknown)
    return make_error(first_unknown->address() + " " + first_unknown->reason +
                      (unknown > 1 ? " (and " + std::to_string(unknown - 1) + " more)" : "") +
                      "; apply again once Exchange answers");
  Result<SavedPlanMatch> match = match_saved_plan(reviewed, replanned);
  if (!match.ok()) return match.take_errors();
  auto nexj = [&](uint32_t i) { return !is_exchange_action(replanned, i); };
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
  std::erase_if(vanished, [](const std::string& a) { return !a.starts_with("exchange."); });
  for (std::string& address : match->vanished)
    if (!address.starts_with("exchange.")) vanished.push_back(std::move(address));
  if (match->not_in_plan)
    ctx.out << "Note: " << match->not_in_plan
            << " changes found now are not in the plan and are left alone; run plan again for "
               "them.\n";
  return rest;
}

}  // namespace

int run_apply(const ApplyOptions& options, const Context& ctx) {
  auto fail = [&](const std::vector<Error>& errors) {
    report(ctx, errors);
    return kExitError;
  };

  // 1. A spec, or a saved plan that names its spec.
  Result<std::string> text = DiskFiles().read(options.input);
  if (!text.ok()) return fail(text.errors());
  std::optional<SavedPlan> saved;
  std::string spec_path = options.input;
  std::vector<std::string> only = options.only;
  if (looks_like_saved_plan(*text)) {
    Result<SavedPlan> parsed = parse_saved_plan(options.input, *text);
    if (!parsed.ok()) return fail(parsed.errors());
    saved = std::move(parsed).value();
    if (!only.empty()) {
      ctx.err << "syncdeploy: error: --only cannot be used with a saved plan: the plan was made "
                 "with its own selection\n";
      return kExitError;
    }
    spec_path = saved_spec_path(saved->spec_file, options.input);
    only = saved->only;
  }
  Status prefixes = check_prefixes(only);
  if (!prefixes.ok()) return fail(prefixes.errors());

  SecretValues secrets;
  Result<LoadedInput> input = load_input(spec_path, true, &secrets, ctx);
  if (!input.ok()) return fail(input.errors());
  const Spec& spec = input->loaded.spec;
  if (saved && saved->spec_digest != input->loaded.digest) {
    ctx.err << "syncdeploy: error: " << printable(spec_path)
            << " (or a user list it names) changed since the plan " << printable(options.input)
            << " was made; make a new plan\n";
    return kExitStale;
  }

  // 2. The lock, in the journal beside the store.
  LivePaths paths = live_paths(spec, spec_path, options.journal);
  if (Status journal_path = check_journal_path(paths); !journal_path.ok())
    return fail(journal_path.errors());
  // The journal (and the lock in it) sits beside the store: its folder must exist first.
  if (Status folder = create_folder_of(paths.journal); !folder.ok()) return fail(folder.errors());
  Result<std::unique_ptr<SqlDatabase>> journal_db =
      open_sqlite(paths.journal, SqlOpenMode::ReadWriteCreate);
  if (!journal_db.ok()) return fail(journal_db.errors());
  Result<std::unique_ptr<Journal>> journal = open_journal(**journal_db);
  if (!journal.ok()) return fail(journal.errors());
  LeaseOptions lease;
  lease.wait_seconds = options.lock_timeout;
  lease.spec = printable(spec_path);
  Result<ApplyLock> lock = ApplyLock::acquire(**journal_db, spec.deployment, lease);
  if (!lock.ok()) return fail(lock.errors());
  const Checkpoints& checkpoints = ctx.env.checkpoints;
  checkpoints.at("lock acquired");

  // 3. A run that was killed is completed by this one: live state is read again below, so
  // what it finished shows as done and is not done twice.
  Result<std::vector<InterruptedRun>> interrupted =
      (*journal)->interrupted_runs(spec.deployment, 0);
  if (!interrupted.ok()) return fail(interrupted.errors());
  for (const InterruptedRun& r : *interrupted)
    ctx.out << "Resuming an apply that stopped: plan " << r.plan_id << " by " << printable(r.holder)
            << " at " << r.started << " finished " << r.finished << " of " << r.action_count
            << " actions (" << r.in_flight << " in flight); live state is read again.\n";

  // 4. Read live state and plan.
  Result<LiveSystems> systems = open_live_systems(paths, checkpoints);
  if (!systems.ok()) return fail(systems.errors());
  if (Status attached = attach_exchange_management(*systems, *input, secrets, only, ctx);
      !attached.ok())
    return fail(attached.errors());
  std::vector<LiveSystem*> all = systems->all();
  DesiredState desired = build_desired_state(spec, input->fingerprints);
  ObservedState observed = observe_all(all, desired);
  ExchangeReadOptions exchange_options = options.exchange;
  if (saved) {
    constexpr std::string_view kLink = "nexj.folder_link/";
    for (const SavedAction& a : saved->actions)
      if ((a.kind == ActionKind::Create || a.kind == ActionKind::Update) &&
          a.address.starts_with(kLink))
        exchange_options.always_ask.push_back(a.address.substr(kLink.size()));
    std::sort(exchange_options.always_ask.begin(), exchange_options.always_ask.end());
  }
  Status exchange = read_exchange(*input, secrets, desired, only, exchange_options, observed, ctx);
  if (!exchange.ok()) return fail(exchange.errors());
  Plan plan = plan_against(*input, std::move(desired), std::move(observed), only);

  ExecutionRequest request;
  request.plan = &plan;
  request.plan_id = plan_id(plan);
  request.holder = lock->info().holder;  // the journal names the same holder as the lease
  std::vector<std::string> vanished;
  // A failed precondition stops any apply, of a saved plan too: nothing is changed.
  if (plan.summary.failed_checks) {
    for (const PreconditionCheck& c : plan.observed.checks)
      if (c.status == PreconditionCheck::Status::Failed)
        ctx.err << "syncdeploy: error: precondition failed: " << printable(c.name) << ": "
                << printable(c.detail) << "\n";
    ctx.err << "syncdeploy: error: cannot apply: " << plan.summary.failed_checks
            << (plan.summary.failed_checks == 1 ? " precondition" : " preconditions")
            << " failed; nothing was changed\n";
    return kExitError;
  }
  if (saved) {
    Result<SavedPlanMatch> match = match_saved_plan(*saved, plan);
    if (!match.ok()) return fail(match.errors());
    request.to_do = std::move(match->to_do);
    request.refused = std::move(match->refused);
    request.already_done = std::move(match->already_done);
    request.plan_id = saved->plan_id;
    vanished = std::move(match->vanished);
    if (match->not_in_plan)
      ctx.out << "Note: " << match->not_in_plan
              << " changes found now are not in the saved plan and are left alone; run plan "
                 "again for them.\n";
  } else {
    if (std::string why = cannot_apply_reason(plan.summary); !why.empty()) {
      render_text(plan, TextStyle{use_color(options.no_color, ctx)}, ctx.out);
      ctx.err << "syncdeploy: error: cannot apply: " << why
              << "; nothing was changed (see the plan above)\n";
      return kExitError;
    }
    for (uint32_t i = 0; i < plan.actions.size(); ++i) {
      ActionKind k = plan.actions[i].kind;
      if (k == ActionKind::Create || k == ActionKind::Update || k == ActionKind::Disable)
        request.to_do.push_back(i);
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
  if (request.to_do.empty() && request.refused.empty() && vanished.empty()) {
    if (plan.summary.cannot_sync && !saved) {
      // Nothing to do, but not "matches the spec": the blocked users are listed with why.
      render_text(plan, TextStyle{use_color(options.no_color, ctx)}, ctx.out);
      ctx.out << "Nothing else to do.\n";
    } else if (request.already_done.empty()) {
      ctx.out << "No changes. Live state matches the spec (deployment '"
              << printable(plan.deployment) << "').\n";
    } else {
      ctx.out << "Nothing left to do: the " << request.already_done.size()
              << " changes of the saved plan are already live.\n";
    }
    if (!interrupted->empty()) {
      // The journal shows who completed the killed runs: this run, which found nothing left.
      RunStart start{plan.deployment, request.plan_id, plan.spec_digest, request.holder, {}, 0};
      Result<int64_t> run = (*journal)->begin_run(start);
      Status closed = run.ok() ? close_interrupted(*run) : Status(run.errors());
      if (closed.ok()) closed = (*journal)->finish_run(*run, "done");
      if (!closed.ok()) return fail(closed.errors());
    }
    return exit_code_for(plan.summary, kExitOk);
  }

  // 5. Show, confirm, execute. A saved plan was reviewed when it was made: it runs as it is
  // (as with Terraform), and only what it will do is shown.
  if (saved) {
    ctx.out << "Applying the saved plan " << printable(options.input) << " (plan " << saved->plan_id
            << "): " << request.to_do.size() << " to do, " << request.already_done.size()
            << " already done, " << request.refused.size() + vanished.size() << " refused.\n";
  } else {
    render_text(plan, TextStyle{use_color(options.no_color, ctx)}, ctx.out);
  }
  if (!options.auto_approve && !saved) {
    if (!ctx.env.stdin_is_terminal) {
      ctx.err << "syncdeploy: error: apply asks for confirmation, but standard input is not a "
                 "terminal; review the plan and pass --auto-approve (as CI does)\n";
      return kExitError;
    }
    if (!confirmed(plan, request.to_do.size(), ctx)) {
      ctx.out << "Apply cancelled; nothing was changed.\n";
      return kExitError;
    }
  }
  ctx.out << "\n";
  // The prompt may have waited longer than the lease lasts: make sure it is still ours.
  if (Status held = lock->renew(); !held.ok()) return fail(held.errors());
  if (Status writable = prepare_for_writing(*systems, paths, checkpoints); !writable.ok())
    return fail(writable.errors());
  all = systems->all();

  auto finish_and_release = [&](const ExecutionReport& report, const Plan& shown,
                                const std::vector<std::string>& refused_vanished) {
    int code = finish(report, shown, refused_vanished, ctx);
    if (Status released = lock->release(); !released.ok())
      ctx.err << "syncdeploy: warning: " << escape_controls(released.errors().front().message)
              << "\n";
    return code;
  };
  ExecutionHooks hooks;
  hooks.checkpoints = checkpoints;
  hooks.renew_lock = [&] { return lock->renew(); };

  // The mailboxes could not be asked before the Exchange side (service account,
  // impersonation, throttling) is as the spec says: that part runs first, then the mailboxes
  // are asked, the plan is made again, and the reviewed plan's other steps run against it.
  ExecutionReport exchange_part;
  std::optional<Plan> replanned;
  if (plan.observed.mailboxes_deferred) {
    ExecutionRequest first = exchange_part_of(request);
    Result<ExecutionReport> executed = execute_plan(first, all, secrets, **journal, hooks);
    if (!executed.ok()) return fail(executed.errors());
    if (Status closed = close_interrupted(executed->run); !closed.ok())
      ctx.err << "syncdeploy: warning: " << escape_controls(closed.errors().front().message)
              << "\n";
    if (!executed->complete()) {
      ExecutionReport report = stopped_after_exchange(
          std::move(executed).value(), request,
          "the Exchange side did not complete, so the users' mailboxes were not asked");
      return finish_and_release(report, plan, vanished);
    }
    exchange_part = std::move(executed).value();
    ctx.out << "Exchange side done (" << exchange_part.done << " changed); asking Exchange for "
            << "the users' mailboxes.\n";
    DesiredState again = build_desired_state(spec, input->fingerprints);
    ObservedState now = observe_all(all, again);
    exchange_options.after_exchange_changes = true;
    Status asked = read_exchange(*input, secrets, again, only, exchange_options, now, ctx);
    // Asking many mailboxes takes a while: the lease must still be ours before writing again.
    if (asked.ok()) asked = lock->renew();
    if (!asked.ok()) {
      ExecutionReport report =
          stopped_after_exchange(exchange_part, request, asked.errors().front().message);
      return finish_and_release(report, plan, vanished);
    }
    replanned = plan_against(*input, std::move(again), std::move(now), only);
    Result<ExecutionRequest> rest = nexj_part_after_exchange(
        *replanned, saved ? *saved : saved_plan_of(plan), request, vanished, ctx);
    if (!rest.ok()) {
      ExecutionReport report =
          stopped_after_exchange(exchange_part, request, rest.errors().front().message);
      return finish_and_release(report, plan, vanished);
    }
    request = std::move(rest).value();
  }
  const Plan& executed_plan = replanned ? *replanned : plan;
  Result<ExecutionReport> executed = execute_plan(request, all, secrets, **journal, hooks);
  if (!executed.ok()) return fail(executed.errors());
  if (Status closed = close_interrupted(executed->run); !closed.ok())
    ctx.err << "syncdeploy: warning: " << escape_controls(closed.errors().front().message) << "\n";
  executed->done += exchange_part.done;
  executed->already_done += exchange_part.already_done;
  return finish_and_release(*executed, executed_plan, vanished);
}

}  // namespace sd::cli
