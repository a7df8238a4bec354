#include "runtime/disk_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace sd {

Result<std::string> DiskFiles::read(const std::string& path) const {
  auto fail = [&](const std::string& why) {
    return make_error("cannot read file: " + why, Location{path});
  };
  // O_NONBLOCK: opening a FIFO would otherwise wait forever for a writer; the check below
  // refuses anything that is not a regular file, then reads block as usual.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  if (static_cast<size_t>(st.st_size) > max_bytes_) {
    ::close(fd);
    return fail("larger than " + std::to_string(max_bytes_ >> 20) + " MiB");
  }
  std::string content(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::read(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return fail(n < 0 ? std::strerror(errno) : "file shrank while reading");
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return content;
}

Result<std::string> DiskFiles::read_inside(const std::string& folder,
                                           const std::string& path) const {
  char real_folder[PATH_MAX], real_path[PATH_MAX];
  if (!::realpath(folder.c_str(), real_folder) || !::realpath(path.c_str(), real_path))
    return read(path);  // it does not exist: read() says so in its own words
  std::string inside = std::string(real_folder) + (std::string_view(real_folder) == "/" ? "" : "/");
  if (!std::string_view(real_path).starts_with(inside)) {
    return make_error("cannot read file: it is a link to a file outside the spec's folder (" +
                          std::string(real_path) + ")",
                      Location{path});
  }
  // Read the resolved path: a link swapped between the check and the read changes nothing.
  Result<std::string> content = read(real_path);
  if (!content.ok()) return make_error(content.errors().front().message, Location{path});
  return content;
}

}  // namespace sd
