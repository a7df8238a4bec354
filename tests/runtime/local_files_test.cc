#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/atomic_file.h"
#include "base/disk_files.h"
#include "runtime/local_secret_source.h"
#include "tests/base/temp_dir_support.h"

using namespace sd;

namespace {

using sd::test::TempDir;

}  // namespace

TEST_CASE("LocalSecretSource reads env and files, and says why when it cannot", "[runtime]") {
  TempDir dir;
  std::ofstream(dir.path + "/pw.txt") << "from-file\n";
  std::ofstream(dir.path + "/empty.txt") << "";
  LocalSecretSource source(dir.path + "/spec.yaml", [](const std::string& name) {
    return name == "SET"     ? std::optional<std::string>("from-env")
           : name == "EMPTY" ? std::optional<std::string>("")
                             : std::nullopt;
  });
  using K = SecretRef::Kind;
  CHECK(source.read(SecretRef{K::Env, "SET", ""}).value() == "from-env");
  CHECK(source.read(SecretRef{K::File, "pw.txt", ""}).value() == "from-file");
  CHECK(source.read(SecretRef{K::Env, "NOPE", ""}).errors()[0].message ==
        "environment variable NOPE is not set");
  CHECK(source.read(SecretRef{K::Env, "EMPTY", ""}).errors()[0].message ==
        "environment variable EMPTY is empty");
  CHECK(source.read(SecretRef{K::File, "empty.txt", ""}).errors()[0].message ==
        "secret file " + dir.path + "/empty.txt is empty");
  CHECK(source.read(SecretRef{K::File, "nope.txt", ""}).errors()[0].message ==
        "cannot read file: No such file or directory: " + dir.path + "/nope.txt");
}

TEST_CASE("DiskFiles refuses directories and oversized files", "[runtime]") {
  TempDir dir;
  std::ofstream(dir.path + "/big") << std::string(2048, 'x');
  CHECK(DiskFiles().read(dir.path).errors()[0].format() ==
        dir.path + ": error: cannot read file: it is a directory");
  CHECK(DiskFiles(1024).read(dir.path + "/big").errors()[0].message ==
        "cannot read file: larger than 0 MiB");
  CHECK(DiskFiles().read(dir.path + "/big").value().size() == 2048);
}

TEST_CASE("write_file_atomically replaces the whole file or nothing", "[runtime]") {
  TempDir dir;
  std::string path = dir.path + "/plan.json";
  REQUIRE(write_file_atomically(path, "first").ok());
  REQUIRE(write_file_atomically(path, "second").ok());
  CHECK(DiskFiles().read(path).value() == "second");
  // No temporary files are left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path)) ++files;
  CHECK(files == 1);
  // A folder that does not exist: an error, and nothing written.
  Status failed = write_file_atomically(dir.path + "/missing/plan.json", "x");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.errors()[0].format() == dir.path +
                                           "/missing/plan.json: error: cannot write file: "
                                           "create temporary file: No such file or directory");
}

TEST_CASE("read_inside reads real files inside the folder and refuses every link", "[runtime]") {
  TempDir outside, spec_dir;
  std::ofstream(outside.path + "/secret.txt") << "not for you";
  std::filesystem::create_directories(spec_dir.path + "/users/east");
  std::ofstream(spec_dir.path + "/users/east/a.csv") << "login,email\n";
  std::ofstream(spec_dir.path + "/users/b.csv") << "x";
  REQUIRE(::symlink((outside.path + "/secret.txt").c_str(),
                    (spec_dir.path + "/link.csv").c_str()) == 0);
  REQUIRE(::symlink(outside.path.c_str(), (spec_dir.path + "/dir").c_str()) == 0);
  // Even a link that stays inside is refused: what is read must be what the review saw.
  REQUIRE(::symlink("users/b.csv", (spec_dir.path + "/inner.csv").c_str()) == 0);
  DiskFiles disk;
  CHECK(disk.read_inside(spec_dir.path, "users/east/a.csv").value() == "login,email\n");
  CHECK(disk.read_inside(spec_dir.path, "./users//east/a.csv").value() == "login,email\n");
  const std::string kLink =
      "it is a symbolic link; files the spec names are read only when they are real files "
      "inside the spec's folder";
  CHECK(disk.read_inside(spec_dir.path, "link.csv").errors()[0].format() ==
        spec_dir.path + "/link.csv: error: cannot read file: " + kLink);
  CHECK(disk.read_inside(spec_dir.path, "inner.csv").errors()[0].message ==
        "cannot read file: " + kLink);
  CHECK(disk.read_inside(spec_dir.path, "dir/secret.txt").errors()[0].message ==
        "cannot read file: 'dir' is a symbolic link or not a folder; files the spec names are "
        "read only when they are real files inside the spec's folder");
  CHECK(disk.read_inside(spec_dir.path, "../x").errors()[0].message ==
        "cannot read file: the path leaves the spec's folder");
  CHECK(disk.read_inside(spec_dir.path, "/etc/passwd").errors()[0].message ==
        "cannot read file: not a file inside the spec's folder");
  CHECK(disk.read_inside(spec_dir.path, ".").errors()[0].message ==
        "cannot read file: not a file inside the spec's folder");
  CHECK(disk.read_inside(spec_dir.path, "users").errors()[0].message ==
        "cannot read file: it is a directory");
  CHECK(disk.read_inside(spec_dir.path, "missing.csv").errors()[0].message ==
        "cannot read file: No such file or directory");
}

TEST_CASE("read_inside cannot be led outside by a path too long to resolve", "[runtime]") {
  // The attack on a resolved-path check: a link at the end of a chain of folders whose full
  // path passes PATH_MAX, so realpath() fails while openat() still works. The tree is built
  // and removed through folder descriptors, as full paths that long cannot be used.
  TempDir outside, spec_dir;
  std::ofstream(outside.path + "/secret.csv") << "login,email\nx,not-an-email\n";
  const std::string level(200, 'd');
  std::vector<int> dirs{::open(spec_dir.path.c_str(), O_RDONLY | O_DIRECTORY)};
  std::string relative;
  for (int i = 0; i < 25; ++i) {
    REQUIRE(::mkdirat(dirs.back(), level.c_str(), 0700) == 0);
    dirs.push_back(::openat(dirs.back(), level.c_str(), O_RDONLY | O_DIRECTORY));
    REQUIRE(dirs.back() >= 0);
    relative += level + "/";
  }
  REQUIRE(::symlinkat(outside.path.c_str(), dirs.back(), "lnk") == 0);
  relative += "lnk/secret.csv";
  REQUIRE(spec_dir.path.size() + relative.size() > PATH_MAX);

  Result<std::string> read = DiskFiles().read_inside(spec_dir.path, relative);
  REQUIRE_FALSE(read.ok());
  CHECK(read.errors()[0].message.find("'lnk' is a symbolic link or not a folder") !=
        std::string::npos);

  ::unlinkat(dirs.back(), "lnk", 0);
  for (size_t i = dirs.size() - 1; i > 0; --i) {
    ::close(dirs[i]);
    ::unlinkat(dirs[i - 1], level.c_str(), AT_REMOVEDIR);
  }
  ::close(dirs[0]);
}

TEST_CASE("a FIFO is refused at once instead of blocking forever", "[runtime]") {
  TempDir dir;
  std::string fifo = dir.path + "/users.csv";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(DiskFiles().read(fifo).errors()[0].message == "cannot read file: not a regular file");
  // Devices are refused before they are opened (opening some has effects).
  CHECK(DiskFiles().read("/dev/zero").errors()[0].message ==
        "cannot read file: not a regular file");
}
