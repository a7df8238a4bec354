// The configuration store's schema (docs/config-store-schema.md): the migrations that build it,
// and which column holds which resource field. SQL text here holds names only, never values:
// every value is a bound parameter.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/sql.h"
#include "plan/resource.h"

namespace sd {

// The newest schema this build knows, and the oldest it can read without migrating first.
inline constexpr int64_t kStoreSchemaVersion = 1;
inline constexpr int64_t kOldestReadableStoreVersion = 1;

struct StoreMigration {
  int64_t version;  // the schema version once it ran
  std::string_view sql;
};

// In order; migration i brings the store from version i to i + 1. Never edited once released:
// a change is a new migration.
[[nodiscard]] std::span<const StoreMigration> store_migrations();

// The version recorded in `db`: 0 for a database with no table at all (a new file). An error
// for a database that holds tables but no `syncdeploy_schema` (not a configuration store).
[[nodiscard]] Result<int64_t> read_store_version(SqlDatabase& db);

// Runs every migration newer than the recorded version, each in its own transaction with its
// version bump. Returns the version reached. Refuses a store newer than this build.
[[nodiscard]] Result<int64_t> migrate_store(SqlDatabase& db);

// "configuration store X has schema version 3; this syncdeploy knows up to 1: upgrade ..."
[[nodiscard]] std::string newer_store_message(const std::string& path, int64_t version);

enum class ColumnKind : uint8_t {
  Bool,       // INTEGER 0/1 <-> bool
  Int,        // INTEGER <-> int64_t
  Text,       // TEXT <-> std::string
  TargetRef,  // target_id TEXT; the field holds the target's name (folder links)
  List,       // rows of a child table <-> StringList (the email blacklist)
};

struct StoreColumn {
  std::string_view field;   // the resource field (checked against the type by the tests)
  std::string_view column;  // its column
  ColumnKind kind;
};

// One table per managed type, its columns aligned with type->fields.
struct StoreTable {
  const ResourceType* type;
  std::string_view table;
  std::span<const StoreColumn> columns;
  // Columns that name one object, bound after the value columns; empty: the single row id 1.
  std::span<const std::string_view> key;
  bool generated_id;  // an `id` column created by syncdeploy (targets)
};

[[nodiscard]] std::span<const StoreTable> store_tables();
// The table of `type`, or nullptr when the store does not hold it.
[[nodiscard]] const StoreTable* store_table(const ResourceType& type);

// Generated statements (names from the tables above; values always as parameters). Column i is
// parameter i + 1 (List columns have none); with n columns, the key follows from n + 1
// (targets: the new id, then the name).
// Create as an upsert: a NULL parameter keeps what is there. Returns a target's id.
[[nodiscard]] std::string store_upsert_sql(const StoreTable& table);
// Update of the columns in `mask` (bit i = column i): one row (a target's id, else 1) when
// the object exists, none when it does not.
[[nodiscard]] std::string store_update_sql(const StoreTable& table, uint32_t mask);
// All objects, one row each: the name, then the columns in order (List columns excluded).
[[nodiscard]] std::string store_select_sql(const StoreTable& table);

}  // namespace sd
