#include "engine/live_paths.h"

#include <filesystem>

#include "base/source_files.h"
#include "runtime/journal.h"

namespace sd::engine {

LivePaths live_paths(const Spec& spec, const std::string& spec_path,
                     const std::string& journal_override) {
  LivePaths paths;
  paths.environment_file = resolve_relative(spec_path, spec.nexj.environmentFile);
  std::string_view store = spec.nexj.store;
  constexpr std::string_view kSqlite = "sqlite:";
  if (store.starts_with(kSqlite)) store.remove_prefix(kSqlite.size());
  paths.store = resolve_relative(spec_path, std::string(store));
  paths.journal = journal_override.empty() ? default_journal_path(paths.store) : journal_override;
  return paths;
}

Status create_folder_of(const std::string& file, FileSystem& files) {
  std::string folder = std::filesystem::path(file).parent_path().string();
  if (folder.empty()) return ok_status();
  if (Status made = files.make_directories(folder); !made.ok())
    return make_error("cannot create the folder " + folder + ": " + made.errors().front().message,
                      Location{file});
  return ok_status();
}

}  // namespace sd::engine
