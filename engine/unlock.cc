#include "engine/unlock.h"

#include <filesystem>

#include "base/sqlite_database.h"
#include "engine/live_paths.h"
#include "engine/loaded_input.h"
#include "runtime/apply_lock.h"

namespace sd::engine {

UnlockOutcome unlock_deployment(World& world, const UnlockRequest& request) {
  UnlockOutcome out;
  Result<LoadedInput> input = load_input(world, request.spec, false, nullptr);
  if (!input.ok()) {
    out.errors = input.take_errors();
    return out;
  }
  const Spec& spec = input->loaded.spec;
  out.deployment = spec.deployment;
  LivePaths paths = live_paths(spec, request.spec, request.journal);
  out.journal = paths.journal;
  std::error_code ec;
  if (!std::filesystem::exists(paths.journal, ec)) {
    out.ending = UnlockOutcome::Ending::NotLocked;
    return out;
  }
  Result<std::unique_ptr<SqlDatabase>> db = open_sqlite(paths.journal, SqlOpenMode::ReadOnly);
  if (db.ok()) db = open_sqlite(paths.journal, SqlOpenMode::ReadWriteCreate);
  if (!db.ok()) {
    out.errors = db.take_errors();
    return out;
  }
  if (Status unlocked = force_unlock(**db, spec.deployment, request.lock_id); !unlocked.ok()) {
    out.errors = unlocked.take_errors();
    return out;
  }
  out.ending = UnlockOutcome::Ending::Unlocked;
  return out;
}

}  // namespace sd::engine
