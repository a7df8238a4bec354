// SQLite files opened by the tests of what the store records (the apply lock's lease, the
// journal's runs), and the fixed time their fake clocks start at.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/sqlite_database.h"

namespace sd::test {

// 2026-11-24T21:49:03Z, in Unix seconds.
inline constexpr int64_t kT0 = 1795556943;

// The SQLite file at `path`, opened with `mode`; fails the test when it cannot be.
[[nodiscard]] std::unique_ptr<SqlDatabase> open_db(const std::string& path,
                                                   SqlOpenMode mode = SqlOpenMode::ReadWriteCreate);

}  // namespace sd::test
