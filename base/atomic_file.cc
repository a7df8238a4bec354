#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/source_files.h"

namespace sd {
Status write_file_atomically(const std::string& path, std::string_view content, mode_t mode,
                             const struct stat* keep_owner) {
  auto fail = [&](const char* what) {
    return make_error(std::string("cannot write file: ") + what + ": " + std::strerror(errno),
                      Location{path});
  };
  std::string temp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp.data());  // created 0600
  if (fd < 0) return fail("create temporary file");
  auto abandon = [&](const char* what) {
    Status s = fail(what);
    ::close(fd);
    ::unlink(temp.c_str());
    return s;
  };
  for (size_t done = 0; done < content.size();) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return abandon("write");
    done += static_cast<size_t>(n);
  }
  struct stat now {};
  if (keep_owner && ::fstat(fd, &now) == 0 &&
      (now.st_uid != keep_owner->st_uid || now.st_gid != keep_owner->st_gid) &&
      ::fchown(fd, keep_owner->st_uid, keep_owner->st_gid) != 0)
    return abandon("keep the owner");
  if (::fchmod(fd, mode) != 0) return abandon("set permissions");
  if (::fsync(fd) != 0) return abandon("sync");
  if (::close(fd) != 0) {
    Status s = fail("close");
    ::unlink(temp.c_str());
    return s;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status s = fail("rename");
    ::unlink(temp.c_str());
    return s;
  }
  // The rename itself must survive a crash: sync the folder entry too.
  int dir = ::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return ok_status();
}

void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  std::string prefix = fs::path(path).filename().string() + ".tmp-";
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder_of(path), ec)) {
    std::string name = entry.path().filename().string();
    // mkstemp's suffix is six characters.
    if (name.size() == prefix.size() + 6 && name.starts_with(prefix) && entry.is_regular_file(ec))
      fs::remove(entry.path(), ec);
  }
}

}  // namespace sd
