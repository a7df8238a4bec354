#include "base/sql_transaction.h"

#include <catch2/catch.hpp>

#include "base/sqlite_database.h"
#include "tests/base/sqlite_support.h"
#include "tests/base/temp_dir_support.h"

using namespace sd;
using sd::test::TempDir;

namespace {

using sd::test::open_db;
using sd::test::row_count;

Status insert(SqlDatabase& db, int64_t value) {
  return db.exec("INSERT INTO item (value) VALUES (" + std::to_string(value) + ")");
}

// A file with one table, and a second connection to look at it as another process would.
struct Fixture {
  TempDir dir{"sdtx"};
  std::string path = dir.file("t.db");
  std::unique_ptr<SqlDatabase> db = open_db(path);
  std::unique_ptr<SqlDatabase> other;
  Fixture() {
    REQUIRE(db->exec("CREATE TABLE item (value INTEGER NOT NULL)").ok());
    other = open_db(path, SqlOpenMode::ReadWriteCreate, {.busy_timeout_ms = 0, .vfs = {}});
  }
  // True when another connection can take the write lock at once: no transaction is left open.
  bool write_lock_free() {
    Status begun = other->begin();
    other->rollback();
    return begun.ok();
  }
  // After a transaction that failed: nothing of it kept, no transaction left open, and the
  // connection writes again.
  void check_rolled_back_and_usable() {
    CHECK(row_count(*db, "item") == 0);
    CHECK(row_count(*other, "item") == 0);
    CHECK(write_lock_free());
    REQUIRE(in_transaction(*db, [&] { return insert(*db, 3); }).ok());
    CHECK(row_count(*other, "item") == 1);
  }
};

}  // namespace

TEST_CASE("SqlTransaction: a committed transaction is on disk for other connections", "[sql]") {
  Fixture f;
  {
    Result<SqlTransaction> tx = SqlTransaction::begin(*f.db);
    REQUIRE(tx.ok());
    REQUIRE(insert(*f.db, 1).ok());
    REQUIRE(insert(*f.db, 2).ok());
    CHECK(row_count(*f.other, "item") == 0);  // not yet visible
    CHECK_FALSE(f.write_lock_free());         // BEGIN IMMEDIATE holds the write lock
    REQUIRE(tx->commit().ok());
  }  // the destructor after a commit does nothing
  CHECK(row_count(*f.other, "item") == 2);
  CHECK(f.write_lock_free());
}

TEST_CASE("SqlTransaction: leaving the scope without commit rolls back", "[sql]") {
  Fixture f;
  auto early_return = [&]() -> Status {
    Result<SqlTransaction> tx = SqlTransaction::begin(*f.db);
    if (!tx.ok()) return tx.take_errors();
    if (Status s = insert(*f.db, 1); !s.ok()) return s;
    return make_error("something after the insert failed");  // no commit
  };
  Status s = early_return();
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors().front().message == "something after the insert failed");
  f.check_rolled_back_and_usable();
}

TEST_CASE("SqlTransaction: an explicit rollback, a move, and a commit after the end", "[sql]") {
  Fixture f;
  Result<SqlTransaction> first = SqlTransaction::begin(*f.db);
  REQUIRE(first.ok());
  REQUIRE(insert(*f.db, 1).ok());
  // Moving hands the transaction over: the moved-from one must not roll it back.
  SqlTransaction moved = std::move(*first);
  first = make_error("gone");  // destroys the moved-from transaction
  CHECK_FALSE(f.write_lock_free());
  REQUIRE(moved.commit().ok());
  CHECK(row_count(*f.other, "item") == 1);

  Result<SqlTransaction> second = SqlTransaction::begin(*f.db);
  REQUIRE(second.ok());
  REQUIRE(insert(*f.db, 2).ok());
  second->rollback();
  CHECK(f.write_lock_free());
  CHECK(row_count(*f.db, "item") == 1);
  Status late = second->commit();
  REQUIRE_FALSE(late.ok());
  CHECK(late.errors().front().message == "commit: the transaction is already over");
}

TEST_CASE("in_transaction commits a body that succeeds and returns its value", "[sql]") {
  Fixture f;
  Result<int64_t> got = in_transaction(*f.db, [&]() -> Result<int64_t> {
    if (Status s = insert(*f.db, 7); !s.ok()) return s.take_errors();
    return row_count(*f.db, "item");
  });
  REQUIRE(got.ok());
  CHECK(*got == 1);
  CHECK(row_count(*f.other, "item") == 1);
  CHECK(f.write_lock_free());
}

TEST_CASE("in_transaction rolls back a body that fails and returns its errors", "[sql]") {
  Fixture f;
  Status s = in_transaction(*f.db, [&]() -> Status {
    if (Status inserted = insert(*f.db, 1); !inserted.ok()) return inserted;
    if (Status inserted = insert(*f.db, 2); !inserted.ok()) return inserted;
    return make_error("the body says no");
  });
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors().front().message == "the body says no");
  CHECK(row_count(*f.db, "item") == 0);
  CHECK(f.write_lock_free());

  // A failed statement is the body's error too: nothing before it is kept.
  s = in_transaction(*f.db, [&]() -> Status {
    if (Status inserted = insert(*f.db, 1); !inserted.ok()) return inserted;
    return f.db->exec("INSERT INTO item (value) VALUES (NULL)");
  });
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors().front().where.file == f.path);
  CHECK_THAT(s.errors().front().message, Catch::Contains("NOT NULL constraint failed"));
  CHECK(row_count(*f.db, "item") == 0);
}

TEST_CASE("SqlTransaction: a failed commit rolls back and leaves the connection usable", "[sql]") {
  Fixture f;
  // A deferred foreign key is checked at COMMIT: the commit itself fails.
  REQUIRE(f.db->exec("CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                     "CREATE TABLE child (parent INTEGER REFERENCES parent(id)"
                     " DEFERRABLE INITIALLY DEFERRED)")
              .ok());
  Status s = in_transaction(*f.db, [&]() -> Status {
    if (Status inserted = insert(*f.db, 1); !inserted.ok()) return inserted;
    return f.db->exec("INSERT INTO child (parent) VALUES (42)");
  });
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors().front().where.file == f.path);
  CHECK_THAT(s.errors().front().message, Catch::Contains("FOREIGN KEY constraint failed"));
  CHECK(row_count(*f.db, "child") == 0);
  f.check_rolled_back_and_usable();  // the insert before the child is gone too
}

TEST_CASE("in_transaction does not run the body when BEGIN fails", "[sql]") {
  Fixture f;
  auto impatient = open_db(f.path, SqlOpenMode::ReadWriteCreate, {.busy_timeout_ms = 0, .vfs = {}});
  Result<SqlTransaction> held = SqlTransaction::begin(*f.db);  // another writer holds the lock
  REQUIRE(held.ok());
  bool ran = false;
  Status s = in_transaction(*impatient, [&] {
    ran = true;
    return ok_status();
  });
  REQUIRE_FALSE(s.ok());
  CHECK_FALSE(ran);
  CHECK(s.errors().front().where.file == f.path);
  CHECK_THAT(s.errors().front().message, Catch::Contains("database is locked"));
}
