#include "base/sqlite_fault_vfs.h"

#include <sqlite3.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <vector>

namespace sd {

struct SqliteFaultVfs::State {
  struct Fault {
    SqliteFileOp op;
    SqliteFileKind kind;
    int at_call;  // the count of (op, kind) calls on the failing call
    int error_number;
  };

  std::string name;
  sqlite3_vfs* inner = nullptr;
  sqlite3_vfs vfs{};
  mutable std::mutex mutex;
  // Calls by operation and by kind of file (Any: every call of the operation).
  std::array<std::array<int, 3>, 4> calls{};
  std::vector<Fault> faults;
  int fired = 0;

  // Counts the call; SQLITE_OK, or the code of the fault that fires on it.
  int check(SqliteFileOp op, SqliteFileKind kind) {
    std::lock_guard lock(mutex);
    auto& counts = calls[static_cast<size_t>(op)];
    ++counts[static_cast<size_t>(SqliteFileKind::Any)];
    if (kind != SqliteFileKind::Any) ++counts[static_cast<size_t>(kind)];
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (it->op != op || (it->kind != SqliteFileKind::Any && it->kind != kind)) continue;
      if (it->at_call != counts[static_cast<size_t>(it->kind)]) continue;
      int error_number = it->error_number;
      faults.erase(it);
      ++fired;
      return code_of(op, error_number);
    }
    return SQLITE_OK;
  }

  static int code_of(SqliteFileOp op, int error_number) {
    if (error_number == ENOSPC) return SQLITE_FULL;
    switch (op) {
      case SqliteFileOp::Read:
        return SQLITE_IOERR_READ;
      case SqliteFileOp::Write:
        return SQLITE_IOERR_WRITE;
      case SqliteFileOp::Truncate:
        return SQLITE_IOERR_TRUNCATE;
      case SqliteFileOp::Sync:
        return SQLITE_IOERR_FSYNC;
    }
    return SQLITE_IOERR;
  }
};

namespace {

using State = SqliteFaultVfs::State;

// Our file, and the inner VFS's file right after it in the same allocation.
struct FaultFile {
  sqlite3_file base;
  State* state;
  SqliteFileKind kind;
  sqlite3_file* real;
};
constexpr int kRealOffset = (sizeof(FaultFile) + 15) / 16 * 16;

FaultFile& ours(sqlite3_file* file) {
  return *reinterpret_cast<FaultFile*>(file);
}
sqlite3_file* real(sqlite3_file* file) {
  return ours(file).real;
}
const sqlite3_io_methods& methods(sqlite3_file* file) {
  return *real(file)->pMethods;
}
State& state(sqlite3_vfs* vfs) {
  return *static_cast<State*>(vfs->pAppData);
}
sqlite3_vfs* inner(sqlite3_vfs* vfs) {
  return state(vfs).inner;
}

// ---- the file: the four operations that can fail, the rest passed through ----

int x_close(sqlite3_file* f) {
  return methods(f).xClose(real(f));
}
int x_read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  if (int rc = ours(f).state->check(SqliteFileOp::Read, ours(f).kind); rc != SQLITE_OK) return rc;
  return methods(f).xRead(real(f), buffer, amount, offset);
}
int x_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  if (int rc = ours(f).state->check(SqliteFileOp::Write, ours(f).kind); rc != SQLITE_OK) {
    // Half of it reaches the file first: SQLite's recovery must undo that too.
    if (amount / 2 > 0) (void)methods(f).xWrite(real(f), buffer, amount / 2, offset);
    return rc;
  }
  return methods(f).xWrite(real(f), buffer, amount, offset);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = ours(f).state->check(SqliteFileOp::Truncate, ours(f).kind); rc != SQLITE_OK)
    return rc;
  return methods(f).xTruncate(real(f), size);
}
int x_sync(sqlite3_file* f, int flags) {
  if (int rc = ours(f).state->check(SqliteFileOp::Sync, ours(f).kind); rc != SQLITE_OK) return rc;
  return methods(f).xSync(real(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return methods(f).xFileSize(real(f), size);
}
int x_lock(sqlite3_file* f, int level) {
  return methods(f).xLock(real(f), level);
}
int x_unlock(sqlite3_file* f, int level) {
  return methods(f).xUnlock(real(f), level);
}
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return methods(f).xCheckReservedLock(real(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return methods(f).xFileControl(real(f), op, arg);
}
int x_sector_size(sqlite3_file* f) {
  return methods(f).xSectorSize(real(f));
}
int x_device_characteristics(sqlite3_file* f) {
  return methods(f).xDeviceCharacteristics(real(f));
}
// Shared memory (WAL) and memory mapping: passed on when the inner file has them.
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  if (methods(f).iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return methods(f).xShmMap(real(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  if (methods(f).iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return methods(f).xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  if (methods(f).iVersion >= 2) methods(f).xShmBarrier(real(f));
}
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  if (methods(f).iVersion < 2) return SQLITE_OK;
  return methods(f).xShmUnmap(real(f), delete_flag);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  *out = nullptr;  // "not mapped": SQLite reads instead
  if (methods(f).iVersion < 3) return SQLITE_OK;
  return methods(f).xFetch(real(f), offset, amount, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  if (methods(f).iVersion < 3) return SQLITE_OK;
  return methods(f).xUnfetch(real(f), offset, page);
}

const sqlite3_io_methods kFileMethods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

// ---- the VFS: opening wraps the file; everything else is the inner VFS's ----

SqliteFileKind kind_of(int flags) {
  if (flags & SQLITE_OPEN_MAIN_DB) return SqliteFileKind::Database;
  if (flags & SQLITE_OPEN_MAIN_JOURNAL) return SqliteFileKind::Journal;
  return SqliteFileKind::Any;  // temporary files: counted under Any only
}

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  FaultFile& f = ours(file);
  f.state = &state(vfs);
  f.kind = kind_of(flags);
  f.real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  f.real->pMethods = nullptr;
  int rc = inner(vfs)->xOpen(inner(vfs), name, f.real, flags, out_flags);
  // SQLite closes a file whose pMethods is set, even when the open failed.
  f.base.pMethods = f.real->pMethods ? &kFileMethods : nullptr;
  return rc;
}
int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return inner(vfs)->xDelete(inner(vfs), name, sync_dir);
}
int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return inner(vfs)->xAccess(inner(vfs), name, flags, out);
}
int x_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return inner(vfs)->xFullPathname(inner(vfs), name, size, out);
}
void* x_dl_open(sqlite3_vfs* vfs, const char* name) {
  return inner(vfs)->xDlOpen(inner(vfs), name);
}
void x_dl_error(sqlite3_vfs* vfs, int size, char* out) {
  inner(vfs)->xDlError(inner(vfs), size, out);
}
void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return inner(vfs)->xDlSym(inner(vfs), handle, symbol);
}
void x_dl_close(sqlite3_vfs* vfs, void* handle) {
  inner(vfs)->xDlClose(inner(vfs), handle);
}
int x_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return inner(vfs)->xRandomness(inner(vfs), size, out);
}
int x_sleep(sqlite3_vfs* vfs, int microseconds) {
  return inner(vfs)->xSleep(inner(vfs), microseconds);
}
int x_current_time(sqlite3_vfs* vfs, double* out) {
  return inner(vfs)->xCurrentTime(inner(vfs), out);
}
int x_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return inner(vfs)->xGetLastError(inner(vfs), size, out);
}
int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return inner(vfs)->xCurrentTimeInt64(inner(vfs), out);
}

std::atomic<int> next_vfs{0};

}  // namespace

SqliteFaultVfs::SqliteFaultVfs() : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.name = "syncdeploy-faults-" + std::to_string(++next_vfs);
  s.inner = sqlite3_vfs_find(nullptr);
  // Version 2: no system-call overrides (they would be the inner VFS's, under our name).
  s.vfs.iVersion = 2;
  s.vfs.szOsFile = kRealOffset + s.inner->szOsFile;
  s.vfs.mxPathname = s.inner->mxPathname;
  s.vfs.zName = s.name.c_str();
  s.vfs.pAppData = &s;
  s.vfs.xOpen = x_open;
  s.vfs.xDelete = x_delete;
  s.vfs.xAccess = x_access;
  s.vfs.xFullPathname = x_full_pathname;
  s.vfs.xDlOpen = x_dl_open;
  s.vfs.xDlError = x_dl_error;
  s.vfs.xDlSym = x_dl_sym;
  s.vfs.xDlClose = x_dl_close;
  s.vfs.xRandomness = x_randomness;
  s.vfs.xSleep = x_sleep;
  s.vfs.xCurrentTime = x_current_time;
  s.vfs.xGetLastError = x_get_last_error;
  s.vfs.xCurrentTimeInt64 = x_current_time_int64;
  sqlite3_vfs_register(&s.vfs, 0);
}

SqliteFaultVfs::~SqliteFaultVfs() {
  sqlite3_vfs_unregister(&state_->vfs);
}

const std::string& SqliteFaultVfs::name() const {
  return state_->name;
}

void SqliteFaultVfs::fail(SqliteFileOp op, int nth, int error_number, SqliteFileKind kind) {
  std::lock_guard lock(state_->mutex);
  int so_far = state_->calls[static_cast<size_t>(op)][static_cast<size_t>(kind)];
  state_->faults.push_back(State::Fault{op, kind, so_far + nth, error_number});
}

void SqliteFaultVfs::clear() {
  std::lock_guard lock(state_->mutex);
  state_->faults.clear();
}

int SqliteFaultVfs::calls(SqliteFileOp op, SqliteFileKind kind) const {
  std::lock_guard lock(state_->mutex);
  return state_->calls[static_cast<size_t>(op)][static_cast<size_t>(kind)];
}

int SqliteFaultVfs::fired() const {
  std::lock_guard lock(state_->mutex);
  return state_->fired;
}

}  // namespace sd
