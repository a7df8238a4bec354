// A FileSystem that fails on command, for tests: the Nth call of a chosen operation fails with
// a chosen errno (ENOSPC for a full disk, EIO for an I/O error) instead of reaching the file
// system it wraps. A failing write first writes half of its bytes, as a disk that fills up
// does, so that a half-written file is there to be cleaned up.
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "base/file_system.h"

namespace sd {

enum class FileOp : uint8_t {
  GetStatus,
  ReadFile,
  ListFiles,
  MakeDirectories,
  CreateTemporary,
  Write,
  SetOwner,
  SetMode,
  Sync,
  Close,
  Rename,
  Remove,
  SyncFolder,
};
inline constexpr size_t kFileOpCount = 13;
[[nodiscard]] std::string_view to_string(FileOp op);  // "write", "sync", "rename", ...

class FaultyFileSystem : public FileSystem {
 public:
  explicit FaultyFileSystem(FileSystem& inner) : inner_(inner) {}

  // The `nth` call of `op` from now on (1: the next one) fails with `error_number`. Several
  // faults may be armed at once; each fires once.
  void fail(FileOp op, int nth, int error_number);
  // Disarms every fault that has not fired.
  void clear() { faults_.clear(); }
  // Calls of `op` so far, failed ones included.
  [[nodiscard]] int calls(FileOp op) const { return calls_[static_cast<size_t>(op)]; }
  // Faults that fired so far.
  [[nodiscard]] int fired() const { return fired_; }

  Result<std::optional<FileStatus>> status(const std::string& path) override;
  // Cannot fail (it has no error to give): always the inner file system's answer.
  bool is_symbolic_link(const std::string& path) override { return inner_.is_symbolic_link(path); }
  Result<std::string> read_file(const std::string& path, size_t max_bytes) override;
  Result<std::vector<std::string>> list_files(const std::string& folder) override;
  Status make_directories(const std::string& folder) override;
  Result<NewFile> create_temporary(const std::string& prefix) override;
  Status write(const NewFile& file, std::string_view bytes) override;
  Status set_owner(const NewFile& file, uid_t uid, gid_t gid) override;
  Status set_mode(const NewFile& file, mode_t mode) override;
  Status sync(const NewFile& file) override;
  Status close(const NewFile& file) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Status sync_folder(const std::string& folder) override;

 private:
  struct Fault {
    FileOp op;
    int at_call;  // the value calls(op) has on the failing call
    int error_number;
  };
  // Counts the call; ok, or the injected error at `path` when a fault fires on it.
  Status check(FileOp op, const std::string& path);

  FileSystem& inner_;
  std::array<int, kFileOpCount> calls_{};
  std::vector<Fault> faults_;
  int fired_ = 0;
};

}  // namespace sd
