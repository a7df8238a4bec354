// The SQL seam: a database connection and prepared statements, as narrow as the configuration
// store and the journal need. SQLite implements it (sqlite_database.h); another engine can be
// added behind the same interface. Every call that can fail returns an Error naming the
// database file and what was being done; nothing throws.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace sd {

class SqlStatement {
 public:
  virtual ~SqlStatement() = default;
  // Parameters are 1-based, as in SQL. Text is bound as is (any bytes, no escaping needed).
  virtual void bind_null(int index) = 0;
  virtual void bind_int(int index, int64_t value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  // Runs one step: true when a row is ready to read, false when done.
  [[nodiscard]] virtual Result<bool> step() = 0;
  // Columns of the current row, 0-based.
  [[nodiscard]] virtual bool is_null(int column) const = 0;
  [[nodiscard]] virtual int64_t column_int(int column) const = 0;
  [[nodiscard]] virtual std::string column_text(int column) const = 0;
  // Ready to run again with new bindings (bindings are cleared).
  virtual void reset() = 0;
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  // The file, for messages.
  [[nodiscard]] virtual const std::string& path() const = 0;
  // Runs one or more statements that return no rows.
  [[nodiscard]] virtual Status exec(std::string_view sql) = 0;
  [[nodiscard]] virtual Result<std::unique_ptr<SqlStatement>> prepare(std::string_view sql) = 0;
  // BEGIN IMMEDIATE (takes the write lock at once, so two writers never deadlock), COMMIT,
  // ROLLBACK. rollback() never fails the caller: it is the error path, and does nothing when
  // no transaction is open. Writers use SqlTransaction (base/sql_transaction.h), which cannot
  // be left open, rather than these.
  [[nodiscard]] virtual Status begin() = 0;
  [[nodiscard]] virtual Status commit() = 0;
  virtual void rollback() = 0;
};

enum class SqlOpenMode {
  ReadOnly,         // the file must exist; never created, and no statement may change it
  ReadWriteCreate,  // created (with its folder's permission) when missing
};

}  // namespace sd
