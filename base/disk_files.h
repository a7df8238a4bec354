// SourceFiles that reads the local disk.
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

}  // namespace sd
