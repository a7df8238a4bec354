// What a FileSystem holds, for tests that check nothing was left half-written.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/file_system.h"

namespace sd::testing {

// The regular files directly in `folder`, sorted by name.
inline std::vector<std::string> files_in(FileSystem& files, const std::string& folder) {
  Result<std::vector<std::string>> names = files.list_files(folder);
  REQUIRE(names.ok());
  std::sort(names->begin(), names->end());
  return *names;
}

inline std::string content_of(FileSystem& files, const std::string& path) {
  Result<std::string> read = files.read_file(path, size_t{1} << 20);
  REQUIRE(read.ok());
  return *read;
}

}  // namespace sd::testing
