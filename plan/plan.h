// The plan: the ordered actions that make live state match the spec. Pure data; rendering is
// in render_*.h and doing is in runtime/. Two runs on the same input give the same plan.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plan/observed_state.h"
#include "plan/resource.h"

namespace sd {

enum class ActionKind : uint8_t {
  Create,   // absent, the spec wants it
  Update,   // present, some managed fields differ
  Disable,  // present and enabled, the spec no longer names it (targets; links with prune)
  Remove,   // present, and named in the spec's `remove:` list
  NoOp,     // present and matching
  Unknown,  // could not be read: nothing can be decided; blocks apply unless told otherwise
  Blocked,  // cannot be done as specified (e.g. an account that must exist does not)
};

[[nodiscard]] std::string_view to_string(ActionKind kind);  // "create", "update", ...

struct FieldChange {
  uint16_t field;  // index into the type's fields
  Value before;    // Unset when absent
  Value after;
};

struct Action {
  ActionKind kind = ActionKind::NoOp;
  const ResourceType* type = nullptr;
  std::string name;
  std::string reason;  // one line: why this action, e.g. "absent", "3 fields differ"
  // Update/Disable: the fields that change. Create: every managed field (before Unset).
  // Remove: every field the live object has (after Unset).
  std::vector<FieldChange> changes;
  int32_t desired = -1;   // index into Plan::desired.resources, -1 if the spec does not name it
  int32_t observed = -1;  // index into Plan::observed.resources, -1 if not listed
  std::vector<uint32_t> depends_on;  // indices into Plan::actions; always smaller than own
  bool risky = false;                // disable, or a change to a permission or policy: listed first
  // Blocked because the user cannot sync (no mailbox, impersonation denied, a mailbox error):
  // apply leaves it out and does the rest.
  bool cannot_sync = false;
  // Made or changed by a plan that asks the live systems for its values known only at apply
  // (FieldSpec::known_at_apply) during apply: a folder link whose mailbox is asked after the
  // plan changes the service account, impersonation or throttling. Those values are filled in
  // then, so they are not part of what the plan shows or promises (plan_identity.h).
  bool filled_at_apply = false;

  [[nodiscard]] std::string address() const { return make_address(*type, name); }
};

struct PlanSummary {
  size_t create = 0, update = 0, disable = 0, remove = 0, noop = 0, unknown = 0, blocked = 0,
         risky = 0;
  // Of `blocked`: folder links of users that cannot sync (no mailbox, impersonation denied).
  // They do not stop apply: the other actions are done, and the exit code says so.
  size_t cannot_sync = 0;
  size_t failed_checks = 0, warned_checks = 0;  // preconditions (observed.checks)
  [[nodiscard]] bool has_changes() const { return create + update + disable + remove > 0; }
};

struct Plan {
  std::string deployment;
  std::string spec_file;
  std::string spec_digest;  // "sha256:<hex>" of the spec and its CSV files
  // Address prefixes the plan is limited to (`--only nexj`); empty: everything.
  std::vector<std::string> only;
  DesiredState desired;
  ObservedState observed;
  std::vector<Action> actions;  // execution order
  PlanSummary summary;
  // Indices into observed.resources of what concerns the deployment but the spec does not name
  // and the plan leaves alone, for review (plan/unmanaged.h). Not part of the plan's identity.
  std::vector<uint32_t> unmanaged;
  // No apply of this deployment ever ended: live objects the spec names are adopted
  // (plan/adoption.h). Not part of the plan's identity.
  bool adopting = false;
};

struct PlanOptions {
  bool prune = false;  // users.prune: disable folder links of users the spec no longer names
};

// True for the kinds that change a live system: create, update, disable, remove.
[[nodiscard]] bool changes_live(ActionKind kind);

// Whether an action of `kind` on an object of `type` is risky (Action::risky): a disable or a
// removal, a create or update of a permission or policy, or an update that switches it off.
[[nodiscard]] bool is_risky(const ResourceType& type, ActionKind kind,
                            const std::vector<FieldChange>& changes);

// Whether the object `address` of `type` is live for action `a`: the object found is recorded
// in a.observed and marked in `named` (one flag per observed.resources entry); `error` says why
// when Unknown.
[[nodiscard]] Presence find_live(const ObservedState& observed, const ResourceType& type,
                                 const std::string& address, Action& a, std::vector<uint8_t>& named,
                                 std::string* error);

// The counts of `actions` by kind, and of the preconditions that failed or warned.
[[nodiscard]] PlanSummary summarize(const std::vector<Action>& actions,
                                    const std::vector<PreconditionCheck>& checks);

// What an Unknown action says went wrong: the read error, without a "could not be read: "
// prefix, whether the plan put it in the reason or only in the observed resource.
[[nodiscard]] std::string_view read_error_of(const Plan& plan, const Action& action);

// Why the plan cannot be applied as it is ("1 precondition failed, 2 objects could not be read,
// 1 action is blocked"), or "" when it can. Design decision 2: unknowns are said, never glossed
// over. Links of users that cannot sync are not a reason: apply does the rest.
[[nodiscard]] std::string cannot_apply_reason(const PlanSummary& summary);

// Diffs desired against observed and orders the actions: topologically over dependencies,
// ties broken by step, then address. Deterministic.
[[nodiscard]] Plan make_plan(DesiredState desired, ObservedState observed, const PlanOptions&);

}  // namespace sd
