// Writing a file so that readers see the old content or the new, never a torn mix.
#pragma once

#include <string>
#include <string_view>

#include "compiler/error.h"

namespace sd {

// Writes `content` to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the folder. On error `path` is unchanged and the temporary file is removed.
[[nodiscard]] Status write_file_atomically(const std::string& path, std::string_view content);

}  // namespace sd
