// Writing a file so that readers see the old content or the new, never a torn mix.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/file_system.h"

namespace sd {

// Writes `content` to a temporary file beside `path` (created 0600, so nobody else can read it
// on the way), gives it `mode` (and the owner of `keep_owner`, if given), fsyncs it, renames it
// over `path` and fsyncs the folder. On error `path` is unchanged and the temporary file is
// removed; the error names `path` and what failed ("cannot write file: sync: Input/output
// error"). Everything goes through `files`.
[[nodiscard]] Status write_file_atomically(const std::string& path, std::string_view content,
                                           mode_t mode = 0644,
                                           const FileStatus* keep_owner = nullptr,
                                           FileSystem& files = real_file_system());

// Removes temporary files that write_file_atomically() left beside `path` when its process was
// killed before the rename (they may hold secrets). Call it only while holding the apply lock,
// so that no live writer's temporary file is taken.
void remove_stale_temporaries(const std::string& path, FileSystem& files = real_file_system());

}  // namespace sd
