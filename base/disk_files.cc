#include "base/disk_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sd {
namespace {

// Closes a descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Error read_error(const std::string& shown, const std::string& why) {
  return make_error("cannot read file: " + why, Location{shown});
}

// Says what failed: the shared reader's errors are the reason alone.
Result<std::string> as_read_error(Result<std::string> read) {
  if (read.ok()) return read;
  std::vector<Error> errors = read.take_errors();
  for (Error& e : errors) e.message = "cannot read file: " + e.message;
  return errors;
}

// The reason alone, at `shown`.
Error failed(const std::string& shown, const std::string& why) {
  return make_error(why, Location{shown});
}

}  // namespace

// It is looked at before it is opened, so a device is never opened (some act on open) and a
// FIFO never blocks; the opened file must be the one looked at.
Result<std::string> read_regular_file(int dir, const char* name, bool follow_links,
                                      const std::string& shown, size_t max_bytes) {
  struct stat before {};
  if (::fstatat(dir, name, &before, follow_links ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
    return failed(shown, std::strerror(errno));
  if (S_ISLNK(before.st_mode))
    return failed(shown,
                  "it is a symbolic link; files the spec names are read only when they are "
                  "real files inside the spec's folder");
  if (S_ISDIR(before.st_mode)) return failed(shown, "it is a directory");
  if (!S_ISREG(before.st_mode)) return failed(shown, "not a regular file");
  if (static_cast<size_t>(before.st_size) > max_bytes)
    return failed(shown, "larger than " + std::to_string(max_bytes >> 20) + " MiB");

  Fd file(::openat(dir, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow_links ? 0 : O_NOFOLLOW)));
  if (file.fd < 0) return failed(shown, std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0 || st.st_dev != before.st_dev || st.st_ino != before.st_ino ||
      !S_ISREG(st.st_mode))
    return failed(shown, "the file changed while it was being opened");
  ::fcntl(file.fd, F_SETFL, ::fcntl(file.fd, F_GETFL) & ~O_NONBLOCK);
  if (static_cast<size_t>(st.st_size) > max_bytes)
    return failed(shown, "larger than " + std::to_string(max_bytes >> 20) + " MiB");

  std::string content(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::read(file.fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failed(shown, n < 0 ? std::strerror(errno) : "file shrank while reading");
    done += static_cast<size_t>(n);
  }
  return content;
}

Result<std::string> DiskFiles::read(const std::string& path) const {
  return as_read_error(read_regular_file(AT_FDCWD, path.c_str(), true, path, max_bytes_));
}

// Walks `relative` one component at a time from `folder`, refusing symbolic links on the
// way: the file is inside the folder by construction, not by comparing resolved paths (which
// fails open when a path is too long to resolve).
Result<std::string> DiskFiles::read_inside(const std::string& folder,
                                           const std::string& relative) const {
  const std::string shown = join_path(folder, relative);
  std::vector<std::string> parts;
  for (size_t start = 0; start <= relative.size();) {
    size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    std::string part = relative.substr(start, end - start);
    if (part == "..") return read_error(shown, "the path leaves the spec's folder");
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    start = end + 1;
  }
  if (relative.starts_with('/') || parts.empty())
    return read_error(shown, "not a file inside the spec's folder");

  Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.fd < 0) return read_error(shown, std::strerror(errno));
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    int next = ::openat(dir.fd, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      return read_error(shown, errno == ELOOP || errno == ENOTDIR
                                   ? "'" + parts[i] +
                                         "' is a symbolic link or not a folder; "
                                         "files the spec names are read only when "
                                         "they are real files inside the spec's "
                                         "folder"
                                   : std::string(std::strerror(errno)));
    }
    ::close(dir.fd);
    dir.fd = next;
  }
  return as_read_error(read_regular_file(dir.fd, parts.back().c_str(), false, shown, max_bytes_));
}

}  // namespace sd
