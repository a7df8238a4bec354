#include <filesystem>

#include "base/sqlite_database.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "runtime/apply_lock.h"
#include "runtime/live_systems.h"

namespace sd::cli {

// Removes the apply lock of a dead holder. Named by ID so that a typo cannot break a live one.
int run_force_unlock(const UnlockOptions& options, const Context& ctx) {
  Result<LoadedInput> input = load_input(options.spec, false, nullptr, ctx);
  if (!input.ok()) {
    report(ctx, input.errors());
    return kExitError;
  }
  const Spec& spec = input->loaded.spec;
  LivePaths paths = live_paths(spec, options.spec, options.journal);
  std::error_code ec;
  if (!std::filesystem::exists(paths.journal, ec)) {
    ctx.err << "syncdeploy: error: deployment '" << printable(spec.deployment)
            << "' is not locked (no journal at " << printable(paths.journal) << ")\n";
    return kExitError;
  }
  Result<std::unique_ptr<SqlDatabase>> db = open_sqlite(paths.journal, SqlOpenMode::ReadOnly);
  if (db.ok()) db = open_sqlite(paths.journal, SqlOpenMode::ReadWriteCreate);
  if (!db.ok()) {
    report(ctx, db.errors());
    return kExitError;
  }
  Status unlocked = force_unlock(**db, spec.deployment, options.lock_id);
  if (!unlocked.ok()) {
    report(ctx, unlocked.errors());
    return kExitError;
  }
  ctx.out << "Removed lock " << printable(options.lock_id) << " of deployment '"
          << printable(spec.deployment) << "'.\n";
  return kExitOk;
}

}  // namespace sd::cli
