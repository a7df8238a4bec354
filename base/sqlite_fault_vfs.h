// A SQLite VFS that fails on command, for tests: SQLite does its own I/O, so the journal, the
// lock and the configuration store meet a full disk or an I/O error only through this. It wraps
// SQLite's default VFS ("unix") and is registered under a name of its own, never as the
// default: a connection uses it only when open_sqlite() is told to (SqliteOptions::vfs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace sd {

enum class SqliteFileOp : uint8_t { Read, Write, Truncate, Sync };
// Which file of a database: the database itself or its rollback journal ("<db>-journal").
enum class SqliteFileKind : uint8_t { Any, Database, Journal };

class SqliteFaultVfs {
 public:
  // Registers a VFS named "syncdeploy-faults-<n>".
  SqliteFaultVfs();
  // Unregisters it: every connection opened through it must be closed by then.
  ~SqliteFaultVfs();
  SqliteFaultVfs(const SqliteFaultVfs&) = delete;
  SqliteFaultVfs& operator=(const SqliteFaultVfs&) = delete;

  [[nodiscard]] const std::string& name() const;

  // The `nth` call (1: the next one) of `op` on a file of `kind` fails with `error_number`:
  // ENOSPC is SQLite's "database or disk is full", any other its I/O error for `op`. A failing
  // write first writes half of its bytes, as a disk that fills up does. Each fault fires once.
  void fail(SqliteFileOp op, int nth, int error_number, SqliteFileKind kind = SqliteFileKind::Any);
  // Disarms the faults that have not fired.
  void clear();
  // Calls of `op` on files of `kind` so far, failed ones included.
  [[nodiscard]] int calls(SqliteFileOp op, SqliteFileKind kind = SqliteFileKind::Any) const;
  // Faults that fired so far.
  [[nodiscard]] int fired() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace sd
