#include "base/sqlite_database.h"

#include <sqlite3.h>

#include <utility>

namespace sd {
namespace {

// "<file>: <what>: <sqlite's message>"; the message never holds bound values.
Error sql_error(const std::string& path, std::string_view what, sqlite3* db) {
  std::string message(what);
  if (db) message.append(": ").append(sqlite3_errmsg(db));
  return make_error(std::move(message), Location{path, 0, 0});
}

class SqliteStatement : public SqlStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, const std::string& path)
      : db_(db), stmt_(stmt), path_(path) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void bind_null(int index) override { sqlite3_bind_null(stmt_, index); }
  void bind_int(int index, int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void bind_text(int index, std::string_view value) override {
    sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  Result<bool> step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error e = sql_error(path_, "a statement failed", db_);
    sqlite3_reset(stmt_);
    return e;
  }
  bool is_null(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  int64_t column_int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string column_text(int column) const override {
    const auto* text = sqlite3_column_text(stmt_, column);
    if (!text) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  const std::string& path_;
};

class SqliteDatabase : public SqlDatabase {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override { sqlite3_close_v2(db_); }
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  const std::string& path() const override { return path_; }

  Status exec(std::string_view sql) override {
    std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return sql_error(path_, "a statement failed", db_);
    return ok_status();
  }

  Result<std::unique_ptr<SqlStatement>> prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      Error e = sql_error(path_, "cannot prepare a statement", db_);
      sqlite3_finalize(stmt);
      return e;
    }
    return std::unique_ptr<SqlStatement>(std::make_unique<SqliteStatement>(db_, stmt, path_));
  }

  Status begin() override { return exec("BEGIN IMMEDIATE"); }
  Status commit() override { return exec("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  sqlite3* db_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> open_sqlite(const std::string& path, SqlOpenMode mode,
                                                 const SqliteOptions& options) {
  int flags = SQLITE_OPEN_NOMUTEX;
  // Read-only use still opens read-write (never create): after a killed writer, the first
  // reader must be able to roll back its hot journal. query_only keeps it from writing.
  flags |= mode == SqlOpenMode::ReadOnly ? SQLITE_OPEN_READWRITE
                                         : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  const char* vfs = options.vfs.empty() ? nullptr : options.vfs.c_str();
  if (sqlite3_open_v2(path.c_str(), &db, flags, vfs) != SQLITE_OK) {
    Error e = sql_error(path, "cannot open the database", db);
    sqlite3_close_v2(db);
    return e;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  auto out = std::make_unique<SqliteDatabase>(db, path);
  // Reading the schema proves it is a database at all ("file is not a database" otherwise).
  // FULL sync and a rollback journal: a commit survives a crash, and a killed writer leaves a
  // hot journal that the next open rolls back.
  std::string_view setup = mode == SqlOpenMode::ReadOnly
                               ? "PRAGMA query_only=1; SELECT count(*) FROM sqlite_schema"
                               : "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; "
                                 "PRAGMA foreign_keys=ON; SELECT count(*) FROM sqlite_schema";
  Status ready = out->exec(setup);
  if (!ready.ok()) return ready.take_errors();
  return std::unique_ptr<SqlDatabase>(std::move(out));
}

}  // namespace sd
