// The live systems a spec names, opened for reading (plan, diff) or writing (apply), and the
// observation of all of them at once.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "plan/observed_state.h"
#include "runtime/checkpoints.h"
#include "runtime/live_system.h"
#include "spec/spec.h"

namespace sd {

// Where the spec's live state is, with relative paths taken from the spec's folder.
struct LivePaths {
  std::string environment_file;
  std::string store;  // the SQLite file of `store: sqlite:PATH`
  std::string journal;
};
[[nodiscard]] LivePaths live_paths(const Spec& spec, const std::string& spec_path,
                                   const std::string& journal_override = {});

class EnvironmentFile;
class ConfigStore;

struct LiveSystems {
  std::unique_ptr<EnvironmentFile> environment;
  std::unique_ptr<ConfigStore> store;
  // Exchange management (runtime/exchange_management.h), when the command read the secrets
  // it needs; without it, the exchange.* types are not read (kExchangeNotRead).
  std::unique_ptr<LiveSystem> exchange;
  LiveSystems();
  LiveSystems(LiveSystems&&) noexcept;
  ~LiveSystems();
  [[nodiscard]] std::vector<LiveSystem*> all() const;
};

// Opens the environment file and the configuration store for reading: nothing is created or
// changed, and a missing file reads as empty (a fresh deployment). Errors name the file.
[[nodiscard]] Result<LiveSystems> open_live_systems(const LivePaths& paths,
                                                    const Checkpoints& checkpoints = {});

// Creates the folder that will hold `file` (and its parents) when missing. Errors name `file`.
[[nodiscard]] Status create_folder_of(const std::string& file);

// Before apply writes: makes the folders of the environment file and the store, and reopens
// the store for writing (creating and migrating it when needed).
// The environment file keeps what it observed, so that it can refuse to write over a file
// that changed since.
[[nodiscard]] Status prepare_for_writing(LiveSystems& systems, const LivePaths& paths,
                                         const Checkpoints& checkpoints = {});

// What the Exchange-side objects say when Exchange management was not read.
inline constexpr const char* kExchangeNotRead =
    "Exchange management was not read (limit the plan to the NexJ side with --only nexj)";

// Observes every system; types no system manages are marked failed with kExchangeNotRead, so
// that their objects are Unknown, never absent.
[[nodiscard]] ObservedState observe_all(std::span<LiveSystem* const> systems,
                                        const DesiredState& desired);

}  // namespace sd
