// FileSystem on the local disk: POSIX calls, errno's text as the reason.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/disk_files.h"
#include "base/file_system.h"

namespace sd {
namespace {

Status done_or_errno(bool ok, const std::string& path) {
  if (ok) return ok_status();
  return file_error(path, errno);
}

class RealFileSystem : public FileSystem {
 public:
  Result<std::optional<FileStatus>> status(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return std::optional<FileStatus>();
      return file_error(path, errno);
    }
    FileStatus out;
    out.regular = S_ISREG(st.st_mode);
    out.folder = S_ISDIR(st.st_mode);
    out.mode = st.st_mode & 07777;
    out.uid = st.st_uid;
    out.gid = st.st_gid;
    out.size = static_cast<uint64_t>(st.st_size);
    return std::optional<FileStatus>(out);
  }

  bool is_symbolic_link(const std::string& path) override {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
  }

  Result<std::string> read_file(const std::string& path, size_t max_bytes) override {
    return read_regular_file(AT_FDCWD, path.c_str(), true, path, max_bytes);
  }

  Result<std::vector<std::string>> list_files(const std::string& folder) override {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<std::string> out;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code ignored;  // an entry gone meanwhile is not a regular file
      if (it->is_regular_file(ignored)) out.push_back(it->path().filename().string());
    }
    if (ec) return make_error(ec.message(), Location{folder});
    return out;
  }

  Status make_directories(const std::string& folder) override {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) return make_error(ec.message(), Location{folder});
    return ok_status();
  }

  Result<NewFile> create_temporary(const std::string& prefix) override {
    std::string path = prefix + "XXXXXX";
    int fd = ::mkstemp(path.data());  // created 0600
    if (fd < 0) return file_error(prefix, errno);
    return NewFile{fd, std::move(path)};
  }

  Status write(const NewFile& file, std::string_view bytes) override {
    for (size_t done = 0; done < bytes.size();) {
      ssize_t n = ::write(file.handle, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return file_error(file.path, errno);
      if (n == 0) return make_error("the write made no progress", Location{file.path});
      done += static_cast<size_t>(n);
    }
    return ok_status();
  }

  Status set_owner(const NewFile& file, uid_t uid, gid_t gid) override {
    struct stat st {};
    if (::fstat(file.handle, &st) == 0 && st.st_uid == uid && st.st_gid == gid) return ok_status();
    return done_or_errno(::fchown(file.handle, uid, gid) == 0, file.path);
  }

  Status set_mode(const NewFile& file, mode_t mode) override {
    return done_or_errno(::fchmod(file.handle, mode) == 0, file.path);
  }

  Status sync(const NewFile& file) override {
    return done_or_errno(::fsync(file.handle) == 0, file.path);
  }

  Status close(const NewFile& file) override {
    return done_or_errno(::close(file.handle) == 0, file.path);
  }

  Status rename(const std::string& from, const std::string& to) override {
    return done_or_errno(::rename(from.c_str(), to.c_str()) == 0, to);
  }

  Status remove(const std::string& path) override {
    return done_or_errno(::unlink(path.c_str()) == 0, path);
  }

  Status sync_folder(const std::string& folder) override {
    int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return file_error(folder, errno);
    Status synced = done_or_errno(::fsync(dir) == 0, folder);
    ::close(dir);
    return synced;
  }
};

}  // namespace

FileSystem& real_file_system() {
  static RealFileSystem files;
  return files;
}

}  // namespace sd
