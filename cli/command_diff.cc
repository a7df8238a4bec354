#include "base/text_checks.h"
#include "cli/commands.h"
#include "engine/plan_session.h"
#include "render/render.h"

namespace sd::cli {

// Read-only drift report: live state against the spec. Exit 0 in sync, 2 drift, 1 an error or
// live state that could not be read (what is unknown is not drift, and not "in sync" either).
int run_diff(const DiffOptions& options, const Context& ctx) {
  engine::RuntimeWorld world = world_of(ctx);
  Result<Plan> plan = engine::plan_deployment(world, {options.spec,
                                                      {},
                                                      options.only,
                                                      engine::LiveRead::FromFileOrLive,
                                                      true,
                                                      false,
                                                      options.exchange});
  if (!plan.ok()) {
    report(ctx, plan.errors());
    return kExitError;
  }
  if (options.json) {
    render_drift_json(*plan, ctx.out);
  } else {
    render_drift_text(*plan, TextStyle{use_color(options.no_color, ctx)}, ctx.out);
  }
  const PlanSummary& s = plan->summary;
  // A failed precondition (a TLS check) is a deployment that does not work as specified.
  if (s.failed_checks && !options.json)
    for (const PreconditionCheck& c : plan->observed.checks)
      if (c.status == PreconditionCheck::Status::Failed)
        ctx.out << "Precondition failed: " << printable(c.name) << ": " << printable(c.detail)
                << "\n";
  if (s.unknown > 0) {
    ctx.err << "syncdeploy: error: " << s.unknown
            << (s.unknown == 1 ? " object could not be read" : " objects could not be read")
            << " (listed above): the drift is not known\n";
    return kExitError;
  }
  bool drift = s.has_changes() || s.blocked > 0 || s.failed_checks > 0;
  return drift ? kExitChanges : kExitOk;
}

}  // namespace sd::cli
