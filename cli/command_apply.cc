// apply: what the engine's apply (engine/apply_session.h) says and asks, printed; its outcome
// summarized and mapped to the exit codes of docs/cli.md.
#include <istream>

#include "base/text_checks.h"
#include "cli/commands.h"
#include "engine/apply_session.h"
#include "render/plan_overview.h"
#include "render/render.h"

namespace sd::cli {
namespace {

// Folder-link lines (one per user) apply shows before asking; past that it counts them, so that
// a 20,000-user apply does not scroll for minutes before its question (--verbose shows all).
constexpr size_t kApplyListedUsers = 100;

// The plan as apply shows it: in full with --verbose, summarized when it is large.
TextStyle apply_style(const Plan& plan, const ApplyOptions& options, const Context& ctx) {
  TextStyle style = text_style(options.no_color, options.verbose, ctx);
  if (!options.verbose && folder_link_totals(plan).users > kApplyListedUsers)
    style.detail = PlanDetail::Summary;
  return style;
}

using engine::ApplyConversation;
using engine::ApplyOutcome;

class TerminalConversation : public ApplyConversation {
 public:
  TerminalConversation(const ApplyOptions& options, const Context& ctx)
      : options_(options), ctx_(ctx) {}

  void resuming(const InterruptedRun& r) override {
    ctx_.out << "Resuming an apply that stopped: plan " << r.plan_id << " by "
             << printable(r.holder) << " at " << r.started << " finished " << r.finished << " of "
             << r.action_count << " actions (" << r.in_flight
             << " in flight); live state is read again.\n";
  }

  void not_in_plan(size_t count, bool saved_plan) override {
    ctx_.out << "Note: " << count << " changes found now are not in the "
             << (saved_plan ? "saved plan" : "plan")
             << " and are left alone; run plan again for them.\n";
  }

  void nothing_to_do(NothingToDo why, const Plan& plan, size_t already_done) override {
    switch (why) {
      case NothingToDo::NothingElse:
        // Not "matches the spec": the blocked users are listed with why.
        render_text(plan, apply_style(plan, options_, ctx_), ctx_.out);
        ctx_.out << "Nothing else to do.\n";
        break;
      case NothingToDo::NoChanges:
        ctx_.out << "No changes. Live state matches the spec (deployment '"
                 << printable(plan.deployment) << "').\n";
        break;
      case NothingToDo::NothingLeft:
        ctx_.out << "Nothing left to do: the " << already_done
                 << " changes of the saved plan are already live.\n";
        break;
    }
  }

  void applying_saved_plan(const std::string& plan_file, const std::string& plan_id, size_t to_do,
                           size_t already_done, size_t refused) override {
    ctx_.out << "Applying the saved plan " << printable(plan_file) << " (plan " << plan_id
             << "): " << to_do << " to do, " << already_done << " already done, " << refused
             << " refused.\n";
  }

  void showing_plan(const Plan& plan) override {
    render_text(plan, apply_style(plan, options_, ctx_), ctx_.out);
  }

  // "yes" and nothing else goes ahead, as with Terraform: a stray Enter must not apply.
  Answer confirm(const Plan& plan, size_t changes) override {
    if (!ctx_.env.stdin_is_terminal) return Answer::CannotAsk;
    ctx_.out << "\nApply " << changes << (changes == 1 ? " change" : " changes")
             << " to deployment '" << printable(plan.deployment)
             << "'? Only 'yes' is accepted: " << std::flush;
    std::string answer;
    if (!ctx_.env.in || !std::getline(*ctx_.env.in, answer)) return Answer::No;
    return answer == "yes" ? Answer::Yes : Answer::No;
  }

  void starting() override { ctx_.out << "\n"; }

  void exchange_side_done(size_t changed) override {
    ctx_.out << "Exchange side done (" << changed << " changed); asking Exchange for "
             << "the users' mailboxes.\n";
  }

  void warning(const std::string& text) override {
    ctx_.err << "syncdeploy: warning: " << escape_controls(text) << "\n";
  }

 private:
  const ApplyOptions& options_;
  const Context& ctx_;
};

// The summary of a run: what did not go as planned, by name, then the counts.
int summarize(const ApplyOutcome& outcome, const Context& ctx) {
  const Plan& plan = outcome.plan;
  const ExecutionReport& report = outcome.report;
  for (const std::string& address : outcome.vanished)
    ctx.out << "  refused  " << printable(address) << ": no longer found live\n";
  for (const ExecutedAction& a : report.actions) {
    if (a.outcome == Outcome::Done) continue;
    ctx.out << "  " << to_string(a.outcome) << "  " << printable(plan.actions[a.action].address());
    if (!a.error.empty()) ctx.out << ": " << escape_controls(a.error);
    ctx.out << "\n";
  }
  // Exit 4 (refused) has its own word: "incomplete" is exit 3's.
  size_t refused = report.refused + outcome.vanished.size();
  ctx.out << (report.complete() && !refused ? "Apply complete: "
              : refused                     ? "Apply refused in part: "
                                            : "Apply incomplete: ")
          << report.done << " done";
  if (report.already_done) ctx.out << ", " << report.already_done << " already done";
  ctx.out << ", " << report.failed << " failed, " << report.skipped << " skipped";
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

int exit_code_of(const ApplyOutcome& outcome, const ApplyOptions& options, const Context& ctx) {
  using Ending = ApplyOutcome::Ending;
  const Plan& plan = outcome.plan;
  switch (outcome.ending) {
    case Ending::Failed:
      report(ctx, outcome.errors);
      return kExitError;
    case Ending::OnlyWithSavedPlan:
      ctx.err << "syncdeploy: error: --only cannot be used with a saved plan: the plan was made "
                 "with its own selection\n";
      return kExitError;
    case Ending::SpecChanged:
      ctx.err << "syncdeploy: error: " << printable(outcome.spec_path)
              << ", a user list it names, or the values of its variables (--var, --var-file) "
                 "changed since the plan "
              << printable(options.input) << " was made; make a new plan\n";
      return kExitStale;
    case Ending::PreconditionsFailed:
      for (const PreconditionCheck& c : plan.observed.checks)
        if (c.status == PreconditionCheck::Status::Failed)
          ctx.err << "syncdeploy: error: precondition failed: " << printable(c.name) << ": "
                  << printable(c.detail) << "\n";
      ctx.err << "syncdeploy: error: cannot apply: " << plan.summary.failed_checks
              << (plan.summary.failed_checks == 1 ? " precondition" : " preconditions")
              << " failed; nothing was changed\n";
      return kExitError;
    case Ending::CannotApply:
      render_text(plan, apply_style(plan, options, ctx), ctx.out);
      ctx.err << "syncdeploy: error: cannot apply: " << outcome.reason
              << "; nothing was changed (see the plan above)\n";
      return kExitError;
    case Ending::NothingToDo:
      return exit_code_for(plan.summary, kExitOk);
    case Ending::NotConfirmed:
      ctx.out << "Apply cancelled; nothing was changed.\n";
      return kExitError;
    case Ending::CannotConfirm:
      ctx.err << "syncdeploy: error: apply asks for confirmation, but standard input is not a "
                 "terminal; review the plan and pass --auto-approve (as CI does)\n";
      return kExitError;
    case Ending::Applied:
      return summarize(outcome, ctx);
  }
  return kExitError;
}

}  // namespace

int run_apply(const ApplyOptions& options, const Context& ctx) {
  engine::RuntimeWorld world = world_of(ctx);
  TerminalConversation conversation(options, ctx);
  engine::ApplyRequest request{options.input,   options.only,         options.auto_approve,
                               options.journal, options.lock_timeout, options.exchange};
  ApplyOutcome outcome = engine::apply_deployment(world, request, conversation);
  int code = exit_code_of(outcome, options, ctx);
  if (!outcome.release_warning.empty()) conversation.warning(outcome.release_warning);
  return code;
}

}  // namespace sd::cli
