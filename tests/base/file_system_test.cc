// The file-system seam: the in-memory and fault-injecting file systems, and atomic writes
// under each fault, on the real disk and in memory.
#include "base/file_system.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/faulty_file_system.h"
#include "base/memory_file_system.h"
#include "file_system_support.h"
#include "temp_dir_support.h"

using namespace sd;
using namespace sd::testing;

namespace {

using sd::test::TempDir;

// The first error of `r` as it is printed (where, then the message), or "" when it is ok.
template <class T>
std::string printed_error(const Result<T>& r) {
  return r.ok() ? "" : r.errors().front().format();
}

struct Fault {
  FileOp op;
  int error_number;
  std::string says;  // the message of write_file_atomically
};

// Each step of an atomic write, failing as a disk does.
const std::vector<Fault>& faults() {
  static const std::vector<Fault> all = {
      {FileOp::CreateTemporary, ENOSPC,
       "cannot write file: create temporary file: No space left on device"},
      {FileOp::Write, ENOSPC, "cannot write file: write: No space left on device"},
      {FileOp::Write, EIO, "cannot write file: write: Input/output error"},
      {FileOp::SetMode, EPERM, "cannot write file: set permissions: Operation not permitted"},
      {FileOp::Sync, EIO, "cannot write file: sync: Input/output error"},
      {FileOp::Close, EIO, "cannot write file: close: Input/output error"},
      {FileOp::Rename, EIO, "cannot write file: rename: Input/output error"},
      {FileOp::Rename, ENOSPC, "cannot write file: rename: No space left on device"},
  };
  return all;
}

// Writes over `path` (holding "old") through a fault, then again without it.
void check_atomic_write_under(FileSystem& disk, const std::string& folder, const Fault& fault) {
  const std::string path = folder + "/settings.xml";
  REQUIRE(write_file_atomically(path, "old", 0640, nullptr, disk).ok());
  FaultyFileSystem files(disk);
  files.fail(fault.op, 1, fault.error_number);

  Status failed = write_file_atomically(path, "new content", 0640, nullptr, files);
  REQUIRE_FALSE(failed.ok());
  CHECK(files.fired() == 1);
  CHECK(failed.errors().front().where.file == path);
  CHECK(failed.errors().front().message == fault.says);
  // Nothing half-written: the old content is whole, and no temporary file is left.
  CHECK(content_of(disk, path) == "old");
  CHECK(files_in(disk, folder) == std::vector<std::string>{"settings.xml"});

  REQUIRE(write_file_atomically(path, "new content", 0640, nullptr, files).ok());
  CHECK(content_of(disk, path) == "new content");
  CHECK(disk.status(path).value()->mode == 0640);
  CHECK(files_in(disk, folder) == std::vector<std::string>{"settings.xml"});
}

}  // namespace

TEST_CASE("write_file_atomically: each failing step leaves the old file whole, on disk",
          "[file_system]") {
  for (const Fault& fault : faults()) {
    DYNAMIC_SECTION(to_string(fault.op) << " fails with errno " << fault.error_number) {
      TempDir dir("sdfs");
      check_atomic_write_under(real_file_system(), dir.path, fault);
    }
  }
}

TEST_CASE("write_file_atomically: each failing step leaves the old file whole, in memory",
          "[file_system]") {
  for (const Fault& fault : faults()) {
    DYNAMIC_SECTION(to_string(fault.op) << " fails with errno " << fault.error_number) {
      MemoryFileSystem memory;
      REQUIRE(memory.make_directories("/srv/app").ok());
      check_atomic_write_under(memory, "/srv/app", fault);
    }
  }
}

TEST_CASE("write_file_atomically keeps the owner it is given and sets the mode", "[file_system]") {
  MemoryFileSystem memory;
  memory.put("/etc/app/a.conf", "x", 0600);
  FileStatus owner;
  owner.uid = 1001;
  owner.gid = 1002;
  REQUIRE(write_file_atomically("/etc/app/a.conf", "y", 0640, &owner, memory).ok());
  const MemoryFileSystem::File* f = memory.file("/etc/app/a.conf");
  REQUIRE(f);
  CHECK(f->content == "y");
  CHECK(f->mode == 0640);
  CHECK(f->uid == 1001);
  CHECK(f->gid == 1002);

  FaultyFileSystem files(memory);
  files.fail(FileOp::SetOwner, 1, EPERM);
  Status s = write_file_atomically("/etc/app/a.conf", "z", 0640, &owner, files);
  CHECK(printed_error(s) ==
        "/etc/app/a.conf: error: cannot write file: keep the owner: Operation not permitted");
  CHECK(memory.paths() == std::vector<std::string>{"/etc/app/a.conf"});
  CHECK(memory.file("/etc/app/a.conf")->content == "y");
}

TEST_CASE("remove_stale_temporaries removes only what an atomic write leaves", "[file_system]") {
  MemoryFileSystem memory;
  memory.put("/d/env.xml", "live");
  memory.put("/d/env.xml.tmp-a1B2c3", "secret");  // a killed writer's
  memory.put("/d/env.xml.tmp-short", "kept: not six characters");
  memory.put("/d/other.tmp-a1B2c3", "kept: another file's");
  memory.put("/d/env.xml.bak.tmp-zzzzzz", "kept: the backup's, removed with its own name");
  remove_stale_temporaries("/d/env.xml", memory);
  CHECK(memory.paths() == std::vector<std::string>{"/d/env.xml", "/d/env.xml.bak.tmp-zzzzzz",
                                                   "/d/env.xml.tmp-short", "/d/other.tmp-a1B2c3"});
  remove_stale_temporaries("/d/env.xml.bak", memory);
  CHECK(memory.paths().size() == 3);
}

TEST_CASE("FaultyFileSystem fails the Nth call of an operation, once", "[file_system]") {
  MemoryFileSystem memory;
  FaultyFileSystem files(memory);
  files.fail(FileOp::Rename, 2, EIO);
  memory.put("/a", "1");
  CHECK(files.rename("/a", "/b").ok());
  Status second = files.rename("/b", "/c");
  CHECK(printed_error(second) == "/c: error: Input/output error");
  CHECK(memory.paths() == std::vector<std::string>{"/b"});  // a failed rename does nothing
  CHECK(files.rename("/b", "/c").ok());
  CHECK(files.calls(FileOp::Rename) == 3);
  CHECK(files.fired() == 1);

  // A failing write writes half of its bytes first, as a disk that fills up does.
  Result<NewFile> f = files.create_temporary("/t.");
  REQUIRE(f.ok());
  files.fail(FileOp::Write, 1, ENOSPC);
  CHECK(printed_error(files.write(*f, "12345678")) == f->path + ": error: No space left on device");
  CHECK(memory.file(f->path)->content == "1234");
  files.clear();
  CHECK(files.write(*f, "9").ok());
  CHECK(files.close(*f).ok());
}

TEST_CASE("MemoryFileSystem answers as the disk does", "[file_system]") {
  MemoryFileSystem memory;
  CHECK_FALSE(memory.status("/nowhere").value().has_value());
  CHECK(printed_error(memory.read_file("/nowhere", 10)) ==
        "/nowhere: error: No such file or directory");
  CHECK(printed_error(memory.create_temporary("/no/folder/x.tmp-")) ==
        "/no/folder/x.tmp-: error: No such file or directory");
  REQUIRE(memory.make_directories("/no/folder").ok());
  CHECK(memory.status("/no").value()->folder);
  memory.put("/no/folder/x", "0123456789");
  CHECK(memory.status("/no/folder/x").value()->size == 10);
  CHECK(printed_error(memory.read_file("/no/folder", 10)) ==
        "/no/folder: error: it is a directory");
  CHECK(printed_error(memory.read_file("/no/folder/x", 9))
            .starts_with("/no/folder/x: error: larger"));
  CHECK(printed_error(memory.make_directories("/no/folder/x/y")) ==
        "/no/folder/x: error: File exists");
  CHECK(files_in(memory, "/no/folder") == std::vector<std::string>{"x"});
  CHECK(printed_error(memory.remove("/no/folder")) == "/no/folder: error: Is a directory");
  CHECK(memory.remove("/no/folder/x").ok());
  CHECK(printed_error(memory.remove("/no/folder/x")) ==
        "/no/folder/x: error: No such file or directory");
}

TEST_CASE("the real file system reads, lists and refuses as DiskFiles does", "[file_system]") {
  TempDir dir("sdfs");
  FileSystem& disk = real_file_system();
  CHECK_FALSE(disk.status(dir.file("none")).value().has_value());
  CHECK(printed_error(disk.read_file(dir.path, 10)) == dir.path + ": error: it is a directory");
  REQUIRE(disk.make_directories(dir.file("a/b")).ok());
  REQUIRE(write_file_atomically(dir.file("a/f"), "text", 0600).ok());
  CHECK(disk.status(dir.file("a/f")).value()->mode == 0600);
  CHECK(files_in(disk, dir.file("a")) == std::vector<std::string>{"f"});  // not the folder b
  std::filesystem::create_symlink("f", dir.file("a/link"));
  CHECK(disk.is_symbolic_link(dir.file("a/link")));
  CHECK_FALSE(disk.is_symbolic_link(dir.file("a/f")));
  CHECK(disk.read_file(dir.file("a/link"), 10).value() == "text");
  CHECK(printed_error(disk.read_file("/dev/null", 10)) == "/dev/null: error: not a regular file");
}
