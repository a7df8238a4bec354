// What the live systems hold, as read by the runtime (or given with `plan --observed FILE`).
// Reads have three outcomes (design decision 2): present, absent, or unknown with the error.
// A failed read is never taken for absent. File format: docs/observed-state-format.md.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "plan/resource.h"

namespace sd {

enum class Presence { Present, Absent, Unknown };

struct ObservedResource {
  const ResourceType* type = nullptr;
  std::string name;
  Presence presence = Presence::Present;
  std::string error;          // why it is Unknown
  std::vector<Value> values;  // one per type->fields; Unset where the read did not say
  // A plan read back from its JSON (plan/plan_reader.h) knows the object only by what the plan
  // saw of it: observed_fingerprint() says this instead of computing it from `values`, which
  // hold only the values the changes had before. Empty for an object that was read.
  std::string fingerprint = {};
};

// What Exchange said about one user's mailbox: whether the user can sync and, when it could be
// asked, the ids of the folders the spec links ("calendar" -> "AAMkA...").
struct MailboxObservation {
  enum class Status {
    Ok,          // the mailbox exists and the service account may impersonate it
    CannotSync,  // no such mailbox, or impersonation denied: the user's links are blocked
    Unknown,     // the check failed (transport, credentials, a malformed answer)
  } status = Status::Unknown;
  std::string reason;  // when not Ok: one line, e.g. "no such mailbox (ErrorNonExistentMailbox)"
  std::map<std::string, std::string, std::less<>> folder_ids;
};

// A precondition the runtime checked before planning (a TLS probe of an endpoint).
struct PreconditionCheck {
  enum class Status { Ok, Warning, Failed } status = Status::Ok;
  std::string name;      // "TLS of nexj.url (crm.example.local)"
  std::string detail;    // "verified; the certificate is valid for 365 more days", or the error
  std::string endpoint;  // the URL probed (not rendered; the runtime skips endpoints that fail)
};

struct ObservedState {
  std::vector<ObservedResource> resources;
  // Mailboxes checked over EWS, by email in lower case. Users not listed were not checked (their
  // folder ids are known from an earlier apply): nothing is decided about them here.
  std::unordered_map<std::string, MailboxObservation> mailboxes;
  std::vector<PreconditionCheck> checks;
  // The mailboxes were not asked because the plan changes the service account, impersonation
  // or throttling: apply asks them once those changes are made (engine/exchange_reads.cc).
  bool mailboxes_deferred = false;
  // What could not be read of the objects the spec does not name but that concern the
  // deployment (plan/unmanaged.h): the review list is incomplete; nothing else is affected.
  std::vector<std::string> review_errors;
  // Types whose read failed as a whole: every object of that type is Unknown with this error.
  std::map<std::string, std::string, std::less<>> failed_types;
  // Types that were not read at all (e.g. no runtime for them yet). Their objects are Unknown.
  // Empty in a complete observation. An empty ObservedState (no file) means "nothing exists".
  std::vector<std::string> unread_types;

  // Lookup by address_key(); built by index().
  std::unordered_map<std::string, uint32_t> by_address;
  void index();

  // Present/Absent/Unknown of the object at `address` of `type` (Absent if not listed and its
  // type was read), and the resource when listed.
  [[nodiscard]] Presence presence_of(const ResourceType& type, const std::string& address,
                                     const ObservedResource** found, std::string* error) const;
};

// Parses the observed-state JSON document. Errors name `file` and the JSON path.
[[nodiscard]] Result<ObservedState> parse_observed_state(const std::string& file,
                                                         std::string_view text);

// The JSON document for `state` (what the runtime will write; round-trips with the parser).
[[nodiscard]] std::string observed_state_to_json(const ObservedState& state);

}  // namespace sd
