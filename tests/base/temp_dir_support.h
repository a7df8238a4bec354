// A fresh folder under the system's temporary folder, removed with everything in it when the
// test ends.
#pragma once

#include <string>

namespace sd::test {

struct TempDir {
  // The folder's name starts with `prefix`; fails the test when it cannot be made.
  explicit TempDir(const std::string& prefix = "sdtest");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The path of the file `name` in the folder.
  [[nodiscard]] std::string file(const std::string& name) const { return path + "/" + name; }

  std::string path;
};

}  // namespace sd::test
