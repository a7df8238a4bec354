// One apply at a time per deployment: a lease in the journal database with its holder, start
// time and expiry. A live apply renews its lease as it goes; a lease that expired, or whose
// holder process on this same host is gone (killed), is taken over. Otherwise a second apply
// waits up to its timeout, then fails naming the holder. `force-unlock ID` removes a lease
// whose holder is known to be dead.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/sql.h"
#include "runtime/journal.h"

namespace sd {

struct LeaseInfo {
  std::string id;  // 16 hex digits, random; what force-unlock takes
  std::string deployment;
  std::string holder;  // "user@host pid N"
  std::string host;
  int64_t pid = 0;
  std::string started;  // UTC, ISO 8601
  std::string expires;  // UTC, ISO 8601
};

struct LeaseOptions {
  int64_t wait_seconds = 0;        // how long to wait for a held lease before failing
  int64_t duration_seconds = 300;  // the lease expires this long after its last renewal
  WallClock clock;                 // default: system clock
  // Sleeps between attempts while waiting (tests pass one that advances their clock).
  std::function<void(int64_t milliseconds)> sleep;
  // How the error names the spec in the force-unlock command it suggests.
  std::string spec = "SPEC";
};

// Keeps a pointer to the database: `db` must outlive the lock.
class ApplyLock {
 public:
  // Takes the lease of `deployment` in `db` (see the top of this file). The error, when held:
  // "deployment 'X' is locked by <holder> since <started> (lock ID <id>, expires <expires>);
  // wait for it, or if that apply is dead run: syncdeploy force-unlock SPEC <id>".
  [[nodiscard]] static Result<ApplyLock> acquire(SqlDatabase& db, std::string_view deployment,
                                                 const LeaseOptions& options);
  ApplyLock(ApplyLock&&) noexcept;
  ApplyLock& operator=(ApplyLock&&) = delete;
  ApplyLock(const ApplyLock&) = delete;
  ~ApplyLock();  // releases the lease if still held

  // Pushes the expiry forward; fails if the lease was taken (force-unlocked) meanwhile:
  // "the lock of deployment 'X' was taken by <holder> (lock ID <id>); this apply stops", or
  // "... was removed (force-unlock); this apply stops" when nobody holds it now. After that
  // failure the lock is no longer held (release() does nothing).
  [[nodiscard]] Status renew();
  // Deletes the lease if it is still ours; a lease taken over meanwhile is left alone.
  [[nodiscard]] Status release();
  [[nodiscard]] const LeaseInfo& info() const { return info_; }

 private:
  ApplyLock(SqlDatabase& db, LeaseInfo info, LeaseOptions options);
  SqlDatabase* db_;
  LeaseInfo info_;
  LeaseOptions options_;
  bool held_ = false;
};

// The lease of `deployment`, if any.
[[nodiscard]] Result<std::optional<LeaseInfo>> current_lease(SqlDatabase& db,
                                                             std::string_view deployment);
// Removes the lease `id` of `deployment`. Error if there is no lease or its ID differs.
[[nodiscard]] Status force_unlock(SqlDatabase& db, std::string_view deployment,
                                  std::string_view id);

}  // namespace sd
