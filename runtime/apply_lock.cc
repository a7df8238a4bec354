#include "runtime/apply_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <utility>

#include "base/sql_transaction.h"

namespace sd {
namespace {

std::string host_name() {
  char buffer[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "unknown-host";
  return buffer;
}

// Where a pid means this process: the host and its pid namespace. Containers that share a host
// name but not a pid namespace must not take each other's live leases for dead ones.
std::string pid_space() {
  char target[64] = {};
  ssize_t n = ::readlink("/proc/self/ns/pid", target, sizeof target - 1);
  return host_name() + (n > 0 ? " " + std::string(target, static_cast<size_t>(n)) : "");
}

// getlogin_r fails without a controlling terminal (cron, CI), hence $USER, then the uid.
std::string user_name() {
  char buffer[LOGIN_NAME_MAX + 1] = {};
  if (::getlogin_r(buffer, sizeof buffer) == 0 && buffer[0] != '\0') return buffer;
  if (const char* user = std::getenv("USER"); user && *user) return user;
  return std::to_string(::getuid());
}

// 16 hex digits: unguessable enough that force-unlock of a stale ID never hits a new lease.
Result<std::string> random_id() {
  uint64_t value = 0;
  bool got = false;
  if (int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC); fd >= 0) {
    got = ::read(fd, &value, sizeof value) == static_cast<ssize_t>(sizeof value);
    ::close(fd);
  }
  if (!got) {
    try {
      std::random_device device;
      value = (uint64_t{device()} << 32) | uint64_t{device()};
      got = true;
    } catch (...) {
      // No random source at all: reported below.
    }
  }
  if (!got) return make_error("cannot make a lock ID: no source of random numbers");
  char hex[17] = {};
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(value));
  return std::string(hex);
}

std::string deployment_named(std::string_view deployment) {
  return "deployment '" + std::string(deployment) + "'";
}

Result<bool> lease_table_exists(SqlDatabase& db) {
  auto stmt = db.prepare(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'apply_leases'");
  if (!stmt.ok()) return stmt.take_errors();
  Result<bool> row = (*stmt)->step();
  if (!row.ok()) return row.take_errors();
  return (*stmt)->column_int(0) > 0;
}

// The row itself; the table must exist.
Result<std::optional<LeaseInfo>> read_lease(SqlDatabase& db, std::string_view deployment) {
  auto stmt = db.prepare(
      "SELECT id, holder, host, pid, started, expires FROM apply_leases WHERE deployment = ?");
  if (!stmt.ok()) return stmt.take_errors();
  SqlStatement& s = **stmt;
  s.bind_text(1, deployment);
  Result<bool> row = s.step();
  if (!row.ok()) return row.take_errors();
  if (!*row) return std::optional<LeaseInfo>();
  LeaseInfo info;
  info.id = s.column_text(0);
  info.deployment = std::string(deployment);
  info.holder = s.column_text(1);
  info.host = s.column_text(2);
  info.pid = s.column_int(3);
  info.started = s.column_text(4);
  info.expires = s.column_text(5);
  return std::optional<LeaseInfo>(std::move(info));
}

// A holder on this host whose process is gone was killed; kill(pid, 0) probes without a
// signal. EPERM means the process exists (another user's): it is not taken over.
bool holder_is_dead(const LeaseInfo& lease, const std::string& this_host) {
  if (lease.host != this_host || lease.pid <= 0 || lease.pid > INT_MAX) return false;
  return ::kill(static_cast<pid_t>(lease.pid), 0) != 0 && errno == ESRCH;
}

Status run_lock_statement(SqlStatement& stmt) {
  Result<bool> stepped = stmt.step();
  if (!stepped.ok()) return stepped.take_errors();
  return ok_status();
}

Status write_lease(SqlDatabase& db, const LeaseInfo& lease) {
  auto stmt = db.prepare(
      "INSERT OR REPLACE INTO apply_leases (deployment, id, holder, host, pid, started, expires) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.take_errors();
  SqlStatement& s = **stmt;
  s.bind_text(1, lease.deployment);
  s.bind_text(2, lease.id);
  s.bind_text(3, lease.holder);
  s.bind_text(4, lease.host);
  s.bind_int(5, lease.pid);
  s.bind_text(6, lease.started);
  s.bind_text(7, lease.expires);
  return run_lock_statement(s);
}

Status delete_lease(SqlDatabase& db, std::string_view deployment, std::string_view id) {
  auto stmt = db.prepare("DELETE FROM apply_leases WHERE deployment = ? AND id = ?");
  if (!stmt.ok()) return stmt.take_errors();
  (*stmt)->bind_text(1, deployment);
  (*stmt)->bind_text(2, id);
  return run_lock_statement(**stmt);
}

}  // namespace

Result<ApplyLock> ApplyLock::acquire(SqlDatabase& db, std::string_view deployment,
                                     const LeaseOptions& options) {
  LeaseOptions opts = options;
  if (!opts.clock) opts.clock = system_clock_seconds;
  if (!opts.sleep)
    opts.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  // The lease table belongs to the journal's schema: opening migrates it.
  if (auto journal = open_journal(db, opts.clock); !journal.ok()) return journal.take_errors();
  Result<std::string> id = random_id();
  if (!id.ok()) return id.take_errors();

  LeaseInfo mine;
  mine.id = std::move(*id);
  mine.deployment = std::string(deployment);
  mine.host = pid_space();
  mine.pid = ::getpid();
  mine.holder = user_name() + "@" + host_name() + " pid " + std::to_string(mine.pid);

  const int64_t deadline = opts.clock() + std::max<int64_t>(opts.wait_seconds, 0);
  for (;;) {
    const int64_t now = opts.clock();
    Result<SqlTransaction> transaction = SqlTransaction::begin(db);
    if (!transaction.ok()) return transaction.take_errors();
    Result<std::optional<LeaseInfo>> current = read_lease(db, deployment);
    if (!current.ok()) return current.take_errors();
    // ISO 8601 UTC text of one width orders as the times do.
    const std::string now_text = format_utc(now);
    if (!*current || (*current)->expires < now_text || holder_is_dead(**current, mine.host)) {
      mine.started = now_text;
      mine.expires = format_utc(now + opts.duration_seconds);
      if (Status written = write_lease(db, mine); !written.ok()) return written.take_errors();
      if (Status committed = transaction->commit(); !committed.ok()) return committed.take_errors();
      return ApplyLock(db, std::move(mine), std::move(opts));
    }
    transaction->rollback();  // the write lock is not held while waiting
    if (opts.clock() >= deadline) {
      const LeaseInfo& held = **current;
      return make_error(deployment_named(deployment) + " is locked by " + held.holder + " since " +
                        held.started + " (lock ID " + held.id + ", expires " + held.expires +
                        "); wait for it, or if that apply is dead run: syncdeploy force-unlock " +
                        opts.spec + " " + held.id);
    }
    opts.sleep(1000);
  }
}

ApplyLock::ApplyLock(SqlDatabase& db, LeaseInfo info, LeaseOptions options)
    : db_(&db), info_(std::move(info)), options_(std::move(options)), held_(true) {}

ApplyLock::ApplyLock(ApplyLock&& other) noexcept
    : db_(other.db_),
      info_(std::move(other.info_)),
      options_(std::move(other.options_)),
      held_(std::exchange(other.held_, false)) {}

ApplyLock::~ApplyLock() {
  if (!held_) return;
  // A destructor cannot report: a lease left behind expires or is taken over as dead.
  try {
    Status released = release();
    (void)released;
  } catch (...) {
  }
}

Status ApplyLock::renew() {
  if (!held_)
    return make_error("the lock of " + deployment_named(info_.deployment) + " is not held");
  const int64_t now = options_.clock();
  Result<SqlTransaction> transaction = SqlTransaction::begin(*db_);
  if (!transaction.ok()) return transaction.take_errors();
  Result<std::optional<LeaseInfo>> current = read_lease(*db_, info_.deployment);
  if (!current.ok()) return current.take_errors();
  if (!*current || (*current)->id != info_.id) {
    held_ = false;  // nothing of ours left to release
    if (!*current)
      return make_error("the lock of " + deployment_named(info_.deployment) +
                        " was removed (force-unlock); this apply stops");
    return make_error("the lock of " + deployment_named(info_.deployment) + " was taken by " +
                      (*current)->holder + " (lock ID " + (*current)->id + "); this apply stops");
  }
  LeaseInfo renewed = info_;
  renewed.expires = format_utc(now + options_.duration_seconds);
  if (Status written = write_lease(*db_, renewed); !written.ok()) return written;
  if (Status committed = transaction->commit(); !committed.ok()) return committed;
  info_ = std::move(renewed);
  return ok_status();
}

Status ApplyLock::release() {
  if (!held_) return ok_status();
  // Deletes only our row: a lease taken over meanwhile belongs to someone else.
  if (Status deleted = delete_lease(*db_, info_.deployment, info_.id); !deleted.ok())
    return deleted;
  held_ = false;
  return ok_status();
}

Result<std::optional<LeaseInfo>> current_lease(SqlDatabase& db, std::string_view deployment) {
  // A journal that never held a lease may not have the table: read-only callers do not migrate.
  Result<bool> exists = lease_table_exists(db);
  if (!exists.ok()) return exists.take_errors();
  if (!*exists) return std::optional<LeaseInfo>();
  return read_lease(db, deployment);
}

Status force_unlock(SqlDatabase& db, std::string_view deployment, std::string_view id) {
  Result<bool> exists = lease_table_exists(db);
  if (!exists.ok()) return exists.take_errors();
  if (!*exists) return make_error(deployment_named(deployment) + " is not locked");
  return in_transaction(db, [&]() -> Status {
    Result<std::optional<LeaseInfo>> current = read_lease(db, deployment);
    if (!current.ok()) return current.take_errors();
    if (!*current) return make_error(deployment_named(deployment) + " is not locked");
    if ((*current)->id != id)
      return make_error(deployment_named(deployment) + " is locked with ID " + (*current)->id +
                        ", not " + std::string(id));
    return delete_lease(db, deployment, id);
  });
}

}  // namespace sd
