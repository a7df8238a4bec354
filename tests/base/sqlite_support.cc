#include "tests/base/sqlite_support.h"

#include <catch2/catch.hpp>

namespace sd::test {

std::unique_ptr<SqlDatabase> open_db(const std::string& path, SqlOpenMode mode) {
  auto db = open_sqlite(path, mode);
  REQUIRE(db.ok());
  return std::move(db).value();
}

}  // namespace sd::test
