// The NexJ configuration store (what the Admin Console configures: targets, global options,
// user options, folder links) as a live system. Our own documented SQLite schema, versioned by
// migrations: docs/config-store-schema.md. All SQL goes through the SQL seam (base/sql.h),
// with every value bound as a parameter.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/checkpoints.h"
#include "base/error.h"
#include "base/sql.h"
#include "base/sqlite_database.h"
#include "runtime/live_system.h"

namespace sd {

struct StoreTable;

// A row to stage in NJExchangeProspect (bulk onboarding, reference §4).
struct ProspectInput {
  std::string target;     // the target's name; staged as its id
  std::string entity_id;  // the user's NexJ Entity id: 32 lowercase hex digits
  bool activate = true;   // false: the batch job disables the user's links
};

struct Prospect {
  int64_t id = 0;
  std::string target_id;
  std::string target;  // its name
  std::string entity_id;
  bool activate = true;
  int64_t attempts = 0;
  std::string created;  // UTC, ISO 8601 with milliseconds
};

class ConfigStore : public LiveSystem {
 public:
  ~ConfigStore() override;
  ConfigStore(const ConfigStore&) = delete;
  ConfigStore& operator=(const ConfigStore&) = delete;

  [[nodiscard]] std::string describe() const override;  // "configuration store <path>"
  // nexj.target, nexj.global_options, nexj.user_options, nexj.folder_link.
  [[nodiscard]] bool manages(const ResourceType& type) const override;
  // One query per type, in one read transaction (a consistent snapshot).
  void observe(const DesiredState& desired, ObservedState& into) override;
  // Every action in one transaction; a failed statement fails its action only.
  [[nodiscard]] std::vector<ActionResult> apply(const Plan& plan, std::span<const uint32_t> actions,
                                                const SecretValues& secrets) override;

  [[nodiscard]] const std::string& path() const { return path_; }
  // The schema version of the file: 0 when it does not exist (reading) or is empty.
  [[nodiscard]] int64_t schema_version() const { return version_; }

  // Inserts `prospects` in one transaction: all or none. An unknown target name or a
  // malformed entity id fails the whole call, naming the row.
  [[nodiscard]] Status stage_prospects(std::span<const ProspectInput> prospects);
  // Every staged row, oldest first.
  [[nodiscard]] Result<std::vector<Prospect>> list_prospects();

 private:
  friend Result<std::unique_ptr<ConfigStore>> open_config_store_for_reading(const std::string&);
  friend Result<std::unique_ptr<ConfigStore>> open_config_store_for_writing(const std::string&,
                                                                            Checkpoints,
                                                                            const SqliteOptions&);
  class Applier;
  ConfigStore(std::string path, std::unique_ptr<SqlDatabase> db, int64_t version, bool writable,
              Checkpoints checkpoints);

  void fail_all_types(ObservedState& into, const std::string& error) const;
  // Reads one type with one query; false (and nothing appended) on an error.
  bool observe_table(const StoreTable& table, size_t expected, ObservedState& into,
                     std::string& error);
  [[nodiscard]] std::string where() const;  // "configuration store <path>"

  std::string path_;
  std::unique_ptr<SqlDatabase> db_;  // null: the file does not exist (reads as empty)
  int64_t version_ = 0;
  bool writable_ = false;
  Checkpoints checkpoints_;
  // Set when the file exists but cannot be read: every type fails with it (never absent).
  std::string unreadable_;
};

// For plan and diff: never creates or changes anything. A missing file reads as an empty store
// (every object absent); a file that cannot be read makes every type fail in observe(); an
// older schema that this build cannot read makes them fail with "run apply to migrate". Fails
// only for a store newer than this build knows.
[[nodiscard]] Result<std::unique_ptr<ConfigStore>> open_config_store_for_reading(
    const std::string& path);

// For apply: creates the file when missing and migrates it to the current schema version.
// `sqlite` is for tests (a VFS that fails on command); production opens with the defaults.
[[nodiscard]] Result<std::unique_ptr<ConfigStore>> open_config_store_for_writing(
    const std::string& path, Checkpoints checkpoints = {}, const SqliteOptions& sqlite = {});

}  // namespace sd
