// The configuration store: opening (and migrating), observing, applying, staging prospects.
#include "runtime/nexj/config_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/digest.h"
#include "base/sql_transaction.h"
#include "base/sqlite_database.h"
#include "base/text_checks.h"
#include "runtime/nexj/config_store_schema.h"

namespace sd {
namespace {

constexpr std::string_view kGlobalOptionsName = "exchange";
constexpr size_t kCheckpointEvery = 10000;  // statements between "in transaction" checkpoints

std::string first_message(const std::vector<Error>& errors) {
  return errors.empty() ? std::string("unknown error") : errors.front().message;
}

// A NexJ-style id (32 lowercase hex digits) derived from the target's name: the same spec
// gives the same store byte for byte, so a re-created or resumed store equals a clean one and
// two environments built from one spec agree. Names are unique, so ids are too.
std::string new_id(std::string_view name) {
  return sha256_hex({std::string_view("nexj.target/"), name}).substr(0, 32);
}

bool is_hex_id(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Reads column `col` of the current row as `kind` (NULL: not set, so not managed).
void read_value(const SqlStatement& s, int col, ColumnKind kind, Value& out) {
  if (s.is_null(col)) {
    if (kind == ColumnKind::List) out = StringList{};
    return;  // out stays Unset
  }
  switch (kind) {
    case ColumnKind::Bool:
      out = s.column_int(col) != 0;
      break;
    case ColumnKind::Int:
      out = s.column_int(col);
      break;
    case ColumnKind::Text:
    case ColumnKind::TargetRef:
      out = s.column_text(col);
      break;
    case ColumnKind::List:
      out = StringList{s.column_text(col)};
      break;
  }
}

}  // namespace

ConfigStore::ConfigStore(std::string path, std::unique_ptr<SqlDatabase> db, int64_t version,
                         bool writable, Checkpoints checkpoints)
    : path_(std::move(path)),
      db_(std::move(db)),
      version_(version),
      writable_(writable),
      checkpoints_(std::move(checkpoints)) {}

ConfigStore::~ConfigStore() = default;

std::string ConfigStore::describe() const {
  return where();
}

std::string ConfigStore::where() const {
  return "configuration store " + path_;
}

bool ConfigStore::manages(const ResourceType& type) const {
  return store_table(type) != nullptr;
}

void ConfigStore::fail_all_types(ObservedState& into, const std::string& error) const {
  for (const StoreTable& t : store_tables()) into.failed_types[std::string(t.type->name)] = error;
}

void ConfigStore::observe(const DesiredState& desired, ObservedState& into) {
  if (!unreadable_.empty()) return fail_all_types(into, unreadable_);
  if (!db_ || version_ == 0) return;  // no store yet: every object is absent
  if (version_ < kOldestReadableStoreVersion)
    return fail_all_types(into, where() + " has schema version " + std::to_string(version_) +
                                    "; this syncdeploy reads version " +
                                    std::to_string(kOldestReadableStoreVersion) +
                                    " and later: run apply to migrate it");
  // Desired links size the reservation: live links are usually about as many.
  size_t links = 0;
  for (const Resource& r : desired.resources) links += r.type == &types::kFolderLink;

  // One read transaction: the four reads see the same committed state. BEGIN DEFERRED, not an
  // SqlTransaction: observing takes no write lock (a concurrent apply's lock holder must not
  // block it, and a read-only store could not take one). Every table is read (no early
  // return), so the rollback below always ends it.
  Status began = db_->exec("BEGIN DEFERRED");
  if (!began.ok()) return fail_all_types(into, where() + ": " + first_message(began.errors()));
  for (const StoreTable& t : store_tables()) {
    std::string error;
    size_t expected = t.type == &types::kFolderLink ? links + links / 8 : 0;
    if (!observe_table(t, expected, into, error))
      into.failed_types[std::string(t.type->name)] = error;
  }
  db_->rollback();  // nothing was written; this only ends the read transaction
}

bool ConfigStore::observe_table(const StoreTable& t, size_t expected, ObservedState& into,
                                std::string& error) {
  const size_t start = into.resources.size();
  auto fail = [&](const std::vector<Error>& errors) {
    into.resources.resize(start);  // a failed read lists nothing of its type
    error = where() + ": reading " + std::string(t.table) + ": " + first_message(errors);
    return false;
  };
  auto stmt = db_->prepare(store_select_sql(t));
  if (!stmt.ok()) return fail(stmt.errors());
  SqlStatement& s = **stmt;
  into.resources.reserve(start + expected);
  const bool single = t.key.empty();  // global options: one row per blacklist pattern
  const size_t n = t.columns.size();
  for (;;) {
    Result<bool> row = s.step();
    if (!row.ok()) return fail(row.errors());
    if (!*row) break;
    if (single && into.resources.size() > start) {
      // Further rows only add blacklist patterns to the one object.
      for (size_t i = 0; i < n; ++i)
        if (t.columns[i].kind == ColumnKind::List)
          std::get<StringList>(into.resources.back().values[i])
              .push_back(s.column_text(static_cast<int>(i + 1)));
      continue;
    }
    ObservedResource& r = into.resources.emplace_back();
    r.type = t.type;
    r.name = s.column_text(0);
    r.values.resize(n);
    for (size_t i = 0; i < n; ++i)
      read_value(s, static_cast<int>(i + 1), t.columns[i].kind, r.values[i]);
  }
  return true;
}

Result<std::unique_ptr<ConfigStore>> open_config_store_for_reading(const std::string& path) {
  auto store = [&](std::unique_ptr<SqlDatabase> db, int64_t version) {
    return std::unique_ptr<ConfigStore>(
        new ConfigStore(path, std::move(db), version, false, Checkpoints{}));
  };
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return store(nullptr, 0);
  // A file that is there but cannot be read is not an empty store: observe() fails every type.
  auto unreadable = [&](const std::vector<Error>& errors) {
    auto out = store(nullptr, 0);
    out->unreadable_ = out->where() + " cannot be read: " + first_message(errors);
    return out;
  };
  auto db = open_sqlite(path, SqlOpenMode::ReadOnly);
  if (!db.ok()) return unreadable(db.errors());
  Result<int64_t> version = read_store_version(**db);
  if (!version.ok()) return unreadable(version.errors());
  if (*version > kStoreSchemaVersion) return make_error(newer_store_message(path, *version));
  return store(std::move(*db), *version);
}

Result<std::unique_ptr<ConfigStore>> open_config_store_for_writing(const std::string& path,
                                                                   Checkpoints checkpoints,
                                                                   const SqliteOptions& sqlite) {
  auto db = open_sqlite(path, SqlOpenMode::ReadWriteCreate, sqlite);
  if (!db.ok()) return db.take_errors();
  Result<int64_t> version = migrate_store(**db);
  if (!version.ok()) return version.take_errors();
  return std::unique_ptr<ConfigStore>(
      new ConfigStore(path, std::move(*db), *version, true, std::move(checkpoints)));
}

// ---- apply ----

// One apply: the prepared statements, the target name -> id cache, the statement count.
class ConfigStore::Applier {
 public:
  explicit Applier(ConfigStore& store) : store_(store), db_(*store.db_) {}

  std::vector<ActionResult> run(const Plan& plan, std::span<const uint32_t> actions);
  // Every target's name and id (targets are few), read once per apply.
  [[nodiscard]] Status load_targets();
  const std::string* target_id(std::string_view name);
  std::string free_target_id(std::string_view name) const;

 private:
  enum Op : uint8_t { kUpsert, kUpdate, kDeleteList, kInsertList };
  struct Cached {
    const StoreTable* table;
    Op op;
    uint32_t mask;
    std::unique_ptr<SqlStatement> stmt;
  };

  // "" when done, else why not.
  std::string apply_one(const Action& a);
  std::string write_list(const StoreTable& t, const StringList& list);
  SqlStatement* statement(const StoreTable& t, Op op, uint32_t mask, std::string& error);
  Result<bool> step(SqlStatement& s);
  std::string fail(const StoreTable& t, std::string_view what) const {
    return store_.where() + ", table " + std::string(t.table) + ": " + std::string(what);
  }
  // After a failed statement: false when SQLite rolled the whole transaction back (disk full,
  // I/O error), so that nothing after it may run outside the transaction.
  bool still_in_transaction();

  ConfigStore& store_;
  SqlDatabase& db_;
  std::vector<Cached> cache_;
  std::vector<std::pair<std::string, std::string>> targets_;  // name, id
  size_t last_target_ = 0;
  size_t statements_ = 0;
  std::string lost_;  // set when the transaction was lost
};

std::vector<ActionResult> ConfigStore::apply(const Plan& plan, std::span<const uint32_t> actions,
                                             const SecretValues& /*secrets: none stored here*/) {
  if (actions.empty()) return {};  // no write lock for nothing
  if (!db_ || !writable_ || !unreadable_.empty()) {
    std::vector<ActionResult> out(actions.size());
    for (ActionResult& r : out)
      r = ActionResult{false, where() + " is open for reading only: nothing was changed"};
    return out;
  }
  return Applier(*this).run(plan, actions);
}

std::vector<ActionResult> ConfigStore::Applier::run(const Plan& plan,
                                                    std::span<const uint32_t> actions) {
  std::vector<ActionResult> out(actions.size());
  // Every failure below returns through here; the transaction rolls back as it goes.
  auto fail_all = [&](const std::string& error) {
    for (ActionResult& r : out) r = ActionResult{false, error};
    return std::move(out);
  };
  Result<SqlTransaction> transaction = SqlTransaction::begin(db_);
  if (!transaction.ok())
    return fail_all(store_.where() +
                    ": cannot start a transaction: " + first_message(transaction.errors()));
  if (Status loaded = load_targets(); !loaded.ok())
    return fail_all(store_.where() + ": reading sync_target: " + first_message(loaded.errors()));
  for (size_t k = 0; k < actions.size(); ++k) {
    if (actions[k] >= plan.actions.size()) {
      out[k] = ActionResult{false, store_.where() + ": no such action in the plan"};
      continue;
    }
    std::string error = apply_one(plan.actions[actions[k]]);
    if (!lost_.empty())
      return fail_all(store_.where() + ": the transaction was rolled back: " + lost_);
    if (!error.empty()) out[k] = ActionResult{false, std::move(error)};
  }
  cache_.clear();  // no statement left pending at commit
  store_.checkpoints_.at("configuration store: before commit");
  if (Status committed = transaction->commit(); !committed.ok())
    return fail_all(store_.where() + ": cannot commit: " + first_message(committed.errors()));
  store_.checkpoints_.at("configuration store: committed");
  return out;
}

Status ConfigStore::Applier::load_targets() {
  auto stmt = db_.prepare("SELECT name, id FROM sync_target");
  if (!stmt.ok()) return stmt.take_errors();
  for (;;) {
    Result<bool> row = (*stmt)->step();
    if (!row.ok()) return row.take_errors();
    if (!*row) return ok_status();
    targets_.emplace_back((*stmt)->column_text(0), (*stmt)->column_text(1));
  }
}

const std::string* ConfigStore::Applier::target_id(std::string_view name) {
  // Links come in runs of the same target: the last hit is checked first.
  if (last_target_ < targets_.size() && targets_[last_target_].first == name)
    return &targets_[last_target_].second;
  for (size_t i = 0; i < targets_.size(); ++i)
    if (targets_[i].first == name) return &targets_[last_target_ = i].second;
  return nullptr;
}

// The id derived from the name, or, when a target renamed by hand holds it already, the next
// free derivation: creating the target must converge, not fail on the id forever.
std::string ConfigStore::Applier::free_target_id(std::string_view name) const {
  for (int k = 0;; ++k) {
    std::string id =
        new_id(k == 0 ? std::string(name) : std::string(name) + "#" + std::to_string(k));
    bool taken = false;
    for (const auto& [other, other_id] : targets_)
      taken = taken || (other_id == id && other != name);
    if (!taken) return id;
  }
}

bool ConfigStore::Applier::still_in_transaction() {
  // BEGIN fails inside a transaction; if it succeeds, SQLite had rolled ours back. A probe, not
  // a transaction of its own: it is ended at once, and the apply's SqlTransaction (whose
  // rollback does nothing when SQLite already rolled back) stays the owner.
  if (!db_.exec("BEGIN").ok()) return true;
  db_.rollback();
  return false;
}

Result<bool> ConfigStore::Applier::step(SqlStatement& s) {
  Result<bool> row = s.step();
  if (++statements_ % kCheckpointEvery == 0)
    store_.checkpoints_.at("configuration store: in transaction");
  if (!row.ok() && !still_in_transaction()) lost_ = first_message(row.errors());
  return row;
}

SqlStatement* ConfigStore::Applier::statement(const StoreTable& t, Op op, uint32_t mask,
                                              std::string& error) {
  for (Cached& c : cache_)
    if (c.table == &t && c.op == op && c.mask == mask) return c.stmt.get();
  std::string sql;
  switch (op) {
    case kUpsert:
      sql = store_upsert_sql(t);
      break;
    case kUpdate:
      sql = store_update_sql(t, mask);
      break;
    case kDeleteList:
      sql = "DELETE FROM sync_email_blacklist";
      break;
    case kInsertList:
      sql = "INSERT INTO sync_email_blacklist (position, pattern) VALUES (?1, ?2)";
      break;
  }
  auto stmt = db_.prepare(sql);
  if (!stmt.ok()) {
    error = fail(t, first_message(stmt.errors()));
    return nullptr;
  }
  cache_.push_back(Cached{&t, op, mask, std::move(*stmt)});
  return cache_.back().stmt.get();
}

std::string ConfigStore::Applier::write_list(const StoreTable& t, const StringList& list) {
  std::string error;
  SqlStatement* del = statement(t, kDeleteList, 0, error);
  SqlStatement* ins = del ? statement(t, kInsertList, 0, error) : nullptr;
  if (!ins) return error;
  Result<bool> done = step(*del);
  del->reset();
  if (!done.ok()) return fail(t, first_message(done.errors()));
  for (size_t i = 0; i < list.size(); ++i) {
    ins->bind_int(1, static_cast<int64_t>(i));
    ins->bind_text(2, list[i]);
    done = step(*ins);
    ins->reset();
    if (!done.ok()) return fail(t, first_message(done.errors()));
  }
  return {};
}

std::string ConfigStore::Applier::apply_one(const Action& a) {
  const StoreTable* table = a.type ? store_table(*a.type) : nullptr;
  if (!table) return store_.where() + ": does not hold " + a.address();
  const StoreTable& t = *table;
  const size_t n = t.columns.size();
  if (a.kind != ActionKind::Create && a.kind != ActionKind::Update && a.kind != ActionKind::Disable)
    return fail(
        t, std::string("nothing to apply for a ") + std::string(to_string(a.kind)) + " action");

  // The new value of each column, from the action's changes.
  static const Value kFalse{false};
  const Value* values[32] = {};
  uint32_t mask = 0;
  if (a.kind == ActionKind::Disable) {
    if (a.type->enabled_field < 0) return fail(t, a.address() + " cannot be disabled");
    mask = 1u << a.type->enabled_field;
    values[a.type->enabled_field] = &kFalse;
  } else {
    for (const FieldChange& c : a.changes) {
      if (c.field >= n) return fail(t, "field " + std::to_string(c.field) + " out of range");
      values[c.field] = &c.after;
      mask |= 1u << c.field;
    }
  }

  // The key, from the name.
  std::string_view key[2];
  if (t.key.empty()) {
    if (a.name != kGlobalOptionsName) return fail(t, "no global options named " + quoted(a.name));
  } else if (t.key.size() == 2) {
    std::string_view name = a.name;
    size_t slash = name.rfind('/');
    std::string_view folder = slash == name.npos ? std::string_view() : name.substr(slash + 1);
    if (slash == 0 || (folder != "calendar" && folder != "tasks" && folder != "contacts"))
      return fail(t, quoted(a.name) + " is not <login>/<folder>");
    key[0] = name.substr(0, slash);
    key[1] = folder;
  } else {
    key[0] = a.name;
  }

  const bool create = a.kind == ActionKind::Create;
  uint32_t all = (n >= 32 ? 0u : (1u << n)) - 1u;
  std::string error;
  SqlStatement* s = statement(t, create ? kUpsert : kUpdate, create ? all : mask, error);
  if (!s) return error;
  // Unbound parameters are NULL: a column the action does not set keeps its value.
  for (size_t i = 0; i < n; ++i) {
    const Value* v = values[i];
    if (!v || is_unset(*v) || std::holds_alternative<NullValue>(*v)) continue;
    const StoreColumn& c = t.columns[i];
    const int p = static_cast<int>(i + 1);
    const auto* b = std::get_if<bool>(v);
    const auto* num = std::get_if<int64_t>(v);
    const auto* text = std::get_if<std::string>(v);
    if (c.kind == ColumnKind::Bool && b) {
      s->bind_int(p, *b ? 1 : 0);
    } else if (c.kind == ColumnKind::Int && num) {
      s->bind_int(p, *num);
    } else if (c.kind == ColumnKind::Text && text) {
      s->bind_text(p, *text);
    } else if (c.kind == ColumnKind::TargetRef && text) {
      const std::string* id = target_id(*text);
      if (!id) {
        s->reset();
        return fail(t, "target " + quoted(*text) + " does not exist");
      }
      s->bind_text(p, *id);
    } else if (c.kind != ColumnKind::List || !std::holds_alternative<StringList>(*v)) {
      s->reset();
      return fail(t, std::string(c.field) + ": a value of the wrong kind");
    }
  }
  int next = static_cast<int>(n + 1);
  if (create && t.generated_id) s->bind_text(next++, free_target_id(key[0]));
  for (size_t k = 0; k < t.key.size(); ++k) s->bind_text(next++, key[k]);

  // The list (blacklist) goes with its row: a savepoint keeps the action all or nothing.
  const Value* list = nullptr;
  for (size_t i = 0; i < n; ++i)
    if (t.columns[i].kind == ColumnKind::List && values[i] && !is_unset(*values[i]))
      list = values[i];
  // A savepoint, not an SqlTransaction: it nests inside the apply's transaction, and ROLLBACK
  // TO undoes this action alone while the others stay.
  if (list && !db_.exec("SAVEPOINT config_action").ok()) {
    s->reset();
    return fail(t, "cannot start a savepoint");
  }
  Result<bool> row = step(*s);
  // A new target's links may follow in this same apply.
  if (row.ok() && *row && create && t.generated_id && !target_id(key[0]))
    targets_.emplace_back(std::string(key[0]), s->column_text(0));
  s->reset();
  std::string out;
  if (!row.ok()) {
    out = fail(t, first_message(row.errors()));
  } else if (!*row && a.kind == ActionKind::Update) {
    out = fail(t, a.address() + " does not exist any more");
  } else if (list && (create || *row)) {
    out = write_list(t, std::get<StringList>(*list));
  }
  // (A Disable of an object that is gone succeeds: nothing is left to switch off.)
  if (list) {
    if (!out.empty() && lost_.empty()) (void)db_.exec("ROLLBACK TO config_action");
    if (lost_.empty()) (void)db_.exec("RELEASE config_action");
  }
  return out;
}

// ---- NJExchangeProspect ----

Status ConfigStore::stage_prospects(std::span<const ProspectInput> prospects) {
  auto error = [&](std::string message) { return make_error(where() + ": " + std::move(message)); };
  if (!db_ || !writable_ || !unreadable_.empty()) return error("is open for reading only");
  for (size_t i = 0; i < prospects.size(); ++i)
    if (!is_hex_id(prospects[i].entity_id))
      return error("prospect " + std::to_string(i + 1) + ": entity id " +
                   quoted(prospects[i].entity_id) + " is not 32 lowercase hex digits");
  Result<SqlTransaction> transaction = SqlTransaction::begin(*db_);
  if (!transaction.ok()) return transaction.take_errors();
  // Each failure returns through here; the transaction rolls back as it goes out of scope.
  auto fail = [&](std::string message) { return error(std::move(message)); };
  Applier targets(*this);
  if (Status loaded = targets.load_targets(); !loaded.ok())
    return fail("reading sync_target: " + first_message(loaded.errors()));
  auto insert = db_->prepare(
      "INSERT INTO NJExchangeProspect (target_id, entity_id, activate) VALUES (?1, ?2, ?3)");
  if (!insert.ok()) return fail(first_message(insert.errors()));
  SqlStatement& s = **insert;
  for (size_t i = 0; i < prospects.size(); ++i) {
    const ProspectInput& p = prospects[i];
    const std::string* id = targets.target_id(p.target);
    if (!id)
      return fail("prospect " + std::to_string(i + 1) + ": target " + quoted(p.target) +
                  " does not exist");
    s.bind_text(1, *id);
    s.bind_text(2, p.entity_id);
    s.bind_int(3, p.activate ? 1 : 0);
    Result<bool> done = s.step();
    s.reset();
    if (!done.ok())
      return fail("prospect " + std::to_string(i + 1) + ": " + first_message(done.errors()));
  }
  insert.value().reset();
  if (Status committed = transaction->commit(); !committed.ok())
    return fail("cannot commit: " + first_message(committed.errors()));
  return ok_status();
}

Result<std::vector<Prospect>> ConfigStore::list_prospects() {
  std::vector<Prospect> out;
  if (!unreadable_.empty()) return make_error(unreadable_);
  if (!db_ || version_ == 0) return out;
  auto stmt = db_->prepare(
      "SELECT p.id, p.target_id, coalesce(t.name, ''), p.entity_id, p.activate, p.attempts,"
      " p.created FROM NJExchangeProspect AS p LEFT JOIN sync_target AS t ON t.id = p.target_id"
      " ORDER BY p.id");
  if (!stmt.ok()) return stmt.take_errors();
  SqlStatement& s = **stmt;
  for (;;) {
    Result<bool> row = s.step();
    if (!row.ok()) return row.take_errors();
    if (!*row) return out;
    out.push_back(Prospect{s.column_int(0), s.column_text(1), s.column_text(2), s.column_text(3),
                           s.column_int(4) != 0, s.column_int(5), s.column_text(6)});
  }
}

}  // namespace sd
