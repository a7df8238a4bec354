// The configuration store's schema and migrations (docs/config-store-schema.md is the prose).
#include "runtime/nexj/config_store_schema.h"

#include <array>

#include "base/sql_transaction.h"

namespace sd {
namespace {

// Version 1. STRICT tables: a value of the wrong type is refused instead of stored. NULL in an
// option column means "not set" (NexJ uses its default) and reads as not managed.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE sync_target (
  id TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  name TEXT NOT NULL UNIQUE,
  host TEXT,
  nexj_url TEXT,
  version TEXT,
  subscription TEXT,
  autodiscover INTEGER CHECK (autodiscover IN (0, 1)),
  use_internal_cas INTEGER CHECK (use_internal_cas IN (0, 1)),
  keep_items_older_than_days INTEGER CHECK (keep_items_older_than_days >= 0),
  sender TEXT,
  receiver TEXT,
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
) STRICT;

CREATE TABLE sync_global_options (
  id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  batch_sync_setup_enabled INTEGER CHECK (batch_sync_setup_enabled IN (0, 1)),
  batch_sync_setup_start_time TEXT,
  batch_sync_setup_period_minutes INTEGER,
  batch_sync_setup_activation_attempts INTEGER,
  initial_snapshot_days_in_past INTEGER,
  initial_snapshot_days_in_future INTEGER,
  autodiscover_enabled INTEGER CHECK (autodiscover_enabled IN (0, 1)),
  autodiscover_start_time TEXT,
  autodiscover_period_minutes INTEGER,
  customized_occurrences INTEGER,
  assigned_to_users_threshold INTEGER,
  realtime_sync TEXT CHECK (realtime_sync IN ('running', 'paused'))
) STRICT;

CREATE TABLE sync_email_blacklist (
  position INTEGER NOT NULL PRIMARY KEY CHECK (position >= 0),
  pattern TEXT NOT NULL
) STRICT;

CREATE TABLE sync_user_options (
  scope TEXT NOT NULL PRIMARY KEY
    CHECK (scope = 'system' OR scope GLOB 'userType:?*' OR scope GLOB 'user:?*'),
  enable_display_of_external_contacts INTEGER CHECK (enable_display_of_external_contacts IN (0, 1)),
  enable_inbound_for_contact_sync INTEGER CHECK (enable_inbound_for_contact_sync IN (0, 1)),
  enable_inbound_sync_private_meetings INTEGER
    CHECK (enable_inbound_sync_private_meetings IN (0, 1)),
  enable_meeting_alarm_sync INTEGER CHECK (enable_meeting_alarm_sync IN (0, 1)),
  enable_related_info_notes INTEGER CHECK (enable_related_info_notes IN (0, 1)),
  enable_security_check_for_contact_sync INTEGER
    CHECK (enable_security_check_for_contact_sync IN (0, 1))
) STRICT;

CREATE TABLE sync_folder_link (
  login TEXT NOT NULL COLLATE NOCASE,
  folder TEXT NOT NULL CHECK (folder IN ('calendar', 'tasks', 'contacts')),
  target_id TEXT NOT NULL REFERENCES sync_target (id),
  email TEXT NOT NULL,
  folder_id TEXT,
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  PRIMARY KEY (login, folder)
) STRICT, WITHOUT ROWID;

CREATE TABLE NJExchangeProspect (
  id INTEGER NOT NULL PRIMARY KEY,
  target_id TEXT NOT NULL REFERENCES sync_target (id),
  entity_id TEXT NOT NULL CHECK (length(entity_id) = 32 AND entity_id NOT GLOB '*[^0-9a-f]*'),
  activate INTEGER NOT NULL CHECK (activate IN (0, 1)),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
)sql";

constexpr StoreMigration kStoreMigrations[] = {{1, kVersion1}};
static_assert(std::size(kStoreMigrations) == kStoreSchemaVersion);

using K = ColumnKind;
constexpr StoreColumn kTargetColumns[] = {
    {"host", "host", K::Text},
    {"nexjUrl", "nexj_url", K::Text},
    {"version", "version", K::Text},
    {"subscription", "subscription", K::Text},
    {"autodiscover", "autodiscover", K::Bool},
    {"useInternalCAS", "use_internal_cas", K::Bool},
    {"keepItemsOlderThanDays", "keep_items_older_than_days", K::Int},
    {"sender", "sender", K::Text},
    {"receiver", "receiver", K::Text},
    {"enabled", "enabled", K::Bool},
};
constexpr StoreColumn kGlobalColumns[] = {
    {"batchSyncSetup.enabled", "batch_sync_setup_enabled", K::Bool},
    {"batchSyncSetup.startTime", "batch_sync_setup_start_time", K::Text},
    {"batchSyncSetup.periodMinutes", "batch_sync_setup_period_minutes", K::Int},
    {"batchSyncSetup.activationAttempts", "batch_sync_setup_activation_attempts", K::Int},
    {"batchSyncSetup.initialSnapshot.daysInPast", "initial_snapshot_days_in_past", K::Int},
    {"batchSyncSetup.initialSnapshot.daysInFuture", "initial_snapshot_days_in_future", K::Int},
    {"autodiscover.enabled", "autodiscover_enabled", K::Bool},
    {"autodiscover.startTime", "autodiscover_start_time", K::Text},
    {"autodiscover.periodMinutes", "autodiscover_period_minutes", K::Int},
    {"restrictions.customizedOccurrences", "customized_occurrences", K::Int},
    {"forContactInboundSync.assignedToUsersThreshold", "assigned_to_users_threshold", K::Int},
    {"realtimeSync", "realtime_sync", K::Text},
    {"emailBlacklist", "sync_email_blacklist", K::List},
};
constexpr StoreColumn kUserColumns[] = {
    {"enableDisplayOfExternalContacts", "enable_display_of_external_contacts", K::Bool},
    {"enableInboundForContactSynchronization", "enable_inbound_for_contact_sync", K::Bool},
    {"enableInboundSyncForPrivateMeetings", "enable_inbound_sync_private_meetings", K::Bool},
    {"enableMeetingAlarmSynchronization", "enable_meeting_alarm_sync", K::Bool},
    {"enableRelatedInfoNotes", "enable_related_info_notes", K::Bool},
    {"enableSecurityCheckOnInboundForContactSync", "enable_security_check_for_contact_sync",
     K::Bool},
};
constexpr StoreColumn kLinkColumns[] = {
    {"target", "target_id", K::TargetRef},
    {"email", "email", K::Text},
    {"enabled", "enabled", K::Bool},
    {"folderId", "folder_id", K::Text},
};
constexpr std::string_view kTargetKey[] = {"name"};
constexpr std::string_view kUserKey[] = {"scope"};
constexpr std::string_view kLinkKey[] = {"login", "folder"};

const std::array<StoreTable, 4> kTables = {{
    {&types::kTarget, "sync_target", kTargetColumns, kTargetKey, true},
    {&types::kGlobalOptions, "sync_global_options", kGlobalColumns, {}, false},
    {&types::kUserOptions, "sync_user_options", kUserColumns, kUserKey, false},
    {&types::kFolderLink, "sync_folder_link", kLinkColumns, kLinkKey, false},
}};

std::string param(size_t n) {
  return "?" + std::to_string(n);
}

// " WHERE a = ?n+1 AND b = ?n+2", or the single row's " WHERE id = 1".
std::string where_key(const StoreTable& t) {
  if (t.key.empty()) return " WHERE id = 1";
  std::string out = " WHERE ";
  for (size_t k = 0; k < t.key.size(); ++k)
    out.append(k ? " AND " : "")
        .append(t.key[k])
        .append(" = ")
        .append(param(t.columns.size() + 1 + k));
  return out;
}

// What Create and Update return: the id of a target, otherwise a constant.
std::string_view returning(const StoreTable& t) {
  return t.generated_id ? " RETURNING id" : " RETURNING 1";
}

// What an upsert keeps of column `i` when the new row leaves it NULL: the old value; but a value
// that belongs to another field (FieldSpec::belongs_to: a link's folder id names a folder of the
// mailbox at its email) only while that field stays the same.
std::string kept_on_conflict(const StoreTable& t, size_t i) {
  const std::string column(t.columns[i].column);
  const FieldSpec& field = t.type->fields[i];
  if (field.belongs_to.empty()) return column;
  const int owner = field_index(*t.type, field.belongs_to);
  const std::string owner_column(t.columns[static_cast<size_t>(owner)].column);
  return "CASE WHEN " + owner_column + " IS excluded." + owner_column + " COLLATE NOCASE THEN " +
         column + " ELSE NULL END";
}

}  // namespace

std::span<const StoreMigration> store_migrations() {
  return kStoreMigrations;
}

std::string newer_store_message(const std::string& path, int64_t version) {
  return "configuration store " + path + " has schema version " + std::to_string(version) +
         "; this syncdeploy knows up to " + std::to_string(kStoreSchemaVersion) +
         ": upgrade syncdeploy";
}

Result<int64_t> read_store_version(SqlDatabase& db) {
  auto stmt = db.prepare(
      "SELECT (SELECT count(*) FROM sqlite_schema),"
      " (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'syncdeploy_schema')");
  if (!stmt.ok()) return stmt.take_errors();
  Result<bool> row = (*stmt)->step();
  if (!row.ok()) return row.take_errors();
  int64_t objects = (*stmt)->column_int(0), has_version = (*stmt)->column_int(1);
  stmt.value().reset();  // finalized before the next statement
  if (has_version == 0) {
    if (objects == 0) return int64_t{0};
    return make_error(
        "is not a syncdeploy configuration store (it has tables but no "
        "syncdeploy_schema table)",
        Location{db.path()});
  }
  auto version = db.prepare("SELECT coalesce(max(version), 0) FROM syncdeploy_schema");
  if (!version.ok()) return version.take_errors();
  row = (*version)->step();
  if (!row.ok()) return row.take_errors();
  return (*version)->column_int(0);
}

Result<int64_t> migrate_store(SqlDatabase& db) {
  // Up to date: no write lock taken at all.
  Result<int64_t> recorded = read_store_version(db);
  if (!recorded.ok()) return recorded.take_errors();
  if (*recorded > kStoreSchemaVersion) return make_error(newer_store_message(db.path(), *recorded));
  if (*recorded == kStoreSchemaVersion) return *recorded;
  int64_t reached = 0;
  for (const StoreMigration& m : kStoreMigrations) {
    // The version is read again inside the write transaction: another process may have
    // migrated between our read and our lock.
    Result<SqlTransaction> transaction = SqlTransaction::begin(db);
    if (!transaction.ok()) return transaction.take_errors();
    // Each failure returns through here; the transaction rolls back as it goes out of scope.
    auto fail = [&](std::vector<Error> errors) -> Result<int64_t> {
      for (Error& e : errors)
        e.message = "migrating to schema version " + std::to_string(m.version) + ": " + e.message;
      return errors;
    };
    Result<int64_t> current = read_store_version(db);
    if (!current.ok()) return fail(current.take_errors());
    reached = *current;
    if (reached > kStoreSchemaVersion) return make_error(newer_store_message(db.path(), reached));
    if (reached >= m.version) continue;  // nothing written: the rollback ends the transaction
    Status created = db.exec(
        "CREATE TABLE IF NOT EXISTS syncdeploy_schema ("
        "id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL) STRICT");
    if (!created.ok()) return fail(created.take_errors());
    Status ran = db.exec(m.sql);
    if (!ran.ok()) return fail(ran.take_errors());
    auto bump = db.prepare(
        "INSERT INTO syncdeploy_schema (id, version) VALUES (1, ?1)"
        " ON CONFLICT (id) DO UPDATE SET version = excluded.version");
    if (!bump.ok()) return fail(bump.take_errors());
    (*bump)->bind_int(1, m.version);
    Result<bool> bumped = (*bump)->step();
    if (!bumped.ok()) return fail(bumped.take_errors());
    bump.value().reset();
    Status committed = transaction->commit();
    if (!committed.ok()) return fail(committed.take_errors());
    reached = m.version;
  }
  return reached;
}

std::span<const StoreTable> store_tables() {
  return kTables;
}

const StoreTable* store_table(const ResourceType& type) {
  for (const StoreTable& t : kTables)
    if (t.type == &type) return &t;
  return nullptr;
}

std::string store_upsert_sql(const StoreTable& t) {
  const size_t n = t.columns.size();
  std::string names, values, updates;
  auto add = [&](std::string_view name, const std::string& value) {
    names.append(names.empty() ? "" : ", ").append(name);
    values.append(values.empty() ? "" : ", ").append(value);
  };
  if (t.key.empty()) add("id", "1");
  if (t.generated_id) add("id", param(n + 1));
  for (size_t k = 0; k < t.key.size(); ++k)
    add(t.key[k], param(n + 1 + k + (t.generated_id ? 1 : 0)));
  for (size_t i = 0; i < n; ++i) {
    const StoreColumn& c = t.columns[i];
    if (c.kind == ColumnKind::List) continue;
    add(c.column, param(i + 1));
    updates.append(updates.empty() ? "" : ", ")
        .append(c.column)
        .append(" = coalesce(excluded.")
        .append(c.column)
        .append(", ")
        .append(kept_on_conflict(t, i))
        .append(")");
  }
  std::string conflict;
  for (std::string_view k : t.key) conflict.append(conflict.empty() ? "" : ", ").append(k);
  if (conflict.empty()) conflict = "id";
  std::string sql = "INSERT INTO " + std::string(t.table) + " (" + names + ") VALUES (" + values +
                    ") ON CONFLICT (" + conflict + ") DO ";
  sql += updates.empty() ? "NOTHING" : "UPDATE SET " + updates;
  // Only a target's id is needed back: RETURNING costs a third more per 300,000 link inserts.
  return t.generated_id ? sql.append(returning(t)) : sql;
}

std::string store_update_sql(const StoreTable& t, uint32_t mask) {
  // Every column the action changes, as the plan states it: a link moving to another mailbox
  // states its new folder id, or null (plan/folder_links.h).
  std::string sets;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const StoreColumn& c = t.columns[i];
    if (!(mask & (1u << i)) || c.kind == ColumnKind::List) continue;
    sets.append(sets.empty() ? "" : ", ").append(c.column).append(" = ").append(param(i + 1));
  }
  // Only the list changes: a no-op update still proves that the row exists.
  if (sets.empty())
    sets = t.key.empty() ? "id = id" : std::string(t.key[0]) + " = " + std::string(t.key[0]);
  return "UPDATE " + std::string(t.table) + " SET " + sets + where_key(t) +
         std::string(returning(t));
}

std::string store_select_sql(const StoreTable& t) {
  std::string name;
  for (std::string_view k : t.key) name.append(name.empty() ? "o." : " || '/' || o.").append(k);
  if (name.empty()) name = "'exchange'";
  std::string sql = "SELECT " + name, joins, order;
  for (const StoreColumn& c : t.columns) {
    if (c.kind == ColumnKind::TargetRef) {
      sql += ", t.name";
      joins += " LEFT JOIN sync_target AS t ON t.id = o." + std::string(c.column);
    } else if (c.kind == ColumnKind::List) {
      sql += ", b.pattern";
      joins += " LEFT JOIN " + std::string(c.column) + " AS b";
      order = " ORDER BY b.position";
    } else {
      sql.append(", o.").append(c.column);
    }
  }
  for (std::string_view k : t.key) order.append(order.empty() ? " ORDER BY o." : ", o.").append(k);
  return sql + " FROM " + std::string(t.table) + " AS o" + joins + order;
}

}  // namespace sd
