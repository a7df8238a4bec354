#include "runtime/disk_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sd {

Result<std::string> DiskFiles::read(const std::string& path) const {
  auto fail = [&](const std::string& why) {
    return make_error("cannot read file: " + why, Location{path});
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
  }
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

}  // namespace sd
