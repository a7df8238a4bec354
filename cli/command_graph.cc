#include "cli/commands.h"
#include "engine/plan_session.h"
#include "render/render.h"

namespace sd::cli {

int run_graph(const GraphOptions& options, const Context& ctx) {
  // The graph shows structure only: no secret and no live state needs to be read for it.
  engine::RuntimeWorld world = world_of(ctx);
  Result<Plan> plan = engine::plan_deployment(
      world,
      {options.spec, options.observed, options.only, engine::LiveRead::Never, false, false, {}});
  if (!plan.ok()) {
    report(ctx, plan.errors());
    return kExitError;
  }
  render_dot(*plan, ctx.out);
  return kExitOk;
}

}  // namespace sd::cli
