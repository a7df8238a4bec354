#include "base/sqlite_fault_vfs.h"

#include <catch2/catch.hpp>
#include <cerrno>

#include "base/sql_transaction.h"
#include "base/sqlite_database.h"
#include "tests/base/sqlite_support.h"
#include "tests/base/temp_dir_support.h"

using namespace sd;
using sd::test::TempDir;

namespace {

using sd::test::open_db;
using sd::test::row_count;

}  // namespace

TEST_CASE("SqliteFaultVfs passes every call through until a fault is armed", "[sql]") {
  TempDir dir("sdvfs");
  const std::string path = dir.file("t.db");
  SqliteFaultVfs vfs;
  CHECK(vfs.name().starts_with("syncdeploy-faults-"));
  {
    auto db = open_db(path, SqlOpenMode::ReadWriteCreate, {.vfs = vfs.name()});
    REQUIRE(db->exec("CREATE TABLE item (value INTEGER)").ok());
    REQUIRE(in_transaction(*db, [&] { return db->exec("INSERT INTO item VALUES (1)"); }).ok());
    CHECK(row_count(*db, "item") == 1);
  }
  // A committed transaction wrote and synced both files: the journal, then the database.
  CHECK(vfs.calls(SqliteFileOp::Write, SqliteFileKind::Journal) > 0);
  CHECK(vfs.calls(SqliteFileOp::Sync, SqliteFileKind::Journal) > 0);
  CHECK(vfs.calls(SqliteFileOp::Write, SqliteFileKind::Database) > 0);
  CHECK(vfs.calls(SqliteFileOp::Sync, SqliteFileKind::Database) > 0);
  CHECK(vfs.fired() == 0);

  // Connections that do not name it never go through it: it is not the default.
  const int writes = vfs.calls(SqliteFileOp::Write);
  auto plain = open_db(path);
  REQUIRE(plain->exec("INSERT INTO item VALUES (2)").ok());
  CHECK(vfs.calls(SqliteFileOp::Write) == writes);
}

TEST_CASE("SqliteFaultVfs fails the Nth call once, as SQLite reports a disk's errors", "[sql]") {
  TempDir dir("sdvfs");
  const std::string path = dir.file("t.db");
  SqliteFaultVfs vfs;
  auto db = open_db(path, SqlOpenMode::ReadWriteCreate, {.vfs = vfs.name()});
  REQUIRE(db->exec("CREATE TABLE item (value INTEGER)").ok());

  vfs.fail(SqliteFileOp::Sync, 2, EIO, SqliteFileKind::Database);  // not the next one
  vfs.fail(SqliteFileOp::Write, 1, ENOSPC, SqliteFileKind::Journal);
  Status full = in_transaction(*db, [&] { return db->exec("INSERT INTO item VALUES (1)"); });
  REQUIRE_FALSE(full.ok());
  CHECK(full.errors().front().format() ==
        path + ": error: a statement failed: database or disk is full");
  CHECK(vfs.fired() == 1);

  REQUIRE(in_transaction(*db, [&] { return db->exec("INSERT INTO item VALUES (2)"); }).ok());
  Status broken = in_transaction(*db, [&] { return db->exec("INSERT INTO item VALUES (3)"); });
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.errors().front().format() == path + ": error: a statement failed: disk I/O error");
  CHECK(vfs.fired() == 2);
  CHECK(row_count(*open_db(path), "item") == 1);  // only the insert that met no fault

  // A read that fails is an error too, and only that once; clear() disarms what is left.
  auto reader = open_db(path, SqlOpenMode::ReadWriteCreate, {.vfs = vfs.name()});
  vfs.fail(SqliteFileOp::Read, 1, EIO);
  vfs.fail(SqliteFileOp::Write, 5, EIO);
  auto stmt = reader->prepare("SELECT count(*) FROM item");
  Result<bool> row = stmt.ok() ? (*stmt)->step() : Result<bool>(stmt.errors());
  REQUIRE_FALSE(row.ok());
  CHECK(row.errors().front().message.ends_with("disk I/O error"));
  vfs.clear();
  CHECK(row_count(*reader, "item") == 1);
  REQUIRE(in_transaction(*db, [&] { return db->exec("INSERT INTO item VALUES (4)"); }).ok());
  CHECK(vfs.fired() == 3);
}

TEST_CASE("open_sqlite names the file when the VFS it is told to use does not exist", "[sql]") {
  TempDir dir("sdvfs");
  auto db = open_sqlite(dir.file("t.db"), SqlOpenMode::ReadWriteCreate,
                        SqliteOptions{5000, "no-such-vfs"});
  REQUIRE_FALSE(db.ok());
  CHECK(db.errors().front().where.file == dir.file("t.db"));
  CHECK_THAT(db.errors().front().message, Catch::StartsWith("cannot open the database"));
}
