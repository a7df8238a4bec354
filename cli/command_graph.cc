#include "cli/commands.h"
#include "render/render.h"

namespace sd::cli {

int run_graph(const GraphOptions& options, const Context& ctx) {
  // The graph shows structure only: no secret and no live state needs to be read for it.
  Result<Plan> plan =
      compute_plan(options.spec, options.observed, options.only, LiveRead::Never, false, ctx);
  if (!plan.ok()) {
    report(ctx, plan.errors());
    return kExitError;
  }
  render_dot(*plan, ctx.out);
  return kExitOk;
}

}  // namespace sd::cli
