// A write transaction that cannot be left open: it rolls back when it goes out of scope unless
// commit() succeeded. Every error path of a writer (an early return, a failed statement, a
// failed commit) then ends the transaction without a rollback call of its own.
#pragma once

#include <type_traits>
#include <utility>

#include "base/error.h"
#include "base/sql.h"

namespace sd {

class [[nodiscard]] SqlTransaction {
 public:
  // BEGIN IMMEDIATE (SqlDatabase::begin()): the write lock is taken at once.
  [[nodiscard]] static Result<SqlTransaction> begin(SqlDatabase& db);

  SqlTransaction(SqlTransaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  SqlTransaction& operator=(SqlTransaction&& other) noexcept;
  SqlTransaction(const SqlTransaction&) = delete;
  SqlTransaction& operator=(const SqlTransaction&) = delete;
  ~SqlTransaction() { rollback(); }

  // COMMIT. When it fails the transaction is rolled back at once, so the connection is usable
  // again and nothing of it is kept. Either way the transaction is over.
  [[nodiscard]] Status commit();
  // Ends the transaction without keeping anything; does nothing once it is over.
  void rollback();

 private:
  explicit SqlTransaction(SqlDatabase& db) : db_(&db) {}
  SqlDatabase* db_;  // null once committed, rolled back or moved from
};

// Runs `body` (returning a Status or a Result) in one transaction: committed when the body
// succeeds, rolled back when it fails, so each call is all or nothing. A failed BEGIN or COMMIT
// is the call's error.
template <class F>
auto in_transaction(SqlDatabase& db, F&& body) -> std::invoke_result_t<F&> {
  Result<SqlTransaction> transaction = SqlTransaction::begin(db);
  if (!transaction.ok()) return transaction.take_errors();
  auto result = body();
  if (!result.ok()) return result;
  if (Status committed = transaction->commit(); !committed.ok()) return committed.take_errors();
  return result;
}

}  // namespace sd
