// SqlDatabase on SQLite (the embedded default store and the journal).
#pragma once

#include <memory>
#include <string>

#include "base/sql.h"

namespace sd {

struct SqliteOptions {
  int busy_timeout_ms = 5000;  // how long to wait for another writer
  // The VFS to do the file I/O through, by its registered name; empty: SQLite's default.
  // Production leaves it empty; tests name a SqliteFaultVfs (sqlite_fault_vfs.h).
  std::string vfs;
};

// Opens `path`. Waits up to `busy_timeout_ms` for another writer. Rollback-journal mode with
// synchronous=FULL: a commit is on disk when commit() returns, and a process killed at any
// point leaves the last committed state. Errors: cannot open, not a database, read-only.
[[nodiscard]] Result<std::unique_ptr<SqlDatabase>> open_sqlite(const std::string& path,
                                                               SqlOpenMode mode,
                                                               const SqliteOptions& options);
[[nodiscard]] inline Result<std::unique_ptr<SqlDatabase>> open_sqlite(const std::string& path,
                                                                      SqlOpenMode mode,
                                                                      int busy_timeout_ms = 5000) {
  return open_sqlite(path, mode, SqliteOptions{busy_timeout_ms, {}});
}

}  // namespace sd
