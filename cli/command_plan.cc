#include <sstream>

#include "base/atomic_file.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "engine/plan_session.h"
#include "render/render.h"

namespace sd::cli {

int run_plan(const PlanOptions& options, const Context& ctx) {
  engine::RuntimeWorld world = world_of(ctx);
  Result<Plan> plan =
      engine::plan_deployment(world, {options.spec, options.observed, options.only,
                                      engine::LiveRead::FromFileOrLive, true, options.exchange});
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
  switch (options.format) {
    case PlanFormat::Text:
      render_text(*plan, TextStyle{use_color(options.no_color, ctx)}, ctx.out);
      break;
    case PlanFormat::Json:
      render_json(*plan, ctx.out);
      break;
    case PlanFormat::Markdown:
      render_markdown(*plan, ctx.out);
      break;
  }
  if (!options.out_file.empty() && options.format == PlanFormat::Text)
    ctx.out << "\nSaved the plan to " << escape_controls(options.out_file) << ".\n";
  // Unknown and blocked actions also mean "live state does not match the spec".
  const PlanSummary& s = plan->summary;
  bool pending = s.has_changes() || s.unknown > 0 || s.blocked > 0;
  // Users who cannot sync are said even without --detailed-exitcode, when that is all that
  // stands in the way; a plan that cannot be applied at all says so first.
  if (s.cannot_sync > 0 && cannot_apply_reason(s).empty()) return kExitUsersBlocked;
  return options.detailed_exitcode && pending ? kExitChanges : kExitOk;
}

}  // namespace sd::cli
