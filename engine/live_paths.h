// Where a deployment's live state is: the environment file, the configuration store and the
// journal beside it, with relative paths taken from the spec's folder.
#pragma once

#include <string>

#include "base/error.h"
#include "base/file_system.h"
#include "spec/spec.h"

namespace sd::engine {

struct LivePaths {
  std::string environment_file;
  std::string store;  // the SQLite file of `store: sqlite:PATH`
  std::string journal;
};

[[nodiscard]] LivePaths live_paths(const Spec& spec, const std::string& spec_path,
                                   const std::string& journal_override = {});

// Creates the folder that will hold `file` (and its parents) when missing, through `files`.
// Errors name `file`.
[[nodiscard]] Status create_folder_of(const std::string& file,
                                      FileSystem& files = real_file_system());

}  // namespace sd::engine
