// SourceFiles that reads the local disk. Not on the FileSystem seam (file_system.h):
// read_inside() walks open folder descriptors so that no symbolic link is followed (design
// decision 9), which a seam of paths would give up; the compiler's tests pass MemoryFiles.
#pragma once

#include "base/source_files.h"

namespace sd {

class DiskFiles : public SourceFiles {
 public:
  // Refuses files larger than `max_bytes` (a spec or CSV user list is never that big; a device
  // or a runaway file would be).
  explicit DiskFiles(size_t max_bytes = size_t{1} << 30) : max_bytes_(max_bytes) {}
  [[nodiscard]] Result<std::string> read(const std::string& path) const override;
  // Refuses '..', absolute paths and any symbolic link between `folder` and the file.
  [[nodiscard]] Result<std::string> read_inside(const std::string& folder,
                                                const std::string& relative) const override;

 private:
  size_t max_bytes_;
};

// Reads `name` (relative to the open folder `dir`, or a path with AT_FDCWD) if it is a regular
// file; refuses a symbolic link unless `follow_links`. Errors are the reason alone, at `shown`,
// as FileSystem's are (file_system.h): what DiskFiles and real_file_system() read with.
[[nodiscard]] Result<std::string> read_regular_file(int dir, const char* name, bool follow_links,
                                                    const std::string& shown, size_t max_bytes);

}  // namespace sd
