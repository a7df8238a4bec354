// Writing a file so that readers see the old content or the new, never a torn mix.
#pragma once

#include <sys/stat.h>

#include <string>
#include <string_view>

#include "base/error.h"

namespace sd {

// Writes `content` to a temporary file beside `path` (created 0600, so nobody else can read it
// on the way), gives it `mode` (and the owner of `keep_owner`, if given), fsyncs it, renames it
// over `path` and fsyncs the folder. On error `path` is unchanged and the temporary file is
// removed; the error names `path`.
[[nodiscard]] Status write_file_atomically(const std::string& path, std::string_view content,
                                           mode_t mode = 0644,
                                           const struct stat* keep_owner = nullptr);

// Removes temporary files that write_file_atomically() left beside `path` when its process was
// killed before the rename (they may hold secrets). Call it only while holding the apply lock,
// so that no live writer's temporary file is taken.
void remove_stale_temporaries(const std::string& path);

}  // namespace sd
