// The environment file written through a file system that fails: a full disk, an I/O error, a
// failed fsync or rename while writing the backup or the file. Each fails every action with an
// error naming the file, leaves the file as it was (no temporary copy, with its passwords,
// beside it), and the next apply without the fault succeeds.
#include <catch2/catch.hpp>
#include <cerrno>

#include "base/atomic_file.h"
#include "base/faulty_file_system.h"
#include "base/memory_file_system.h"
#include "runtime/nexj/environment_file.h"
#include "tests/base/file_system_support.h"
#include "tests/base/temp_dir_support.h"
#include "tests/runtime/environment_file_support.h"

using namespace sd;
using namespace sd::testing;

namespace {

using sd::test::TempDir;

constexpr std::string_view kBefore =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Environment>\n"
    "   <ChannelConnections>\n"
    "      <MailConnection channel=\"Mail\" password=\"secret\" outHost=\"old.example.local\"/>\n"
    "   </ChannelConnections>\n"
    "</Environment>\n";

DesiredState new_mail_host() {
  return desired_of(
      {channel(types::kMailChannel, "Mail", {{"outHost", std::string("smtp.example.local")}})});
}

struct Fault {
  FileOp op;
  int nth;  // the backup is written first: the first call of an operation is the backup's
  int error_number;
  std::string file;  // ".bak" when the backup's write fails, "" when the file's
  std::string says;
};

const std::vector<Fault>& faults() {
  static const std::vector<Fault> all = {
      {FileOp::Write, 2, ENOSPC, "", "cannot write file: write: No space left on device"},
      {FileOp::Write, 2, EIO, "", "cannot write file: write: Input/output error"},
      {FileOp::Sync, 2, EIO, "", "cannot write file: sync: Input/output error"},
      {FileOp::Rename, 2, EIO, "", "cannot write file: rename: Input/output error"},
      {FileOp::CreateTemporary, 2, ENOSPC, "",
       "cannot write file: create temporary file: No space left on device"},
      {FileOp::Write, 1, ENOSPC, ".bak", "cannot write file: write: No space left on device"},
      {FileOp::Sync, 1, EIO, ".bak", "cannot write file: sync: Input/output error"},
      {FileOp::Rename, 1, EIO, ".bak", "cannot write file: rename: Input/output error"},
  };
  return all;
}

// Applies the new mail host to `path` (holding kBefore) through `fault`, then without it.
void check_apply_under(FileSystem& disk, const std::string& folder, const Fault& fault) {
  const std::string path = folder + "/prod.environment";
  const DesiredState desired = new_mail_host();
  FaultyFileSystem files(disk);
  EnvironmentFile env(path, {}, files);
  Plan plan = observe_and_plan(env, desired);
  REQUIRE(changes_of(plan).size() == 1);
  files.fail(fault.op, fault.nth, fault.error_number);

  std::vector<ActionResult> failed = env.apply(plan, changes_of(plan), {});
  REQUIRE(files.fired() == 1);
  REQUIRE(failed.size() == 1);
  CHECK_FALSE(failed[0].ok);
  CHECK(failed[0].error == path + fault.file + ": " + fault.says);
  // The file is as it was, and nothing is left beside it but, at most, a whole backup.
  CHECK(content_of(disk, path) == kBefore);
  std::vector<std::string> left = files_in(disk, folder);
  if (fault.file.empty()) {
    CHECK(left == std::vector<std::string>{"prod.environment", "prod.environment.bak"});
    CHECK(content_of(disk, path + ".bak") == kBefore);
  } else {
    CHECK(left == std::vector<std::string>{"prod.environment"});
  }

  // The next apply, without the fault, writes the change.
  EnvironmentFile again(path, {}, files);
  Plan second = observe_and_plan(again, desired);
  std::vector<ActionResult> done = again.apply(second, changes_of(second), {});
  REQUIRE(done.size() == 1);
  CHECK(done[0].error == "");
  std::string after(kBefore);
  after.replace(after.find("old.example.local"), 17, "smtp.example.local");
  CHECK(content_of(disk, path) == after);
  CHECK(content_of(disk, path + ".bak") == kBefore);
  CHECK(files_in(disk, folder) ==
        std::vector<std::string>{"prod.environment", "prod.environment.bak"});
}

}  // namespace

TEST_CASE("environment file: a write that fails on disk leaves the file whole",
          "[environment_file][faults]") {
  for (const Fault& fault : faults()) {
    DYNAMIC_SECTION(to_string(fault.op)
                    << " #" << fault.nth << " fails with errno " << fault.error_number) {
      TempDir dir("sdenvfault");
      REQUIRE(write_file_atomically(dir.file("prod.environment"), kBefore, 0600).ok());
      check_apply_under(real_file_system(), dir.path, fault);
    }
  }
}

TEST_CASE("environment file: a write that fails in memory leaves the file whole",
          "[environment_file][faults]") {
  for (const Fault& fault : faults()) {
    DYNAMIC_SECTION(to_string(fault.op)
                    << " #" << fault.nth << " fails with errno " << fault.error_number) {
      MemoryFileSystem memory;
      memory.put("/opt/nexj/prod.environment", std::string(kBefore), 0640);
      check_apply_under(memory, "/opt/nexj", fault);
      const MemoryFileSystem::File* written = memory.file("/opt/nexj/prod.environment");
      REQUIRE(written);
      CHECK(written->mode == 0640);
    }
  }
}

TEST_CASE("environment file: a new file that cannot be written is not there at all",
          "[environment_file][faults]") {
  MemoryFileSystem memory;
  REQUIRE(memory.make_directories("/opt/nexj").ok());
  FaultyFileSystem files(memory);
  const std::string path = "/opt/nexj/new.environment";
  EnvironmentFile env(path, {}, files);
  const DesiredState desired = new_mail_host();
  Plan plan = observe_and_plan(env, desired);
  files.fail(FileOp::Write, 1, ENOSPC);
  std::vector<ActionResult> failed = env.apply(plan, changes_of(plan), {});
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].error == path + ": cannot write file: write: No space left on device");
  CHECK(memory.paths().empty());

  std::vector<ActionResult> done = env.apply(plan, changes_of(plan), {});
  CHECK(done[0].error == "");
  REQUIRE(memory.paths() == std::vector<std::string>{path});
  CHECK(memory.file(path)->mode == 0600);  // it holds passwords
}

TEST_CASE("environment file: a read that fails is an unknown, never an absent file",
          "[environment_file][faults]") {
  MemoryFileSystem memory;
  memory.put("/opt/nexj/prod.environment", std::string(kBefore));
  FaultyFileSystem files(memory);
  files.fail(FileOp::ReadFile, 1, EIO);
  EnvironmentFile env("/opt/nexj/prod.environment", {}, files);
  ObservedState observed;
  env.observe(new_mail_host(), observed);
  CHECK(observed.failed_types.at("nexj.mail_channel") ==
        "/opt/nexj/prod.environment: cannot read file: Input/output error");
  CHECK(observed.resources.empty());
}
