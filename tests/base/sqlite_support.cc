#include "tests/base/sqlite_support.h"

#include <catch2/catch.hpp>

namespace sd::test {

std::unique_ptr<SqlDatabase> open_db(const std::string& path, SqlOpenMode mode,
                                     const SqliteOptions& options) {
  auto db = open_sqlite(path, mode, options);
  if (!db.ok()) FAIL(format_all(db.errors()));
  return std::move(db).value();
}

int64_t row_count(SqlDatabase& db, const std::string& table) {
  auto stmt = db.prepare("SELECT count(*) FROM " + table);
  REQUIRE(stmt.ok());
  Result<bool> row = (*stmt)->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return (*stmt)->column_int(0);
}

}  // namespace sd::test
