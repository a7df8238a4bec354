#include "runtime/journal.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "base/sql_transaction.h"

namespace sd {
namespace {

constexpr int64_t kSchemaVersion = 1;

// Version 1. Table names carry a prefix so that a journal pointed at another store's file
// cannot collide with that store's tables. Schema: docs/journal-format.md.
constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE journal_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment TEXT NOT NULL,
  plan_id TEXT NOT NULL,
  spec_digest TEXT NOT NULL,
  holder TEXT NOT NULL,
  started TEXT NOT NULL,
  finished TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'partial', 'interrupted')),
  resumed_by INTEGER REFERENCES journal_runs(id),
  action_count INTEGER NOT NULL,
  actions TEXT NOT NULL
);
CREATE INDEX journal_runs_by_status ON journal_runs(deployment, status);
CREATE TABLE journal_batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run INTEGER NOT NULL REFERENCES journal_runs(id),
  system TEXT NOT NULL,
  actions TEXT NOT NULL,
  action_count INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('intent', 'done')),
  started TEXT NOT NULL,
  finished TEXT
);
CREATE INDEX journal_batches_by_run ON journal_batches(run, state);
CREATE TABLE journal_exceptions (
  run INTEGER NOT NULL REFERENCES journal_runs(id),
  action INTEGER NOT NULL,
  batch INTEGER REFERENCES journal_batches(id),
  outcome TEXT NOT NULL CHECK (outcome IN ('already done', 'failed', 'skipped', 'refused')),
  error TEXT NOT NULL,
  PRIMARY KEY (run, action)
);
CREATE TABLE apply_leases (
  deployment TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  holder TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started TEXT NOT NULL,
  expires TEXT NOT NULL
);
)sql";

// Migrations in order: kJournalMigrations[i] takes the journal from version i to i + 1.
constexpr std::string_view kJournalMigrations[] = {kMigration1};
static_assert(std::size(kJournalMigrations) == kSchemaVersion);

Error journal_error(const SqlDatabase& db, std::string message) {
  return make_error(std::move(message), Location{db.path(), 0, 0});
}

// Runs a statement that returns no rows, with text or integer parameters.
Status run_journal_statement(SqlStatement& stmt) {
  Result<bool> stepped = stmt.step();
  if (!stepped.ok()) return stepped.take_errors();
  return ok_status();
}

// "0-9999,10002": consecutive ascending indices as one range, so a batch of 300,000
// consecutive actions is a dozen bytes. Order is kept.
std::string encode_ranges(std::span<const uint32_t> actions) {
  std::string out;
  size_t i = 0;
  while (i < actions.size()) {
    size_t j = i;
    while (j + 1 < actions.size() && uint64_t{actions[j + 1]} == uint64_t{actions[j]} + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(actions[i]);
    if (j > i) out.append("-").append(std::to_string(actions[j]));
    i = j + 1;
  }
  return out;
}

// memchr, not a loop per byte: the list of 300,000 actions is 12 MB.
size_t count_lines(std::string_view text) {
  size_t lines = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const void* found = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (!found) break;
    ++lines;
    p = static_cast<const char*>(found) + 1;
  }
  return lines;
}

struct Range {
  uint32_t first = 0;
  uint32_t last = 0;
};

// The inverse of encode_ranges, sorted by first; nullopt when the text is not ranges.
std::optional<std::vector<Range>> decode_ranges(std::string_view text) {
  std::vector<Range> out;
  auto number = [&](size_t& pos, uint32_t& value) {
    size_t start = pos;
    uint64_t v = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && v <= UINT32_MAX)
      v = v * 10 + static_cast<uint64_t>(text[pos++] - '0');
    value = static_cast<uint32_t>(v);
    return pos > start && v <= UINT32_MAX;
  };
  size_t pos = 0;
  while (pos < text.size()) {
    Range r;
    if (!number(pos, r.first)) return std::nullopt;
    r.last = r.first;
    if (pos < text.size() && text[pos] == '-' && (++pos, !number(pos, r.last))) return std::nullopt;
    if (r.last < r.first) return std::nullopt;
    out.push_back(r);
    if (pos < text.size() && text[pos++] != ',') return std::nullopt;
  }
  std::sort(out.begin(), out.end(), [](Range a, Range b) { return a.first < b.first; });
  return out;
}

bool in_ranges(const std::vector<Range>& ranges, uint32_t action) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), action,
                             [](uint32_t a, Range r) { return a < r.first; });
  return it != ranges.begin() && std::prev(it)->last >= action;
}

class SqlJournal : public Journal {
 public:
  SqlJournal(SqlDatabase& db, WallClock clock) : db_(db), clock_(std::move(clock)) {}

  Result<int64_t> begin_run(const RunStart& run) override {
    // One line per action: a count that disagrees would make every index meaningless.
    size_t lines = count_lines(run.actions);
    if (lines != run.action_count)
      return journal_error(db_, "journal: the action list has " + std::to_string(lines) +
                                    " lines but action_count is " +
                                    std::to_string(run.action_count));
    return in_transaction(db_, [&]() -> Result<int64_t> {
      auto stmt = db_.prepare(
          "INSERT INTO journal_runs (deployment, plan_id, spec_digest, holder, started, status, "
          "action_count, actions) VALUES (?, ?, ?, ?, ?, 'running', ?, ?) RETURNING id");
      if (!stmt.ok()) return stmt.take_errors();
      SqlStatement& s = **stmt;
      s.bind_text(1, run.deployment);
      s.bind_text(2, run.plan_id);
      s.bind_text(3, run.spec_digest);
      s.bind_text(4, run.holder);
      s.bind_text(5, now());
      s.bind_int(6, static_cast<int64_t>(run.action_count));
      s.bind_text(7, run.actions);  // one value: a 12 MB list is one copy, not 300,000 rows
      return single_int(s);
    });
  }

  Result<int64_t> record_intent(int64_t run, std::span<const uint32_t> actions,
                                std::string_view system) override {
    if (actions.empty()) return journal_error(db_, "journal: a batch needs at least one action");
    if (!distinct(actions))
      return journal_error(db_, "journal: a batch lists the same action twice");
    return in_transaction(db_, [&]() -> Result<int64_t> {
      Result<int64_t> count = running_run_actions(run);
      if (!count.ok()) return count;
      // The largest index is the only one that can be out of range.
      uint32_t largest = *std::max_element(actions.begin(), actions.end());
      if (Status in = check_index(run, largest, *count); !in.ok()) return in.take_errors();
      auto stmt = db_.prepare(
          "INSERT INTO journal_batches (run, system, actions, action_count, state, started) "
          "VALUES (?, ?, ?, ?, 'intent', ?) RETURNING id");
      if (!stmt.ok()) return stmt.take_errors();
      SqlStatement& s = **stmt;
      s.bind_int(1, run);
      s.bind_text(2, system);
      s.bind_text(3, encode_ranges(actions));
      s.bind_int(4, static_cast<int64_t>(actions.size()));
      s.bind_text(5, now());
      return single_int(s);
    });
  }

  Status record_outcome(int64_t run, int64_t batch,
                        std::span<const ActionOutcome> exceptions) override {
    return in_transaction(db_, [&]() -> Status {
      if (Result<int64_t> count = running_run_actions(run); !count.ok()) return count.take_errors();
      auto read =
          db_.prepare("SELECT state, actions FROM journal_batches WHERE id = ? AND run = ?");
      if (!read.ok()) return read.take_errors();
      (*read)->bind_int(1, batch);
      (*read)->bind_int(2, run);
      Result<bool> found = (*read)->step();
      if (!found.ok()) return found.take_errors();
      std::string where = "batch " + std::to_string(batch) + " of run " + std::to_string(run);
      if (!*found) return journal_error(db_, "journal: there is no " + where);
      if ((*read)->column_text(0) != "intent")
        return journal_error(db_, "journal: " + where + " already has its outcome");
      auto ranges = decode_ranges((*read)->column_text(1));
      (*read)->reset();
      if (!ranges) return journal_error(db_, "journal: " + where + " has unreadable actions");
      for (const ActionOutcome& e : exceptions) {
        if (e.outcome == Outcome::Done)
          return journal_error(db_, "journal: action " + std::to_string(e.action) +
                                        " is listed as an exception but its outcome is done");
        if (!in_ranges(*ranges, e.action))
          return journal_error(
              db_, "journal: action " + std::to_string(e.action) + " is not in " + where);
      }
      if (Status saved = insert_exceptions(run, batch, exceptions); !saved.ok()) return saved;
      auto done = db_.prepare(
          "UPDATE journal_batches SET state = 'done', finished = ? WHERE id = ? AND run = ?");
      if (!done.ok()) return done.take_errors();
      (*done)->bind_text(1, now());
      (*done)->bind_int(2, batch);
      (*done)->bind_int(3, run);
      return run_journal_statement(**done);
    });
  }

  Status record_not_attempted(int64_t run, std::span<const ActionOutcome> outcomes) override {
    return in_transaction(db_, [&]() -> Status {
      Result<int64_t> count = running_run_actions(run);
      if (!count.ok()) return count.take_errors();
      for (const ActionOutcome& o : outcomes) {
        if (o.outcome == Outcome::Done)
          return journal_error(db_, "journal: action " + std::to_string(o.action) +
                                        " is done; done actions are recorded with their batch");
        if (Status in = check_index(run, o.action, *count); !in.ok()) return in;
      }
      return insert_exceptions(run, std::nullopt, outcomes);
    });
  }

  Status finish_run(int64_t run, std::string_view status) override {
    if (status != "done" && status != "partial")
      return journal_error(
          db_, "journal: a run ends as done or partial, not '" + std::string(status) + "'");
    return in_transaction(db_, [&]() -> Status {
      if (Result<int64_t> count = running_run_actions(run); !count.ok()) return count.take_errors();
      auto stmt = db_.prepare("UPDATE journal_runs SET status = ?, finished = ? WHERE id = ?");
      if (!stmt.ok()) return stmt.take_errors();
      (*stmt)->bind_text(1, status);
      (*stmt)->bind_text(2, now());
      (*stmt)->bind_int(3, run);
      return run_journal_statement(**stmt);
    });
  }

  Result<std::vector<InterruptedRun>> interrupted_runs(std::string_view deployment,
                                                       int64_t except) override {
    // Counts come from the batches' action_count columns: no range text is parsed.
    auto stmt = db_.prepare(
        "SELECT r.id, r.plan_id, r.started, r.holder, r.action_count, "
        "  (SELECT coalesce(sum(b.action_count), 0) FROM journal_batches b "
        "   WHERE b.run = r.id AND b.state = 'done'), "
        "  (SELECT coalesce(sum(b.action_count), 0) FROM journal_batches b "
        "   WHERE b.run = r.id AND b.state = 'intent') "
        "FROM journal_runs r WHERE r.deployment = ? AND r.status = 'running' AND r.id <> ? "
        "ORDER BY r.id");
    if (!stmt.ok()) return stmt.take_errors();
    SqlStatement& s = **stmt;
    s.bind_text(1, deployment);
    s.bind_int(2, except);
    std::vector<InterruptedRun> out;
    for (;;) {
      Result<bool> row = s.step();
      if (!row.ok()) return row.take_errors();
      if (!*row) break;
      InterruptedRun r;
      r.id = s.column_int(0);
      r.plan_id = s.column_text(1);
      r.started = s.column_text(2);
      r.holder = s.column_text(3);
      r.action_count = static_cast<size_t>(s.column_int(4));
      r.finished = static_cast<size_t>(s.column_int(5));
      r.in_flight = static_cast<size_t>(s.column_int(6));
      out.push_back(std::move(r));
    }
    return out;
  }

  Status close_interrupted(std::span<const int64_t> runs, int64_t by) override {
    return in_transaction(db_, [&]() -> Status {
      auto stmt = db_.prepare(
          "UPDATE journal_runs SET status = 'interrupted', resumed_by = ? WHERE id = ?");
      if (!stmt.ok()) return stmt.take_errors();
      for (int64_t run : runs) {
        // Only a run still 'running' was interrupted; closing another is a caller's mistake.
        if (Result<int64_t> count = running_run_actions(run); !count.ok())
          return count.take_errors();
        (*stmt)->reset();
        (*stmt)->bind_int(1, by);
        (*stmt)->bind_int(2, run);
        if (Status done = run_journal_statement(**stmt); !done.ok()) return done;
      }
      return ok_status();
    });
  }

 private:
  std::string now() const { return format_utc(clock_()); }

  static Result<int64_t> single_int(SqlStatement& s) {
    Result<bool> row = s.step();
    if (!row.ok()) return row.take_errors();
    int64_t value = s.column_int(0);
    // Steps to the end so that an INSERT ... RETURNING completes its statement.
    Result<bool> end = s.step();
    if (!end.ok()) return end.take_errors();
    return value;
  }

  // A batch's indices must be distinct for its count to mean anything; sorted input (the
  // usual case) is checked without a copy.
  static bool distinct(std::span<const uint32_t> actions) {
    if (std::adjacent_find(actions.begin(), actions.end(), std::greater_equal<>()) == actions.end())
      return true;
    std::vector<uint32_t> sorted(actions.begin(), actions.end());
    std::sort(sorted.begin(), sorted.end());
    return std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end();
  }

  // The run's action count, or an error when it does not exist or is no longer running.
  Result<int64_t> running_run_actions(int64_t run) {
    auto stmt = db_.prepare("SELECT status, action_count FROM journal_runs WHERE id = ?");
    if (!stmt.ok()) return stmt.take_errors();
    (*stmt)->bind_int(1, run);
    Result<bool> found = (*stmt)->step();
    if (!found.ok()) return found.take_errors();
    if (!*found) return journal_error(db_, "journal: there is no run " + std::to_string(run));
    std::string status = (*stmt)->column_text(0);
    if (status != "running")
      return journal_error(
          db_, "journal: run " + std::to_string(run) + " is " + status + ", not running");
    return (*stmt)->column_int(1);
  }

  Status check_index(int64_t run, uint32_t action, int64_t count) {
    if (int64_t{action} < count) return ok_status();
    return journal_error(db_, "journal: action " + std::to_string(action) + " is not in run " +
                                  std::to_string(run) + " (" + std::to_string(count) + " actions)");
  }

  Status insert_exceptions(int64_t run, std::optional<int64_t> batch,
                           std::span<const ActionOutcome> outcomes) {
    if (outcomes.empty()) return ok_status();
    auto stmt = db_.prepare(
        "INSERT INTO journal_exceptions (run, action, batch, outcome, error) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.take_errors();
    SqlStatement& s = **stmt;
    for (const ActionOutcome& o : outcomes) {
      s.reset();
      s.bind_int(1, run);
      s.bind_int(2, o.action);
      if (batch)
        s.bind_int(3, *batch);
      else
        s.bind_null(3);
      s.bind_text(4, to_string(o.outcome));
      s.bind_text(5, o.error);
      Result<bool> stepped = s.step();
      // The primary key refuses a second outcome for one action; say which one.
      if (!stepped.ok())
        return journal_error(db_, "journal: cannot record the outcome of action " +
                                      std::to_string(o.action) + " of run " + std::to_string(run) +
                                      ": " + stepped.errors().front().message);
    }
    return ok_status();
  }

  SqlDatabase& db_;
  WallClock clock_;
};

Result<int64_t> read_version(SqlDatabase& db) {
  auto exists = db.prepare(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'journal_version'");
  if (!exists.ok()) return exists.take_errors();
  Result<bool> row = (*exists)->step();
  if (!row.ok()) return row.take_errors();
  if ((*exists)->column_int(0) == 0) return int64_t{0};
  auto version = db.prepare("SELECT coalesce(max(version), 0) FROM journal_version");
  if (!version.ok()) return version.take_errors();
  row = (*version)->step();
  if (!row.ok()) return row.take_errors();
  return (*version)->column_int(0);
}

Status check_known(SqlDatabase& db, int64_t version) {
  if (version <= kSchemaVersion) return ok_status();
  return journal_error(db, "the journal has schema version " + std::to_string(version) +
                               "; this syncdeploy knows up to version " +
                               std::to_string(kSchemaVersion) + ": use a newer syncdeploy");
}

// Brings the journal to kSchemaVersion in one transaction. Read first without a write lock,
// so an up-to-date journal (the usual case) is opened without writing.
Status migrate(SqlDatabase& db, const WallClock& clock) {
  Result<int64_t> seen = read_version(db);
  if (!seen.ok()) return seen.take_errors();
  if (Status known = check_known(db, *seen); !known.ok() || *seen == kSchemaVersion) return known;
  return in_transaction(db, [&]() -> Status {
    // Again under the write lock: another process may have migrated meanwhile.
    Result<int64_t> version = read_version(db);
    if (!version.ok()) return version.take_errors();
    if (Status known = check_known(db, *version); !known.ok()) return known;
    if (*version == 0) {
      Status created = db.exec(
          "CREATE TABLE journal_version (version INTEGER PRIMARY KEY, migrated TEXT NOT NULL)");
      if (!created.ok()) return created;
    }
    for (int64_t v = *version; v < kSchemaVersion; ++v) {
      if (Status applied = db.exec(kJournalMigrations[v]); !applied.ok()) return applied;
      auto mark = db.prepare("INSERT INTO journal_version (version, migrated) VALUES (?, ?)");
      if (!mark.ok()) return mark.take_errors();
      (*mark)->bind_int(1, v + 1);
      (*mark)->bind_text(2, format_utc(clock()));
      if (Status marked = run_journal_statement(**mark); !marked.ok()) return marked;
    }
    return ok_status();
  });
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Done:
      return "done";
    case Outcome::AlreadyDone:
      return "already done";
    case Outcome::Failed:
      return "failed";
    case Outcome::Skipped:
      return "skipped";
    case Outcome::Refused:
      return "refused";
  }
  return "unknown";
}

Result<std::unique_ptr<Journal>> open_journal(SqlDatabase& db, WallClock clock) {
  if (!clock) clock = system_clock_seconds;
  if (Status migrated = migrate(db, clock); !migrated.ok()) return migrated.take_errors();
  return std::unique_ptr<Journal>(std::make_unique<SqlJournal>(db, std::move(clock)));
}

Result<bool> deployment_applied(SqlDatabase& db, std::string_view deployment) {
  Result<int64_t> version = read_version(db);
  if (!version.ok()) return version.take_errors();
  if (*version == 0) return false;
  auto stmt =
      db.prepare("SELECT count(*) FROM journal_runs WHERE deployment = ? AND status <> 'running'");
  if (!stmt.ok()) return stmt.take_errors();
  (*stmt)->bind_text(1, deployment);
  Result<bool> row = (*stmt)->step();
  if (!row.ok()) return row.take_errors();
  return *row && (*stmt)->column_int(0) > 0;
}

std::string default_journal_path(const std::string& store_path) {
  return store_path + ".journal.db";
}

}  // namespace sd
