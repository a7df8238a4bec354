// The file-system seam: the operations the runtime's file reads and atomic writes are made of,
// and nothing else. Code that writes takes a FileSystem& (default: real_file_system()), so that
// tests can run it in memory (memory_file_system.h) or make one chosen call fail
// (faulty_file_system.h): a full disk, an I/O error, a failed fsync or rename.
//
// Errors: the message is the reason alone (the system's text for errno, such as "No space left
// on device", or what was wrong, such as "not a regular file") and the location is the path;
// callers say what they were doing, so their messages stay their own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace sd {

struct FileStatus {
  bool regular = false;  // a regular file: not a folder, device, FIFO or socket
  bool folder = false;
  mode_t mode = 0;  // permission bits (07777)
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t size = 0;
};

// A file being written, from create_temporary(): written, given its mode and owner, synced and
// closed through the FileSystem that made it.
struct NewFile {
  int handle = -1;
  std::string path;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // What is at `path` (symbolic links followed), or nothing when there is nothing there.
  [[nodiscard]] virtual Result<std::optional<FileStatus>> status(const std::string& path) = 0;
  // True when `path` itself is a symbolic link; false when it is not or cannot be looked at.
  [[nodiscard]] virtual bool is_symbolic_link(const std::string& path) = 0;
  // The content of the regular file `path`. Refused when larger than `max_bytes`; a device or
  // FIFO is never opened (some act on open, a FIFO would block).
  [[nodiscard]] virtual Result<std::string> read_file(const std::string& path,
                                                      size_t max_bytes) = 0;
  // The names of the regular files directly in `folder`.
  [[nodiscard]] virtual Result<std::vector<std::string>> list_files(const std::string& folder) = 0;
  // Creates `folder` and its missing parents; nothing when it exists.
  [[nodiscard]] virtual Status make_directories(const std::string& folder) = 0;

  // A new empty file, `prefix` followed by six random characters, mode 0600 (nobody else can
  // read what is written to it), open for writing.
  [[nodiscard]] virtual Result<NewFile> create_temporary(const std::string& prefix) = 0;
  // Appends all of `bytes` (a short write is retried; an error is the error).
  [[nodiscard]] virtual Status write(const NewFile& file, std::string_view bytes) = 0;
  // Gives the file this owner; nothing to do (and no privilege needed) when it has it already.
  [[nodiscard]] virtual Status set_owner(const NewFile& file, uid_t uid, gid_t gid) = 0;
  [[nodiscard]] virtual Status set_mode(const NewFile& file, mode_t mode) = 0;
  // fsync: the content is on disk when it returns.
  [[nodiscard]] virtual Status sync(const NewFile& file) = 0;
  // Ends writing; the handle is gone even when this fails.
  [[nodiscard]] virtual Status close(const NewFile& file) = 0;

  // Replaces `to` with `from` in one step (rename(2)): readers see one or the other.
  [[nodiscard]] virtual Status rename(const std::string& from, const std::string& to) = 0;
  [[nodiscard]] virtual Status remove(const std::string& path) = 0;
  // Makes the folder's entries (a rename into it) survive a crash.
  [[nodiscard]] virtual Status sync_folder(const std::string& folder) = 0;
};

// The local disk through POSIX calls; one for the process.
[[nodiscard]] FileSystem& real_file_system();

// A failed call's error as FileSystem gives it: errno's text, at `path`.
[[nodiscard]] inline Error file_error(const std::string& path, int error_number) {
  return make_error(std::strerror(error_number), Location{path});
}

}  // namespace sd
