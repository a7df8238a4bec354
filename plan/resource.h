// Resources: the objects syncdeploy manages, each with a stable address
// (`<type>/<name>`, e.g. `nexj.folder_link/jsmith/calendar`) used by plans, journals and errors.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plan/value.h"

namespace sd {

struct FieldSpec {
  std::string_view name;
  Compare compare = Compare::Exact;
  // Known only at apply, like Terraform's "known after apply": the spec does not give it; a
  // live system tells it when the object is made or moved (a folder link's folderId, which
  // Exchange gives when the user's mailbox is asked: plan/folder_links.h). Unset in the desired
  // state; the plan states it from what was observed.
  bool known_at_apply = false;
  // The field whose value this one belongs to: when that one changes, this one is stated again
  // or cleared, never kept (a folder id names a folder of the mailbox at `email`).
  std::string_view belongs_to = {};
};

// Which side of the deployment a type is on. A two-phase apply runs the Exchange side first:
// until the service account, impersonation and throttling are as the spec says, the users'
// mailboxes cannot be asked for the folder ids the NexJ side needs.
enum class Side : uint8_t {
  Exchange,  // Exchange management (steps 1 and 2, over WinRM)
  Nexj,      // the NexJ environment file and configuration store (steps 3 to 7)
};

struct ResourceType {
  std::string_view name;  // e.g. "nexj.target"
  int step;               // 1..7: the documented setup step; the tie-break of plan order
  Side side;
  std::span<const FieldSpec> fields;
  // Changes to it are permission or policy changes: listed first for review.
  bool risky = false;
  // Never deleted: when it leaves the spec it is disabled (its "enabled" field set to false).
  bool disable_when_removed = false;
  // Index of the boolean "enabled" field, or -1.
  int enabled_field = -1;
  std::string_view summary;  // one line for docs and `graph`
  // Names are identities that the live system compares without case (Exchange identities,
  // NexJ logins): live `JSmith` is the spec's `jsmith`, not a second object (decision 3).
  bool names_ignore_case = false;
};

// Every resource type, in step order. Types are static; compare by pointer.
[[nodiscard]] std::span<const ResourceType* const> all_resource_types();
[[nodiscard]] const ResourceType* find_resource_type(std::string_view name);
// Index of `field` in type.fields, or -1.
[[nodiscard]] int field_index(const ResourceType& type, std::string_view field);

namespace types {
extern const ResourceType kServiceAccount;         // exchange.service_account/<identity>
extern const ResourceType kManagementScope;        // exchange.management_scope/<name>
extern const ResourceType kRoleAssignment;         // exchange.role_assignment/<name>
extern const ResourceType kAdPermission;           // exchange.ad_permission/<extended right>
extern const ResourceType kThrottlingPolicy;       // exchange.throttling_policy/<name>
extern const ResourceType kThrottlingAssociation;  // exchange.throttling_association/<identity>
extern const ResourceType kMailChannel;            // nexj.mail_channel/<channel>
extern const ResourceType kHttpChannel;            // nexj.http_channel/<channel>
extern const ResourceType kTarget;                 // nexj.target/<name>
extern const ResourceType kGlobalOptions;          // nexj.global_options/exchange
extern const ResourceType kUserOptions;            // nexj.user_options/<scope>
extern const ResourceType kFolderLink;             // nexj.folder_link/<login>/<folder>
}  // namespace types

// A desired object: what the spec says it must be.
struct Resource {
  const ResourceType* type = nullptr;
  std::string name;           // the address without "<type>/"
  std::vector<Value> values;  // one per type->fields, Unset where the spec does not manage it
  std::vector<uint32_t> depends_on;  // indices into DesiredState::resources
  std::string at;  // JSON pointer of the spec node that declares it ("" for CSV users)
  // False for objects the tool checks but must not create (serviceAccount.create: false):
  // when absent, the plan shows them Blocked instead of Create.
  bool create_allowed = true;

  [[nodiscard]] std::string address() const;
};

// An object the spec's `remove:` list names: the plan removes it when it is found live.
struct Removal {
  const ResourceType* type = nullptr;
  std::string name;
  std::string at;  // JSON pointer of the entry
};

struct DesiredState {
  std::string deployment;
  std::vector<Resource> resources;  // in declaration order; the plan decides execution order
  std::vector<Removal> removals;    // in the order of `remove:`
  // The --only prefixes this state was selected by (plan/selection.h); empty: all of it.
  std::vector<std::string> only;

  // True when the spec names `type`/`name`, to keep it or to remove it (names compared as the
  // type compares them).
  [[nodiscard]] bool names(const ResourceType& type, std::string_view name) const;
};

[[nodiscard]] std::string make_address(const ResourceType& type, std::string_view name);

// The value of `field` among the `values` of an object of `type` (a desired or an observed
// object's); Unset when the type has no such field or the values stop short of it.
[[nodiscard]] const Value& field_of(const ResourceType& type, const std::vector<Value>& values,
                                    std::string_view field);
// The string `field` holds, or "" when it holds anything else.
[[nodiscard]] std::string text_field(const ResourceType& type, const std::vector<Value>& values,
                                     std::string_view field);

// The key two addresses of the same object share: the address, with the name in lower case
// for types whose names ignore case.
[[nodiscard]] std::string address_key(const ResourceType& type, std::string_view name);

}  // namespace sd
