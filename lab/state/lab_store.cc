#include "lab/state/lab_store.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include "base/digest.h"
#include "base/sql_transaction.h"
#include "base/sqlite_database.h"
#include "base/text_checks.h"
#include "lab/exchange/exchange_admin_rules.h"
#include "lab/state/mailbox_folders.h"

namespace sd::lab {
namespace {

// PRAGMA user_version of a lab state: "LAB" and the schema version (1: before the Exchange
// admin model, migrated when opened; 2: now). A database with tables but another user_version
// belongs to something else and is never touched.
constexpr int64_t kSchemaV1 = 0x4c414201;
constexpr int64_t kSchemaVersion = 0x4c414202;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE lab_hostname (
  position INTEGER NOT NULL PRIMARY KEY,
  name TEXT NOT NULL
) STRICT;
CREATE TABLE lab_policy (
  id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  max_concurrency INTEGER NOT NULL CHECK (max_concurrency > 0),
  burst INTEGER NOT NULL CHECK (burst > 0),
  recharge_per_second INTEGER NOT NULL CHECK (recharge_per_second > 0)
) STRICT;
CREATE TABLE lab_account (
  upn TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  password_salt TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  impersonation TEXT NOT NULL CHECK (impersonation IN ('none', 'all', 'list')),
  throttling TEXT NOT NULL CHECK (throttling IN ('default', 'unlimited'))
) STRICT;
CREATE TABLE lab_mailbox (
  smtp TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  name TEXT NOT NULL
) STRICT;
CREATE TABLE lab_impersonation (
  upn TEXT NOT NULL COLLATE NOCASE REFERENCES lab_account (upn) ON DELETE CASCADE,
  smtp TEXT NOT NULL COLLATE NOCASE REFERENCES lab_mailbox (smtp) ON DELETE CASCADE,
  PRIMARY KEY (upn, smtp)
) STRICT;
CREATE TABLE lab_folder (
  seq INTEGER NOT NULL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  mailbox TEXT NOT NULL COLLATE NOCASE REFERENCES lab_mailbox (smtp) ON DELETE CASCADE,
  change_key TEXT NOT NULL,
  distinguished TEXT NOT NULL,
  display_name TEXT NOT NULL,
  parent_id TEXT NOT NULL,
  folder_class TEXT NOT NULL
) STRICT;
CREATE TABLE lab_contact (
  smtp TEXT NOT NULL PRIMARY KEY COLLATE NOCASE
) STRICT;
)sql";

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    raw = sha256_hex({"fallback-salt"}).substr(0, bytes);  // never expected; still unique per file
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : raw) {
    out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 15]);
    out.push_back(kHex[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

std::string_view scope_text(ImpersonationScope scope) {
  switch (scope) {
    case ImpersonationScope::All:
      return "all";
    case ImpersonationScope::List:
      return "list";
    case ImpersonationScope::None:
      break;
  }
  return "none";
}

}  // namespace

std::string password_hash(std::string_view salt_hex, std::string_view password) {
  return sha256_hex({"lab-password", salt_hex, password});
}

Error LabStore::error(std::string message) const {
  return make_error(std::move(message), Location{db_->path()});
}

Result<std::unique_ptr<LabStore>> LabStore::open(const std::string& path) {
  Result<std::unique_ptr<SqlDatabase>> db = open_sqlite(path, SqlOpenMode::ReadWriteCreate);
  if (!db.ok()) return db.take_errors();
  std::unique_ptr<LabStore> store(new LabStore(std::move(*db)));
  Status schema = store->create_schema();
  if (!schema.ok()) return schema.take_errors();
  Result<std::unique_ptr<SqlStatement>> version = store->db_->prepare("PRAGMA data_version");
  if (!version.ok()) return version.take_errors();
  store->data_version_ = std::move(*version);
  return store;
}

Status LabStore::create_schema() {
  return in_transaction(*db_, [&]() -> Status {
    Result<std::unique_ptr<SqlStatement>> q = db_->prepare(
        "SELECT (SELECT user_version FROM pragma_user_version), "
        "(SELECT count(*) FROM sqlite_schema)");
    if (!q.ok()) return q.take_errors();
    Result<bool> row = (*q)->step();
    if (!row.ok()) return row.take_errors();
    int64_t version = (*q)->column_int(0), tables = (*q)->column_int(1);
    if (version == kSchemaVersion) return ok_status();
    if (version != kSchemaV1 && (tables > 0 || version != 0))
      return error("the file is not a lab state (it is a database of something else)");
    if (version == 0) {
      Status created = db_->exec(kSchema);
      if (!created.ok()) return created;
      Status policy = db_->exec("INSERT INTO lab_policy VALUES (1, 27, 200, 100)");
      if (!policy.ok()) return policy;
    }
    Status migrated = migrate_to_v2();
    if (!migrated.ok()) return migrated;
    return db_->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  });
}

Status LabStore::run(std::string_view sql, std::initializer_list<std::string_view> params) {
  Result<std::unique_ptr<SqlStatement>> stmt = db_->prepare(sql);
  if (!stmt.ok()) return stmt.take_errors();
  int index = 1;
  for (std::string_view p : params) (*stmt)->bind_text(index++, p);
  Result<bool> row = (*stmt)->step();
  if (!row.ok()) return row.take_errors();
  return ok_status();
}

Result<bool> LabStore::exists(std::string_view sql, const std::string& key) {
  Result<std::unique_ptr<SqlStatement>> stmt = db_->prepare(sql);
  if (!stmt.ok()) return stmt.take_errors();
  (*stmt)->bind_text(1, key);
  return (*stmt)->step();
}

Result<bool> LabStore::has_mailboxes() {
  Result<std::unique_ptr<SqlStatement>> stmt = db_->prepare("SELECT 1 FROM lab_mailbox LIMIT 1");
  if (!stmt.ok()) return stmt.take_errors();
  return (*stmt)->step();
}

Result<int64_t> LabStore::data_version() {
  data_version_->reset();
  Result<bool> row = data_version_->step();
  if (!row.ok()) return row.take_errors();
  int64_t version = data_version_->column_int(0);
  data_version_->reset();
  return version;
}

Status LabStore::insert_mailbox(const std::string& smtp, const std::string& name,
                                const std::vector<std::string>& extra_folders) {
  Status mailbox = run("INSERT INTO lab_mailbox (smtp, name) VALUES (?, ?)", {smtp, name});
  if (!mailbox.ok()) return mailbox;
  std::vector<LabFolder> folders = distinguished_folders(smtp);
  // Extra folders sit beside Inbox and Calendar, under the top of the information store.
  std::string top_id;
  for (const LabFolder& f : folders)
    if (f.distinguished == "msgfolderroot") top_id = f.id;
  for (const std::string& extra : extra_folders)
    folders.push_back(custom_folder(smtp, top_id, extra, "IPF.Note"));
  for (const LabFolder& f : folders) {
    Status inserted = insert_folder(smtp, f);
    if (!inserted.ok()) return inserted;
  }
  return ok_status();
}

Status LabStore::insert_folder(const std::string& smtp, const LabFolder& f) {
  return run(
      "INSERT INTO lab_folder (id, mailbox, change_key, distinguished, display_name, parent_id, "
      "folder_class) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {f.id, smtp, f.change_key, f.distinguished, f.display_name, f.parent_id, f.folder_class});
}

Status LabStore::write_impersonation(const std::string& upn, ImpersonationScope scope,
                                     const std::vector<std::string>& mailboxes) {
  Status cleared = run("DELETE FROM lab_impersonation WHERE upn = ?", {upn});
  if (!cleared.ok()) return cleared;
  Status set =
      run("UPDATE lab_account SET impersonation = ? WHERE upn = ?", {scope_text(scope), upn});
  if (!set.ok()) return set;
  for (const std::string& smtp : mailboxes) {
    Result<bool> known = exists("SELECT 1 FROM lab_mailbox WHERE smtp = ?", smtp);
    if (!known.ok()) return known.take_errors();
    if (!*known) return error(fmt::format("no mailbox {} in the lab", printable(smtp)));
    Status added =
        run("INSERT OR IGNORE INTO lab_impersonation (upn, smtp) VALUES (?, ?)", {upn, smtp});
    if (!added.ok()) return added;
  }
  return ok_status();
}

Status LabStore::import_directory(const LabDirectory& d) {
  return in_transaction(*db_, [&]() -> Status {
    for (size_t i = 0; i < d.hostnames.size(); ++i) {
      Status s = run("INSERT INTO lab_hostname (position, name) VALUES (?, ?)",
                     {std::to_string(i), d.hostnames[i]});
      if (!s.ok()) return s;
    }
    Status policy =
        run("UPDATE lab_policy SET max_concurrency = ?, burst = ?, recharge_per_second = ?",
            {std::to_string(d.throttling.max_concurrency.value_or(27)),
             std::to_string(d.throttling.burst), std::to_string(d.throttling.recharge_per_second)});
    if (!policy.ok()) return policy;
    for (const DirectoryMailbox& m : d.mailboxes) {
      Status s = insert_mailbox(m.smtp, m.name, m.folders);
      if (!s.ok()) return s;
    }
    for (const std::string& c : d.contacts) {
      Status s = run("INSERT INTO lab_contact (smtp) VALUES (?)", {c});
      if (!s.ok()) return s;
    }
    for (const DirectoryAccount& a : d.accounts) {
      std::string salt = random_hex(16);
      Status s =
          run("INSERT INTO lab_account (upn, password_salt, password_hash, impersonation, "
              "throttling) VALUES (?, ?, ?, 'none', ?)",
              {a.upn, salt, password_hash(salt, a.password),
               a.throttling_unlimited ? "unlimited" : "default"});
      if (!s.ok()) return s;
      s = write_impersonation(a.upn, a.impersonation, a.impersonation_mailboxes);
      if (!s.ok()) return s;
      s = run("UPDATE lab_account SET management = ? WHERE upn = ?",
              {a.management ? "1" : "0", a.upn});
      if (!s.ok()) return s;
    }
    return write_directory_admin(d);
  });
}

Result<LabContents> LabStore::load() {
  LabContents out;
  // One read transaction, so that an admin command's commit is seen whole or not at all. A
  // deferred BEGIN, not an SqlTransaction: a reader must not take the write lock. Every step
  // runs (no early return), so the rollback below always ends it.
  Status begun = db_->exec("BEGIN");
  if (!begun.ok()) return begun.take_errors();
  auto query = [&](std::string_view sql, auto&& each) -> Status {
    Result<std::unique_ptr<SqlStatement>> stmt = db_->prepare(sql);
    if (!stmt.ok()) return stmt.take_errors();
    for (;;) {
      Result<bool> row = (*stmt)->step();
      if (!row.ok()) return row.take_errors();
      if (!*row) return ok_status();
      each(**stmt);
    }
  };
  std::vector<Status> steps;
  steps.push_back(query("SELECT name FROM lab_hostname ORDER BY position",
                        [&](SqlStatement& s) { out.hostnames.push_back(s.column_text(0)); }));
  steps.push_back(query(
      "SELECT max_concurrency, burst, recharge_per_second FROM lab_policy", [&](SqlStatement& s) {
        out.throttling.max_concurrency = static_cast<unsigned>(s.column_int(0));
        out.throttling.burst = static_cast<unsigned>(s.column_int(1));
        out.throttling.recharge_per_second = static_cast<unsigned>(s.column_int(2));
      }));
  steps.push_back(
      query("SELECT upn, password_salt, password_hash, impersonation, throttling, management "
            "FROM lab_account ORDER BY upn",
            [&](SqlStatement& s) {
              StoredAccount a;
              a.upn = s.column_text(0);
              a.password_salt = s.column_text(1);
              a.password_hash = s.column_text(2);
              std::string scope = s.column_text(3);
              a.impersonation = scope == "all"    ? ImpersonationScope::All
                                : scope == "list" ? ImpersonationScope::List
                                                  : ImpersonationScope::None;
              a.throttling_unlimited = s.column_text(4) == "unlimited";
              a.management = s.column_int(5) != 0;
              out.accounts.push_back(std::move(a));
            }));
  steps.push_back(
      query("SELECT upn, smtp FROM lab_impersonation ORDER BY upn, smtp", [&](SqlStatement& s) {
        std::string upn = s.column_text(0);
        for (StoredAccount& a : out.accounts)
          if (iequals(a.upn, upn)) a.impersonation_mailboxes.push_back(s.column_text(1));
      }));
  steps.push_back(query("SELECT smtp, name FROM lab_mailbox ORDER BY smtp", [&](SqlStatement& s) {
    out.mailboxes.push_back(StoredMailbox{s.column_text(0), s.column_text(1), {}});
  }));
  size_t cursor = 0;  // folders come ordered by mailbox, like the mailboxes
  steps.push_back(query(
      "SELECT mailbox, id, change_key, distinguished, display_name, parent_id, folder_class "
      "FROM lab_folder ORDER BY mailbox COLLATE NOCASE, seq",
      [&](SqlStatement& s) {
        std::string mailbox = s.column_text(0);
        while (cursor < out.mailboxes.size() && !iequals(out.mailboxes[cursor].smtp, mailbox))
          ++cursor;
        if (cursor == out.mailboxes.size()) return;
        out.mailboxes[cursor].folders.push_back(LabFolder{s.column_text(1), s.column_text(2),
                                                          s.column_text(3), s.column_text(4),
                                                          s.column_text(5), s.column_text(6)});
      }));
  steps.push_back(query("SELECT smtp FROM lab_contact ORDER BY smtp",
                        [&](SqlStatement& s) { out.contacts.push_back(s.column_text(0)); }));
  steps.push_back(load_admin(out));
  db_->rollback();  // nothing was written; this only ends the read transaction
  for (Status& s : steps)
    if (!s.ok()) return s.take_errors();
  return out;
}

Status LabStore::set_impersonation(const std::string& upn, ImpersonationScope scope,
                                   const std::vector<std::string>& mailboxes) {
  return in_transaction(*db_, [&]() -> Status {
    Result<bool> known = exists("SELECT 1 FROM lab_account WHERE upn = ?", upn);
    if (!known.ok()) return known.take_errors();
    if (!*known) return error(fmt::format("no account {} in the lab", printable(upn)));
    return write_impersonation(upn, scope, mailboxes);
  });
}

Status LabStore::set_throttling_unlimited(const std::string& upn, bool unlimited) {
  return in_transaction(*db_, [&]() -> Status {
    Result<bool> known = exists("SELECT 1 FROM lab_account WHERE upn = ?", upn);
    if (!known.ok()) return known.take_errors();
    if (!*known) return error(fmt::format("no account {} in the lab", printable(upn)));
    return run("UPDATE lab_account SET throttling = ? WHERE upn = ?",
               {unlimited ? "unlimited" : "default", upn});
  });
}

Status LabStore::add_mailbox(const std::string& smtp, const std::string& name) {
  return in_transaction(*db_, [&]() -> Status {
    Result<bool> known = exists(
        "SELECT 1 FROM lab_mailbox WHERE smtp = ?1 UNION SELECT 1 FROM lab_contact WHERE smtp = ?1",
        smtp);
    if (!known.ok()) return known.take_errors();
    if (*known) return error(fmt::format("the address {} is already in the lab", printable(smtp)));
    Status inserted = insert_mailbox(smtp, name, {});
    if (!inserted.ok()) return inserted;
    Result<bool> account = exists("SELECT 1 FROM lab_recipient WHERE smtp = ?", smtp);
    if (!account.ok()) return account.take_errors();
    if (*account) return ok_status();  // an account's recipient: it now has its folders
    Result<AdminObjects> admin = read_admin_objects();
    if (!admin.ok()) return admin.take_errors();
    Result<std::string> alias = unique_alias(smtp.substr(0, smtp.find('@')));
    if (!alias.ok()) return alias.take_errors();
    std::string database = admin->databases.empty() ? "DB01" : admin->databases[0].name;
    return insert_recipient(make_recipient(name, *alias, smtp, smtp, database, admin->domain));
  });
}

Status LabStore::remove_mailbox(const std::string& smtp) {
  return in_transaction(*db_, [&]() -> Status {
    Result<bool> known = exists("SELECT 1 FROM lab_mailbox WHERE smtp = ?", smtp);
    if (!known.ok()) return known.take_errors();
    if (!*known) return error(fmt::format("no mailbox {} in the lab", printable(smtp)));
    Status removed = run("DELETE FROM lab_mailbox WHERE smtp = ?", {smtp});
    if (!removed.ok()) return removed;
    // An account stays a recipient; a mailbox alone is gone.
    return run(
        "DELETE FROM lab_recipient WHERE smtp = ?1 AND NOT EXISTS "
        "(SELECT 1 FROM lab_account WHERE upn = ?1)",
        {smtp});
  });
}

}  // namespace sd::lab

namespace sd::lab {

Status LabStore::new_mailbox(const std::string& name, const std::string& alias,
                             const std::string& upn, const std::string& password) {
  Status done = in_transaction(*db_, [&]() -> Status {
    Result<AdminObjects> admin = read_admin_objects();
    if (!admin.ok()) return admin.take_errors();
    Result<std::vector<LabRecipient>> recipients = read_recipients(*admin);
    if (!recipients.ok()) return recipients.take_errors();
    for (const LabRecipient& r : *recipients) {
      if (iequals(r.name, name)) return make_error(already_exists_message(name));
      if (iequals(r.alias, alias)) return make_error(already_exists_message(alias));
      if (iequals(r.upn, upn) || iequals(r.primary_smtp, upn))
        return make_error(already_exists_message(upn));
    }
    Result<bool> taken = exists(
        "SELECT 1 FROM lab_mailbox WHERE smtp = ?1 UNION SELECT 1 FROM lab_contact WHERE smtp = ?1 "
        "UNION SELECT 1 FROM lab_account WHERE upn = ?1",
        upn);
    if (!taken.ok()) return taken.take_errors();
    if (*taken) return make_error(already_exists_message(upn));
    std::string salt = random_hex(16);
    Status s = run(
        "INSERT INTO lab_account (upn, password_salt, password_hash, impersonation, throttling) "
        "VALUES (?, ?, ?, 'none', 'default')",
        {upn, salt, password_hash(salt, password)});
    if (!s.ok()) return s;
    s = insert_mailbox(upn, name, {});
    if (!s.ok()) return s;
    std::string database = admin->databases.empty() ? "DB01" : admin->databases[0].name;
    return insert_recipient(make_recipient(name, alias, upn, upn, database, admin->domain));
  });
  return done;
}

}  // namespace sd::lab
