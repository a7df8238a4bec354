// SQLite files opened by the tests (transactions, the fault VFS, the apply lock's lease, the
// journal's runs), and the fixed time their fake clocks start at.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/sqlite_database.h"

namespace sd::test {

// 2026-11-24T21:49:03Z, in Unix seconds.
inline constexpr int64_t kT0 = 1795556943;

// The SQLite file at `path`, opened with `mode` and `options` (busy timeout, VFS); fails the
// test when it cannot be.
[[nodiscard]] std::unique_ptr<SqlDatabase> open_db(const std::string& path,
                                                   SqlOpenMode mode = SqlOpenMode::ReadWriteCreate,
                                                   const SqliteOptions& options = {});

// How many rows `table` has.
[[nodiscard]] int64_t row_count(SqlDatabase& db, const std::string& table);

}  // namespace sd::test
