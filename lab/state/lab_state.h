// What the lab's Exchange holds, kept in SQLite so that it survives restarts: accounts (who may
// log in, who may impersonate which mailboxes, which throttling applies), mailboxes and their
// folders, and the Exchange admin objects (lab/exchange/exchange_admin.h). Loaded from a directory
// file the first time:
//
//   version: Exchange2016                  # Exchange2010|2013|2016|2019 (default Exchange2016)
//   domain: example.local                  # default: the first account's UPN domain; the
//                                          # domain controller is dc01.<domain>
//   hostnames: [exch01.example.local, crm.example.local]   # the server certificate's names
//   accounts:
//     - upn: nexj-sync@example.local       # logs in with HTTP Basic as this UPN (or DOMAIN\name)
//       password: lab-only-secret
//       alias: nexj-sync                   # default: the UPN's local part
//       management: true                   # may use /wsman (default false)
//       impersonation: all                 # all | none | [smtp, ...]   (default none)
//       throttling: default                # default | unlimited        (default default)
//   mailboxes:
//     - smtp: jsmith@example.com           # distinguished folders are created for every mailbox
//       name: John Smith
//       folders: [CRM Sync]                # optional extra folders under msgfolderroot
//       memberOf: ["CN=CRM Users,OU=Groups,DC=example,DC=local"]   # for MemberOfGroup filters
//       attributes: {City: Seattle}        # filterable attributes (opath_filter.h)
//   contacts: [ext@partner.com]            # addresses ResolveNames knows that have no mailbox
//   throttling:                            # the default policy (Exchange 2013+ style)
//     maxConcurrency: 27                   # per account, requests in flight
//     burst: 200                           # requests an account may make before it is throttled
//     rechargePerSecond: 100               # requests per second the budget refills
//   servers: [{name: EXCH01, clientAccess: true}]   # default: hostnames[0]'s first label
//   databases: [{name: DB01}]              # default DB01; mailboxes live in the first one
//   # Initial admin objects, with the fields of lab/exchange/exchange_admin.h (checked as the
//   cmdlets # check them): managementScopes: [{name: S, recipientFilter: "City -eq 'Seattle'",
//   recipientRoot: ""}] roleAssignments: [{name: A, role: ApplicationImpersonation, user:
//   nexj-sync,
//                      customRecipientWriteScope: S, enabled: true}]
//   throttlingPolicies: [{name: P, scope: Regular, ewsLimits: {EwsMaxConcurrency: Unlimited}}]
//   throttlingAssociations: [{user: nexj-sync, policy: P}]
//   adPermissions: [{identity: EXCH01, user: nexj-sync, extendedRight: ms-Exch-EPI-Impersonation}]
//
// Every account is also a recipient (Get-Mailbox lists it, smtp = its UPN, name = its alias
// unless a mailbox of that address names it); EWS folders exist only for the addresses under
// `mailboxes` and those New-Mailbox creates. Recipients' DNs are CN=<name>,CN=Users,DC=...
//
// Folder ids look like Exchange's (base64 "AAMkA..." of the mailbox and folder, stable) and a
// ChangeKey. Thread-safe: every member may be called from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "lab/exchange/exchange_admin.h"

namespace sd::lab {

struct LabFolder {
  std::string id, change_key;
  std::string distinguished;  // "calendar", ... or "" for a custom folder
  std::string display_name;
  std::string parent_id;     // "" for msgfolderroot
  std::string folder_class;  // IPF.Appointment, IPF.Task, IPF.Contact, IPF.Note
};

// The throttling that applies to an account (the model: lab/state/admin_effects.h).
struct ThrottlingPolicy {
  std::optional<unsigned> max_concurrency = 27;  // nullopt: any number of requests in flight
  bool budget_limited = true;                    // false: burst and recharge never throttle
  unsigned burst = 200;
  unsigned recharge_per_second = 100;
};

// The admin side (ExchangeAdmin) is implemented by the same object and kept in the same file.
class LabState : public ExchangeAdmin {
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
  // The account's UPN for a name a Kerberos or NTLM login reports: "nexj-sync@EXAMPLE.LOCAL"
  // (the realm is the UPN's domain, without case) or "EXAMPLE\nexj-sync"; nullopt: unknown.
  [[nodiscard]] virtual std::optional<std::string> find_account(const std::string& name) const = 0;
  // Addresses compare without case. A known address is a mailbox or a contact.
  [[nodiscard]] virtual bool has_mailbox(const std::string& smtp) const = 0;
  [[nodiscard]] virtual bool is_known_address(const std::string& smtp) const = 0;
  [[nodiscard]] virtual std::string display_name(const std::string& smtp) const = 0;
  // The old grant (set_impersonation), an ApplicationImpersonation assignment or the EPI
  // extended rights (lab/state/admin_effects.h).
  [[nodiscard]] virtual bool may_impersonate(const std::string& account_upn,
                                             const std::string& smtp) const = 0;
  // nullopt: throttling lifted for this account (the old unlimited flag, or an associated
  // policy with every EWS limit Unlimited). See lab/state/admin_effects.h for the model.
  [[nodiscard]] virtual std::optional<ThrottlingPolicy> throttling_for(
      const std::string& account_upn) const = 0;

  // The account's alias, or nullopt for an unknown account.
  [[nodiscard]] virtual std::optional<std::string> account_alias(
      const std::string& account_upn) const = 0;
  // Whether the account may use the management endpoint (/wsman): `management: true`.
  [[nodiscard]] virtual bool may_manage(const std::string& account_upn) const = 0;

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
