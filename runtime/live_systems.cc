#include "runtime/live_systems.h"

#include <filesystem>

#include "base/source_files.h"
#include "runtime/journal.h"
#include "runtime/nexj/config_store.h"
#include "runtime/nexj/environment_file.h"

namespace sd {

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

LiveSystems::LiveSystems() = default;
LiveSystems::LiveSystems(LiveSystems&&) noexcept = default;
LiveSystems::~LiveSystems() = default;

std::vector<LiveSystem*> LiveSystems::all() const {
  std::vector<LiveSystem*> out;
  if (environment) out.push_back(environment.get());
  if (store) out.push_back(store.get());
  if (exchange) out.push_back(exchange.get());
  return out;
}

Result<LiveSystems> open_live_systems(const LivePaths& paths, const Checkpoints& checkpoints) {
  LiveSystems systems;
  systems.environment = std::make_unique<EnvironmentFile>(paths.environment_file, checkpoints);
  Result<std::unique_ptr<ConfigStore>> store = open_config_store_for_reading(paths.store);
  if (!store.ok()) return store.take_errors();
  systems.store = std::move(store).value();
  return systems;
}

Status create_folder_of(const std::string& file) {
  std::filesystem::path folder = std::filesystem::path(file).parent_path();
  if (folder.empty()) return ok_status();
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec)
    return make_error("cannot create the folder " + folder.string() + ": " + ec.message(),
                      Location{file});
  return ok_status();
}

Status prepare_for_writing(LiveSystems& systems, const LivePaths& paths,
                           const Checkpoints& checkpoints) {
  // A fresh deployment's folders (env/, state/) are made, as the files in them will be.
  for (const std::string* file : {&paths.environment_file, &paths.store})
    if (Status made = create_folder_of(*file); !made.ok()) return made;
  Result<std::unique_ptr<ConfigStore>> store =
      open_config_store_for_writing(paths.store, checkpoints);
  if (!store.ok()) return store.take_errors();
  systems.store = std::move(store).value();
  return ok_status();
}

ObservedState observe_all(std::span<LiveSystem* const> systems, const DesiredState& desired) {
  ObservedState observed;
  for (LiveSystem* system : systems) system->observe(desired, observed);
  for (const ResourceType* type : all_resource_types()) {
    bool managed = false;
    for (LiveSystem* system : systems) managed = managed || system->manages(*type);
    if (!managed) observed.failed_types.emplace(std::string(type->name), kExchangeNotRead);
  }
  return observed;  // make_plan indexes it
}

}  // namespace sd
