#include "base/text_checks.h"
#include "cli/commands.h"
#include "engine/unlock.h"

namespace sd::cli {

// Removes the apply lock of a dead holder (engine/unlock.h).
int run_force_unlock(const UnlockOptions& options, const Context& ctx) {
  engine::RuntimeWorld world = world_of(ctx);
  engine::UnlockOutcome unlocked =
      engine::unlock_deployment(world, {options.spec, options.lock_id, options.journal});
  switch (unlocked.ending) {
    case engine::UnlockOutcome::Ending::Failed:
      report(ctx, unlocked.errors);
      return kExitError;
    case engine::UnlockOutcome::Ending::NotLocked:
      ctx.err << "syncdeploy: error: deployment '" << printable(unlocked.deployment)
              << "' is not locked (no journal at " << printable(unlocked.journal) << ")\n";
      return kExitError;
    case engine::UnlockOutcome::Ending::Unlocked:
      break;
  }
  ctx.out << "Removed lock " << printable(options.lock_id) << " of deployment '"
          << printable(unlocked.deployment) << "'.\n";
  return kExitOk;
}

}  // namespace sd::cli
