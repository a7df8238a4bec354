// What the lab's Exchange holds, kept in SQLite so that it survives restarts: accounts (who may
// log in, who may impersonate which mailboxes, which throttling applies), mailboxes and their
// folders. Loaded from a directory file the first time:
//
//   hostnames: [exch01.example.local, crm.example.local]   # the server certificate's names
//   accounts:
//     - upn: nexj-sync@example.local       # logs in with HTTP Basic as this UPN (or DOMAIN\name)
//       password: lab-only-secret
//       impersonation: all                 # all | none | [smtp, ...]   (default none)
//       throttling: default                # default | unlimited        (default default)
//   mailboxes:
//     - smtp: jsmith@example.com           # distinguished folders are created for every mailbox
//       name: John Smith
//       folders: [CRM Sync]                # optional extra folders under msgfolderroot
//   contacts: [ext@partner.com]            # addresses ResolveNames knows that have no mailbox
//   throttling:                            # the default policy (Exchange 2013+ style)
//     maxConcurrency: 27                   # per account, requests in flight
//     burst: 200                           # requests an account may make before it is throttled
//     rechargePerSecond: 100               # requests per second the budget refills
//
// Folder ids look like Exchange's (base64 "AAMkA..." of the mailbox and folder, stable) and a
// ChangeKey. Thread-safe: every member may be called from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/error.h"

namespace sd::lab {

struct LabFolder {
  std::string id, change_key;
  std::string distinguished;  // "calendar", ... or "" for a custom folder
  std::string display_name;
  std::string parent_id;     // "" for msgfolderroot
  std::string folder_class;  // IPF.Appointment, IPF.Task, IPF.Contact, IPF.Note
};

struct ThrottlingPolicy {
  unsigned max_concurrency = 27;
  unsigned burst = 200;
  unsigned recharge_per_second = 100;
};

class LabState {
 public:
  // Opens `state_file` (creating it), and loads `directory_file` into it when the state holds
  // no mailboxes yet. `directory_file` may be empty when the state exists.
  [[nodiscard]] static Result<std::unique_ptr<LabState>> open(const std::string& state_file,
                                                              const std::string& directory_file);
  virtual ~LabState() = default;

  [[nodiscard]] virtual std::vector<std::string> hostnames() const = 0;

  // Picks up what other processes (the admin commands) committed to the state file since the
  // last look; one cheap check (PRAGMA data_version) when nothing changed. The other members
  // read an in-memory copy only; the server calls this once per request.
  virtual void refresh() = 0;

  // The account's UPN when `user` (UPN, or DOMAIN\name matching the UPN's local part) and
  // `password` match; nullopt otherwise.
  [[nodiscard]] virtual std::optional<std::string> authenticate(
      const std::string& user, const std::string& password) const = 0;
  // Addresses compare without case. A known address is a mailbox or a contact.
  [[nodiscard]] virtual bool has_mailbox(const std::string& smtp) const = 0;
  [[nodiscard]] virtual bool is_known_address(const std::string& smtp) const = 0;
  [[nodiscard]] virtual std::string display_name(const std::string& smtp) const = 0;
  [[nodiscard]] virtual bool may_impersonate(const std::string& account_upn,
                                             const std::string& smtp) const = 0;
  // nullopt: throttling lifted for this account (an unlimited policy is associated).
  [[nodiscard]] virtual std::optional<ThrottlingPolicy> throttling_for(
      const std::string& account_upn) const = 0;

  [[nodiscard]] virtual std::optional<LabFolder> distinguished_folder(
      const std::string& smtp, const std::string& id) const = 0;
  // A folder of the mailbox by its FolderId Id; nullopt when the mailbox has no such folder.
  [[nodiscard]] virtual std::optional<LabFolder> folder(const std::string& smtp,
                                                        const std::string& folder_id) const = 0;
  [[nodiscard]] virtual std::vector<LabFolder> child_folders(
      const std::string& smtp, const std::string& parent_id) const = 0;
  // Error "ErrorFolderExists" when a child of that name exists (names compared without case).
  [[nodiscard]] virtual Result<LabFolder> create_folder(const std::string& smtp,
                                                        const std::string& parent_id,
                                                        const std::string& display_name,
                                                        const std::string& folder_class) = 0;

  // Admin: what the next issue's cmdlets will do. `mailboxes` empty with `all` false: none.
  virtual Status set_impersonation(const std::string& account_upn, bool all,
                                   const std::vector<std::string>& mailboxes) = 0;
  virtual Status set_throttling_unlimited(const std::string& account_upn, bool unlimited) = 0;
  virtual Status add_mailbox(const std::string& smtp, const std::string& name) = 0;
  virtual Status remove_mailbox(const std::string& smtp) = 0;
};

}  // namespace sd::lab
