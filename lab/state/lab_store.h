// The lab's state on disk, through the SQL seam (base/sql.h): a directory file's contents plus
// the folders created since, the impersonation rights and throttling associations set by admin
// commands. Not thread-safe: LabState serializes its use. Every write is one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/sql.h"
#include "lab/state/lab_directory.h"
#include "lab/state/lab_state.h"

namespace sd::lab {

struct StoredAccount {
  std::string upn;
  std::string password_salt, password_hash;  // hex; see password_hash()
  ImpersonationScope impersonation = ImpersonationScope::None;
  std::vector<std::string> impersonation_mailboxes;
  bool throttling_unlimited = false;
  bool management = false;
};

struct StoredMailbox {
  std::string smtp, name;
  std::vector<LabFolder> folders;  // in creation order, msgfolderroot first
};

struct LabContents {
  std::vector<std::string> hostnames;
  std::vector<StoredAccount> accounts;
  std::vector<StoredMailbox> mailboxes;
  std::vector<std::string> contacts;
  ThrottlingPolicy throttling;
  AdminObjects admin;                    // version, domain, servers, ... (exchange_admin_rules.h)
  std::vector<LabRecipient> recipients;  // every mailbox's and account's, by address
};

// Salted SHA-256 (hex) of a password: the state file never holds the password itself.
[[nodiscard]] std::string password_hash(std::string_view salt_hex, std::string_view password);

class LabStore {
 public:
  // Opens or creates the state file. Error when it is a database of something else.
  [[nodiscard]] static Result<std::unique_ptr<LabStore>> open(const std::string& path);

  [[nodiscard]] const std::string& path() const { return db_->path(); }
  [[nodiscard]] Result<bool> has_mailboxes();
  // Writes the whole directory (mailboxes get their distinguished folders) in one transaction.
  [[nodiscard]] Status import_directory(const LabDirectory& directory);
  [[nodiscard]] Result<LabContents> load();
  // Changes when another connection commits (PRAGMA data_version); cheap.
  [[nodiscard]] Result<int64_t> data_version();

  [[nodiscard]] Status insert_folder(const std::string& smtp, const LabFolder& folder);
  // Errors name the account or mailbox that does not exist.
  [[nodiscard]] Status set_impersonation(const std::string& upn, ImpersonationScope scope,
                                         const std::vector<std::string>& mailboxes);
  [[nodiscard]] Status set_throttling_unlimited(const std::string& upn, bool unlimited);
  [[nodiscard]] Status add_mailbox(const std::string& smtp, const std::string& name);
  [[nodiscard]] Status remove_mailbox(const std::string& smtp);

  // Exchange admin (lab_store_admin.cc). `change` runs on the admin objects and recipients as
  // committed now, inside the write transaction, and the objects are written back when it
  // succeeds: concurrent admin commands never lose each other's changes. Its errors are
  // returned as they are (PowerShell's messages, no location).
  using AdminChange = std::function<Status(AdminObjects&, const std::vector<LabRecipient>&)>;
  [[nodiscard]] Status update_admin(const AdminChange& change);
  // An account that can log in, its recipient and its mailbox (with distinguished folders).
  [[nodiscard]] Status new_mailbox(const std::string& name, const std::string& alias,
                                   const std::string& upn, const std::string& password);

 private:
  explicit LabStore(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {}
  [[nodiscard]] Status create_schema();
  // Schema 1 (before the admin model) to 2: the admin tables, defaults from what is there.
  [[nodiscard]] Status migrate_to_v2();
  [[nodiscard]] Status write_directory_admin(const LabDirectory& directory);
  [[nodiscard]] Status load_admin(LabContents& out);
  [[nodiscard]] Result<AdminObjects> read_admin_objects();
  [[nodiscard]] Result<std::vector<LabRecipient>> read_recipients(const AdminObjects& admin);
  [[nodiscard]] Status write_admin_objects(const AdminObjects& admin);
  [[nodiscard]] Status insert_recipient(const LabRecipient& recipient);
  // `base`, or base2, base3, ... : the first alias no recipient has.
  [[nodiscard]] Result<std::string> unique_alias(const std::string& base);
  [[nodiscard]] Status insert_mailbox(const std::string& smtp, const std::string& name,
                                      const std::vector<std::string>& extra_folders);
  [[nodiscard]] Status write_impersonation(const std::string& upn, ImpersonationScope scope,
                                           const std::vector<std::string>& mailboxes);
  [[nodiscard]] Result<bool> exists(std::string_view sql, const std::string& key);
  // Runs `sql` with text parameters, for statements that return no rows.
  [[nodiscard]] Status run(std::string_view sql, std::initializer_list<std::string_view> params);
  [[nodiscard]] Error error(std::string message) const;

  std::unique_ptr<SqlDatabase> db_;
  std::unique_ptr<SqlStatement> data_version_;
};

}  // namespace sd::lab
