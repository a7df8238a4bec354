// How the compiler reads the spec and the files it names (CSV user lists). An interface so the
// compiler stays pure: the CLI passes one that reads the disk, tests pass one that holds text.
#pragma once

#include <map>
#include <string>

#include "base/error.h"

namespace sd {

class SourceFiles {
 public:
  virtual ~SourceFiles() = default;
  // The whole content of `path`; an error naming the path when it cannot be read.
  [[nodiscard]] virtual Result<std::string> read(const std::string& path) const = 0;

  // A file the spec names, `relative` to `folder`: it must be a real file inside the folder
  // (no '..', no symbolic link on the way), so that a spec under review cannot make CI read,
  // and quote in errors, files elsewhere. Errors name join_path(folder, relative).
  // The default only reads; DiskFiles enforces it.
  [[nodiscard]] virtual Result<std::string> read_inside(const std::string& folder,
                                                        const std::string& relative) const;
};

// Files held in memory, for tests.
class MemoryFiles : public SourceFiles {
 public:
  std::map<std::string, std::string> files;
  [[nodiscard]] Result<std::string> read(const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) return make_error("cannot read file: no such file", Location{path});
    return it->second;
  }
};

// `relative` under `folder` ("." adds nothing): "specs" + "users.csv" is "specs/users.csv".
[[nodiscard]] std::string join_path(const std::string& folder, const std::string& relative);

// `relative` resolved against the folder of `spec_path` (absolute paths stay as they are).
[[nodiscard]] std::string resolve_relative(const std::string& spec_path,
                                           const std::string& relative);

// The folder of `spec_path` ("." when it has none).
[[nodiscard]] std::string folder_of(const std::string& spec_path);

}  // namespace sd
