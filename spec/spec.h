// The typed deployment spec: what a validated YAML file says, with defaults applied.
// Every object keeps `at`, the JSON pointer of its node in the spec, so later stages can point
// errors at file:line:col through Document::locate(). Field meanings: docs/spec-reference.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/exchange_version.h"

namespace sd {

// `${env:NAME}` or `${file:PATH}`: a secret is named in the spec, never written in it.
struct SecretRef {
  enum class Kind { Env, File };
  Kind kind = Kind::Env;
  std::string name;  // variable name, or path (relative to the spec's folder)
  std::string at;

  // The reference as written, e.g. `${env:NEXJ_SYNC_PASSWORD}`; safe to print.
  [[nodiscard]] std::string text() const;
};

// A throttling limit: a number, or unlimited ($null on the Exchange side).
struct Limit {
  std::optional<uint32_t> value;  // nullopt = unlimited
  [[nodiscard]] bool unlimited() const { return !value.has_value(); }
};

// How syncdeploy signs in over HTTPS: to WinRM as the administrator (exchange.management) and
// to EWS as the service account (exchange.serviceAccount). Negotiate is SPNEGO: Kerberos when a
// ticket can be had, else NTLM. Certificate is for management only. Spellings: to_string().
enum class AuthMethod { Negotiate, Kerberos, Ntlm, Basic, Certificate };

// How the Exchange cmdlets travel: Exchange's own remote PowerShell (MS-PSRP at /PowerShell,
// configuration Microsoft.Exchange: the supported way, and the default), or a WinRS shell that
// loads the Exchange snap-in into powershell.exe (only where a site has set that up).
enum class ManagementTransport { Psrp, Winrs };

struct Management {
  std::string url;
  AuthMethod auth = AuthMethod::Negotiate;
  // basic, ntlm: required. kerberos, negotiate: required with a password or keytab; without
  // either the credential cache's principal is used (kinit, or KRB5_CLIENT_KTNAME).
  std::string username;
  std::optional<SecretRef> password;     // all but certificate
  std::string keytab;                    // kerberos, negotiate: client keytab, relative to the spec
  std::string spn;                       // kerberos, negotiate; default HTTP/<host of url>
  std::string certificateFile, keyFile;  // certificate
  std::string caFile;                    // empty: system roots
  std::string at;
  ManagementTransport transport = ManagementTransport::Psrp;
};

// The account NexJ impersonates mailboxes with; syncdeploy signs in to EWS as it (`auth`) with
// `upn`, or `identity` when no upn is written.
struct ServiceAccount {
  std::string identity;
  std::string upn;
  AuthMethod auth = AuthMethod::Negotiate;  // never Certificate
  std::optional<SecretRef> password;
  std::string keytab;   // kerberos, negotiate: client keytab, relative to the spec
  bool create = false;  // false: the account must exist and is only checked
  std::string at;
};

struct ManagementScope {
  std::string name;
  std::string recipientFilter;  // OPATH
  std::string recipientRoot;    // optional OU
  std::string at;
};

struct Impersonation {
  enum class Method { Rbac, ExtendedRights };
  Method method = Method::Rbac;
  std::string assignmentName;            // rbac; default "<account>-ApplicationImpersonation"
  std::optional<ManagementScope> scope;  // rbac only
  std::string at;
  bool specified = false;                // the spec has an impersonation block
  bool assignmentNameDefaulted = false;  // assignmentName was derived from the identity
};

// EWS limits of a throttling policy; unset fields are not managed. Which ones are allowed
// depends on the Exchange version (2010: percentTimeIn*, fastSearchTimeout, findCountLimit;
// 2013+: maxBurst, rechargeRate, cutoffBalance).
struct EwsLimits {
  std::optional<Limit> maxConcurrency, maxSubscriptions;
  std::optional<Limit> maxBurst, rechargeRate, cutoffBalance;
  std::optional<Limit> percentTimeInAD, percentTimeInCAS, percentTimeInMailboxRPC;
  std::optional<Limit> fastSearchTimeoutInSeconds, findCountLimit;
  std::string at;
};

struct Throttling {
  std::string policy;
  EwsLimits ews;
  std::string at;
};

struct ExchangeServer {
  std::string name;
  std::string host;
  std::string ewsUrl;  // default https://<host>/EWS/Exchange.asmx
  std::string spn;     // EWS with kerberos or negotiate; default HTTP/<host of ewsUrl>
  std::string at;
};

struct Exchange {
  ExchangeVersion version = ExchangeVersion::Exchange2016;
  Management management;
  ServiceAccount serviceAccount;
  Impersonation impersonation;
  std::optional<Throttling> throttling;
  std::vector<ExchangeServer> servers;
  std::string caFile;  // for EWS; empty: system roots
  std::string at;
};

// NexJ MailConnection; unset optional attributes are left out of the environment file.
struct MailChannel {
  std::string channel = "Mail";
  std::optional<std::string> description, alias, user, from, domain, authComponent;
  std::optional<SecretRef> password;
  std::optional<bool> enabled;
  std::optional<std::string> inHost, inProtocol, inFolder, inEncryption;
  std::optional<uint32_t> inPort;
  std::optional<std::string> outHost, outProtocol, outEncryption, outAuthentication;
  std::optional<uint32_t> outPort;
  std::string at;
};

// HTTPConnection to EWS; url and credentials follow from the server and the service account.
struct SenderChannel {
  std::string channel;
  std::string server;  // an exchange.servers name
  std::optional<uint32_t> maxSenders;
  std::string authentication = "basic";
  std::optional<uint32_t> readTimeout, connectionTimeout;  // milliseconds
  std::optional<std::string> description;
  std::string at;
};

// HTTPConnection with authentication none, served under the anonymous root.
struct ReceiverChannel {
  std::string channel = "ExchangeEWSNotificationReceiver";
  std::optional<std::string> description;
  std::string at;
};

struct Channels {
  std::optional<MailChannel> mail;
  std::vector<SenderChannel> senders;
  std::optional<ReceiverChannel> receiver;
  std::string at;
};

enum class Subscription { Push, Streaming };

struct Target {
  std::string name;
  std::string server;  // an exchange.servers name
  std::string sender;  // a channels.senders channel
  Subscription subscription = Subscription::Push;
  bool autodiscover = false;
  bool useInternalCAS = false;
  std::optional<uint32_t> keepItemsOlderThanDays;
  bool enabled = true;
  std::string nexjUrl;  // default: nexj.anonymousUrl
  std::string at;
};

// Global Exchange synchronization options (the six tabs); unset fields are not managed.
struct GlobalOptions {
  struct BatchSyncSetup {
    std::optional<bool> enabled;
    std::optional<std::string> startTime;  // HH:MM
    std::optional<uint32_t> periodMinutes, activationAttempts, daysInPast, daysInFuture;
  } batchSyncSetup;
  struct Autodiscover {
    std::optional<bool> enabled;
    std::optional<std::string> startTime;
    std::optional<uint32_t> periodMinutes;
  } autodiscover;
  std::optional<uint32_t> customizedOccurrences;           // Restrictions tab
  std::optional<uint32_t> assignedToUsersThreshold;        // For Contact Inbound Sync tab
  std::optional<bool> realtimeSyncPaused;                  // Pause/Resume Real-time Sync tab
  std::optional<std::vector<std::string>> emailBlacklist;  // regular expressions
  std::string at;
  bool present = false;  // the spec has a globalOptions block
};

// User options for one scope (Personalization page); unset options are not managed.
struct UserOptions {
  std::string scope;  // "system", "userType:<name>" or "user:<login>"
  std::optional<bool> enableDisplayOfExternalContacts;
  std::optional<bool> enableInboundForContactSynchronization;
  std::optional<bool> enableInboundSyncForPrivateMeetings;
  std::optional<bool> enableMeetingAlarmSynchronization;
  std::optional<bool> enableRelatedInfoNotes;
  std::optional<bool> enableSecurityCheckOnInboundForContactSync;
  std::string at;
};

struct Nexj {
  std::string url;
  std::string anonymousUrl;  // default: url + "/anon"
  std::string caFile;        // for the TLS check of url; empty: system roots
  std::string environmentFile;
  std::string store;  // "sqlite:PATH"
  Channels channels;
  std::vector<Target> targets;
  GlobalOptions globalOptions;
  std::vector<UserOptions> userOptions;
  std::string at;
};

enum class Folder : uint8_t { Calendar = 1, Tasks = 2, Contacts = 4 };
using FolderSet = uint8_t;  // bit set of Folder
inline constexpr FolderSet kAllFolders = 7;

// Where a user came from: the spec's inline list, or a line of a CSV file.
struct UserOrigin {
  uint16_t source = 0;  // 0: the spec (at is set); n > 0: Users::csvFiles[n - 1]
  uint32_t line = 0;    // CSV line (1-based)
};

struct User {
  std::string login;
  std::string email;
  std::string target;  // defaults.target when not given
  FolderSet folders = 0;
  UserOrigin origin;
  std::string at;  // inline users only; empty for CSV rows (kept small for 100k users)
};

struct Users {
  std::string defaultTarget;
  FolderSet defaultFolders = kAllFolders;
  bool prune = false;
  std::vector<std::string> csvFiles;  // as written in the spec (relative to its folder)
  std::vector<std::string> csvAt;     // JSON pointer of each csv entry
  std::vector<User> list;             // inline users first, then CSV rows in file order
  std::string at;
};

// An entry of `remove:`: a live object the deployment no longer wants, by its plan address
// (`exchange.role_assignment/OldImpersonation`). The plan removes it when it is found live.
struct RemoveEntry {
  std::string type;  // "exchange.role_assignment"
  std::string name;  // what follows the first '/'
  std::string at;
};

struct Spec {
  std::string file;  // path of the spec as given
  int version = 1;
  std::string deployment;
  Exchange exchange;
  Nexj nexj;
  Users users;
  std::vector<RemoveEntry> remove;
};

[[nodiscard]] const char* to_string(Folder f);
[[nodiscard]] const char* to_string(Subscription s);
[[nodiscard]] const char* to_string(AuthMethod a);

}  // namespace sd
