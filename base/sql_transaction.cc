#include "base/sql_transaction.h"

namespace sd {

Result<SqlTransaction> SqlTransaction::begin(SqlDatabase& db) {
  if (Status begun = db.begin(); !begun.ok()) return begun.take_errors();
  return SqlTransaction(db);
}

SqlTransaction& SqlTransaction::operator=(SqlTransaction&& other) noexcept {
  if (this != &other) {
    rollback();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Status SqlTransaction::commit() {
  if (!db_) return make_error("commit: the transaction is already over");
  Status committed = db_->commit();
  // A failed COMMIT (busy, disk full, a deferred constraint) may leave the transaction open.
  if (!committed.ok()) db_->rollback();
  db_ = nullptr;
  return committed;
}

void SqlTransaction::rollback() {
  if (db_) std::exchange(db_, nullptr)->rollback();
}

}  // namespace sd
