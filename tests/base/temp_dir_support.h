// A fresh folder under the system's temporary folder, removed with everything in it at the end
// of the test.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace sd::testing {

struct TempDir {
  std::string path;
  explicit TempDir(const std::string& prefix = "sdtest") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    const char* made = ::mkdtemp(pattern.data());
    path = made ? made : "/nonexistent-temporary-folder";
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  [[nodiscard]] std::string file(const std::string& name) const { return path + "/" + name; }
};

}  // namespace sd::testing
