// `syncdeploy show PLANFILE`: a plan saved with `plan -out` printed again for reviewers and CI,
// as `plan` printed it, from the file alone: no spec, environment file, store, network or
// secret is read (engine::load_saved_plan).
#include "cli/commands.h"
#include "engine/plan_session.h"

namespace sd::cli {

int run_show(const ShowOptions& options, const Context& ctx) {
  engine::RuntimeWorld world = world_of(ctx);
  Result<Plan> plan = engine::load_saved_plan(world, options.plan_file);
  if (!plan.ok()) {
    report(ctx, plan.errors());
    return kExitError;
  }
  render_plan(*plan, options.format, text_style(options.no_color, options.verbose, ctx), ctx.out);
  return kExitOk;
}

}  // namespace sd::cli
