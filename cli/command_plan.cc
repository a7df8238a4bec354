#include <sstream>

#include "base/atomic_file.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "engine/observe.h"
#include "engine/plan_session.h"
#include "render/render.h"

namespace sd::cli {
namespace {

// docs/cli.md, "Exit codes": a plan that cannot be applied is an error (1) whatever else is
// true. Otherwise, with --detailed-exitcode, anything not yet live (users who cannot sync
// included) is 2, so that a pull request with one new hire without a mailbox passes while the
// plan and standard error say so; without it, users who cannot sync are 5.
int plan_exit_code(const Plan& plan, const PlanOptions& options, const Context& ctx) {
  PlanSummary s = plan.summary;
  // A plan made without secrets cannot be applied, as asked: that alone is not an error. What
  // could not be read for another reason still is.
  if (options.without_secrets) {
    ctx.err << "syncdeploy: warning: planned without secrets: secret fields are not compared "
               "and Exchange is not read; this plan cannot be applied\n";
    for (const PreconditionCheck& c : plan.observed.checks)
      if (c.status == PreconditionCheck::Status::Failed && c.name == engine::kWithoutSecretsCheck)
        --s.failed_checks;
    for (const Action& a : plan.actions)
      if (a.kind == ActionKind::Unknown &&
          read_error_of(plan, a) == engine::kExchangeNotReadWithoutSecrets)
        --s.unknown;
  }
  const bool detailed_exitcode = options.detailed_exitcode;
  if (std::string why = cannot_apply_reason(s); !why.empty()) {
    ctx.err << "syncdeploy: error: the plan cannot be applied: " << why << "\n";
    return kExitError;
  }
  if (s.cannot_sync > 0)
    ctx.err << "syncdeploy: warning: " << s.cannot_sync
            << (s.cannot_sync == 1 ? " folder link is" : " folder links are")
            << " blocked because the user cannot sync (listed in the plan); apply makes the rest\n";
  if (detailed_exitcode) {
    const bool pending = s.has_changes() || s.blocked > 0;
    return pending ? kExitChanges : kExitOk;
  }
  return s.cannot_sync > 0 ? kExitUsersBlocked : kExitOk;
}

}  // namespace

void render_plan(const Plan& plan, PlanFormat format, const TextStyle& style, std::ostream& out) {
  switch (format) {
    case PlanFormat::Text:
      render_text(plan, style, out);
      break;
    case PlanFormat::Json:
      render_json(plan, out);
      break;
    case PlanFormat::Markdown:
      render_markdown(plan, out);
      break;
  }
}

int run_plan(const PlanOptions& options, const Context& ctx) {
  engine::RuntimeWorld world = world_of(ctx);
  Result<Plan> plan = engine::plan_deployment(
      world, {options.spec, options.observed, options.only, engine::LiveRead::FromFileOrLive,
              !options.without_secrets, options.without_secrets, options.exchange});
  if (!plan.ok()) {
    report(ctx, plan.errors());
    return kExitError;
  }
  if (!options.out_file.empty()) {
    std::ostringstream json;
    render_json(*plan, json);
    Status saved = write_file_atomically(options.out_file, json.str());
    if (!saved.ok()) {
      report(ctx, saved.errors());
      return kExitError;
    }
  }
  render_plan(*plan, options.format, text_style(options.no_color, options.verbose, ctx), ctx.out);
  if (!options.out_file.empty() && options.format == PlanFormat::Text)
    ctx.out << "\nSaved the plan to " << escape_controls(options.out_file) << ".\n";
  return plan_exit_code(*plan, options, ctx);
}

}  // namespace sd::cli
