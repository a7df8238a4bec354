#include "engine/live_paths.h"

#include <catch2/catch.hpp>
#include <cerrno>

#include "base/faulty_file_system.h"
#include "base/memory_file_system.h"

using namespace sd;

TEST_CASE("create_folder_of makes the folders of a file, through the file system given",
          "[engine]") {
  MemoryFileSystem memory;
  REQUIRE(engine::create_folder_of("/srv/acme/state/store.db", memory).ok());
  CHECK(memory.status("/srv/acme/state").value()->folder);
  REQUIRE(engine::create_folder_of("store.db", memory).ok());  // no folder to make

  FaultyFileSystem files(memory);
  files.fail(FileOp::MakeDirectories, 1, ENOSPC);
  Status full = engine::create_folder_of("/srv/other/store.db", files);
  REQUIRE_FALSE(full.ok());
  CHECK(full.errors().front().format() ==
        "/srv/other/store.db: error: cannot create the folder /srv/other: No space left on device");
  CHECK_FALSE(memory.status("/srv/other").value().has_value());
}
