// Desired + observed -> ordered plan. Two passes: the diff (one action per desired resource, in
// desired order, then actions for observed objects the spec no longer names), then a
// topological order over dependencies with ties broken by (step, address).
#include "plan/plan.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>
#include <utility>

#include "base/text_checks.h"
#include "plan/folder_links.h"
#include "plan/removals.h"
#include "plan/unmanaged.h"

namespace sd {

std::string_view read_error_of(const Plan& plan, const Action& a) {
  std::string_view error = a.reason;
  if (error.empty() && a.observed >= 0 &&
      static_cast<size_t>(a.observed) < plan.observed.resources.size())
    error = plan.observed.resources[static_cast<size_t>(a.observed)].error;
  constexpr std::string_view kPrefix = "could not be read: ";
  if (error.starts_with(kPrefix)) error.remove_prefix(kPrefix.size());
  return error;
}

std::string cannot_apply_reason(const PlanSummary& s) {
  std::string out;
  auto add = [&out](size_t n, const char* one, const char* many) {
    if (n == 0) return;
    out.append(out.empty() ? "" : ", ").append(std::to_string(n)).append(n == 1 ? one : many);
  };
  add(s.failed_checks, " precondition failed", " preconditions failed");
  add(s.unknown, " object could not be read", " objects could not be read");
  size_t blocked = s.blocked - s.cannot_sync;
  add(blocked, " action is blocked", " actions are blocked");
  return out;
}

namespace {

bool is_true(const Value& v) {
  const bool* b = std::get_if<bool>(&v);
  return b && *b;
}
bool is_false(const Value& v) {
  const bool* b = std::get_if<bool>(&v);
  return b && !*b;
}

// An update that switches the object off is as consequential as a disable.
bool turns_off(const ResourceType& type, const std::vector<FieldChange>& changes) {
  if (type.enabled_field < 0) return false;
  for (const FieldChange& c : changes)
    if (c.field == type.enabled_field && is_true(c.before) && is_false(c.after)) return true;
  return false;
}

}  // namespace

bool changes_live(ActionKind kind) {
  return kind == ActionKind::Create || kind == ActionKind::Update || kind == ActionKind::Disable ||
         kind == ActionKind::Remove;
}

bool is_risky(const ResourceType& type, ActionKind kind, const std::vector<FieldChange>& changes) {
  switch (kind) {
    case ActionKind::Create:
      return type.risky;
    case ActionKind::Update:
      return type.risky || turns_off(type, changes);
    case ActionKind::Disable:
    case ActionKind::Remove:
      return true;
    case ActionKind::NoOp:
    case ActionKind::Unknown:
    case ActionKind::Blocked:
      return false;
  }
  return false;
}

Presence find_live(const ObservedState& observed, const ResourceType& type,
                   const std::string& address, Action& a, std::vector<uint8_t>& named,
                   std::string* error) {
  const ObservedResource* found = nullptr;
  Presence presence = observed.presence_of(type, address, &found, error);
  if (found) {
    auto j = static_cast<size_t>(found - observed.resources.data());
    a.observed = static_cast<int32_t>(j);
    named[j] = 1;
  }
  return presence;
}

PlanSummary summarize(const std::vector<Action>& actions,
                      const std::vector<PreconditionCheck>& checks) {
  PlanSummary s;
  for (const Action& a : actions) {
    switch (a.kind) {
      case ActionKind::Create:
        ++s.create;
        break;
      case ActionKind::Update:
        ++s.update;
        break;
      case ActionKind::Disable:
        ++s.disable;
        break;
      case ActionKind::Remove:
        ++s.remove;
        break;
      case ActionKind::NoOp:
        ++s.noop;
        break;
      case ActionKind::Unknown:
        ++s.unknown;
        break;
      case ActionKind::Blocked:
        ++s.blocked;
        s.cannot_sync += a.cannot_sync;
        break;
    }
    if (a.risky) ++s.risky;
  }
  for (const PreconditionCheck& c : checks) {
    s.failed_checks += c.status == PreconditionCheck::Status::Failed;
    s.warned_checks += c.status == PreconditionCheck::Status::Warning;
  }
  return s;
}

std::string_view to_string(ActionKind kind) {
  switch (kind) {
    case ActionKind::Create:
      return "create";
    case ActionKind::Update:
      return "update";
    case ActionKind::Disable:
      return "disable";
    case ActionKind::Remove:
      return "remove";
    case ActionKind::NoOp:
      return "no-op";
    case ActionKind::Unknown:
      return "unknown";
    case ActionKind::Blocked:
      return "blocked";
  }
  return "unknown";
}

namespace {

// "does not exist" with the reason it cannot be created, for resources the tool only checks.
std::string blocked_reason(const ResourceType& type) {
  if (&type == &types::kServiceAccount)
    return "does not exist, and exchange.serviceAccount.create is false: create the account or "
           "let syncdeploy create it";
  return "does not exist, and the spec does not let syncdeploy create it";
}

// "2 fields differ: enabled, host": names sorted so the reason reads the same every time.
std::string update_reason(const ResourceType& type, const std::vector<FieldChange>& changes) {
  std::vector<std::string_view> names;
  names.reserve(changes.size());
  for (const FieldChange& c : changes) names.push_back(type.fields[c.field].name);
  std::sort(names.begin(), names.end());
  std::string out = std::to_string(changes.size());
  out += changes.size() == 1 ? " field differs: " : " fields differ: ";
  for (size_t i = 0; i < names.size(); ++i) out.append(i ? ", " : "").append(names[i]);
  return out;
}

// What the plan wants of field `f` of `r`: the spec's value, or for a field known only at apply
// what the live systems said (plan/folder_links.h).
Value wanted(const Resource& r, size_t f, const ObservedResource* live,
             const ObservedState& observed) {
  if (r.type->fields[f].known_at_apply) return known_at_apply_value(r, f, live, observed);
  return r.values[f];
}

void diff_present(const Resource& r, const ObservedResource& o, const ObservedState& observed,
                  Action& a) {
  const auto& fields = r.type->fields;
  for (size_t f = 0; f < fields.size(); ++f) {
    static const Value kUnset{Unset{}};
    const Value& have = f < o.values.size() ? o.values[f] : kUnset;
    if (fields[f].known_at_apply) {
      Value want = wanted(r, f, &o, observed);
      if (!values_match(fields[f].compare, want, have))
        a.changes.push_back(FieldChange{static_cast<uint16_t>(f), have, std::move(want)});
      continue;
    }
    const Value& want = r.values[f];
    if (values_match(fields[f].compare, want, have)) continue;
    a.changes.push_back(FieldChange{static_cast<uint16_t>(f), have, want});
  }
  if (a.changes.empty()) {
    a.kind = ActionKind::NoOp;
    a.reason = "up to date";
    return;
  }
  a.kind = ActionKind::Update;
  a.reason = update_reason(*r.type, a.changes);
  a.risky = is_risky(*r.type, a.kind, a.changes);
}

Action diff_desired(const Resource& r, uint32_t index, const ObservedState& observed,
                    std::string& address, std::vector<uint8_t>& named) {
  Action a;
  a.type = r.type;
  a.name = r.name;
  a.desired = static_cast<int32_t>(index);
  a.depends_on = r.depends_on;  // resource indices; the action of resource i is action i here

  address.assign(r.type->name).append("/").append(r.name);
  std::string error;
  Presence presence = find_live(observed, *r.type, address, a, named, &error);
  const ObservedResource* found =
      a.observed >= 0 ? &observed.resources[static_cast<size_t>(a.observed)] : nullptr;
  switch (presence) {
    case Presence::Unknown:
      a.kind = ActionKind::Unknown;
      a.reason = "could not be read: " + error;
      break;
    case Presence::Absent:
      if (!r.create_allowed) {
        a.kind = ActionKind::Blocked;
        a.reason = blocked_reason(*r.type);
        break;
      }
      a.kind = ActionKind::Create;
      a.reason = "does not exist";
      for (size_t f = 0; f < r.values.size(); ++f) {
        Value want = wanted(r, f, nullptr, observed);
        if (!is_unset(want))
          a.changes.push_back(FieldChange{static_cast<uint16_t>(f), Unset{}, std::move(want)});
      }
      a.risky = is_risky(*r.type, a.kind, a.changes);
      break;
    case Presence::Present:
      diff_present(r, *found, observed, a);
      break;
  }
  return a;
}

// An observed object the spec does not name: targets are disabled, folder links are disabled
// only with prune, everything else is left alone. Returns false when there is nothing to do.
bool diff_unnamed(const ObservedResource& o, uint32_t index, const PlanOptions& options,
                  Action& a) {
  const ResourceType& type = *o.type;
  bool is_link = &type == &types::kFolderLink;
  bool managed = type.disable_when_removed || (is_link && options.prune);
  if (!managed || type.enabled_field < 0 || o.presence == Presence::Absent) return false;
  a.type = &type;
  a.name = o.name;
  a.observed = static_cast<int32_t>(index);
  if (o.presence == Presence::Unknown) {
    // Whether it still needs disabling cannot be told; say so instead of guessing.
    a.kind = ActionKind::Unknown;
    a.reason = "could not be read: " + o.error;
    return true;
  }
  auto f = static_cast<uint16_t>(type.enabled_field);
  // Only an object known to be enabled is disabled: a second apply must find nothing to do.
  if (f >= o.values.size() || !is_true(o.values[f])) return false;
  a.kind = ActionKind::Disable;
  a.changes.push_back(FieldChange{f, true, false});
  a.reason = is_link ? "no longer in the spec; users.prune is true"
                     : "no longer in the spec; targets are never deleted, only disabled";
  a.risky = is_risky(type, a.kind, a.changes);
  return true;
}

// Position of each type in (step, name) order: the first part of every action's sort key.
uint32_t type_order(const ResourceType* type) {
  uint32_t order = 0;
  for (const ResourceType* t : all_resource_types())
    if (t->step < type->step || (t->step == type->step && t->name < type->name)) ++order;
  return order;
}

// The first 8 bytes of `s` from `offset`, big-endian and zero-padded, so that comparing two
// of them compares the bytes in string order.
uint64_t prefix8(const std::string& s, size_t offset) {
  uint64_t out = 0;
  for (size_t i = 0; i < 8; ++i) {
    unsigned char c = offset + i < s.size() ? static_cast<unsigned char>(s[offset + i]) : 0;
    out = (out << 8) | c;
  }
  return out;
}

// Sort key of one action, compact and contiguous so that sorting 300,000 of them rarely
// touches the names themselves (their heap memory is scattered).
struct RankKey {
  uint64_t hi, lo;  // the first 16 bytes of the name
  uint32_t type;    // type_order()
  uint32_t index;   // into actions
};

// Execution order: Kahn's algorithm; among ready actions the one with the lowest
// (step, address) goes first. Returns the old index of each position.
std::vector<uint32_t> order_actions(std::vector<Action>& actions) {
  const auto n = static_cast<uint32_t>(actions.size());
  std::vector<RankKey> keys(n);
  const ResourceType* last_type = nullptr;  // actions come in runs of one type
  uint32_t last_order = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const Action& a = actions[i];
    if (a.type != last_type) last_order = type_order(last_type = a.type);
    keys[i] = RankKey{prefix8(a.name, 0), prefix8(a.name, 8), last_order, i};
  }
  // (step, type name, name) orders like (step, address): no type name is a prefix of another.
  std::sort(keys.begin(), keys.end(), [&](const RankKey& x, const RankKey& y) {
    if (x.type != y.type) return x.type < y.type;
    if (x.hi != y.hi) return x.hi < y.hi;
    if (x.lo != y.lo) return x.lo < y.lo;
    const std::string& a = actions[x.index].name;
    const std::string& b = actions[y.index].name;
    // Equal prefixes: the names differ only past byte 16 (or in padding-like NULs).
    if (a.size() > 16 || b.size() > 16 || a.size() != b.size())
      if (int c = a.compare(b); c != 0) return c < 0;
    return x.index < y.index;
  });
  std::vector<uint32_t> by_rank(n), rank(n);
  for (uint32_t r = 0; r < n; ++r) {
    by_rank[r] = keys[r].index;
    rank[keys[r].index] = r;
  }
  keys = {};

  // Dependents as a compressed adjacency list (one allocation, not one per action).
  std::vector<uint32_t> indegree(n, 0), start(n + 1, 0);
  for (Action& a : actions) {
    std::sort(a.depends_on.begin(), a.depends_on.end());
    a.depends_on.erase(std::unique(a.depends_on.begin(), a.depends_on.end()), a.depends_on.end());
    std::erase_if(a.depends_on, [n](uint32_t d) { return d >= n; });
    for (uint32_t d : a.depends_on) ++start[d + 1];
  }
  for (uint32_t i = 0; i < n; ++i) start[i + 1] += start[i];
  std::vector<uint32_t> dependents(start[n]);
  {
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (uint32_t i = 0; i < n; ++i) {
      indegree[i] = static_cast<uint32_t>(actions[i].depends_on.size());
      for (uint32_t d : actions[i].depends_on) dependents[fill[d]++] = i;
    }
  }

  std::vector<uint32_t> order;
  order.reserve(n);
  std::vector<uint32_t> heap_storage;
  heap_storage.reserve(n);
  std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<>> ready(
      std::greater<>{}, std::move(heap_storage));
  for (uint32_t i = 0; i < n; ++i)
    if (indegree[i] == 0) ready.push(rank[i]);
  while (!ready.empty()) {
    uint32_t node = by_rank[ready.top()];
    ready.pop();
    order.push_back(node);
    for (uint32_t k = start[node]; k < start[node + 1]; ++k)
      if (--indegree[dependents[k]] == 0) ready.push(rank[dependents[k]]);
  }
  // A cycle cannot come from the compiler; if one ever does, its members follow in rank order
  // (they are exactly the actions whose indegree never reached zero).
  if (order.size() < n)
    for (uint32_t node : by_rank)
      if (indegree[node] > 0) order.push_back(node);
  return order;
}

// Moves actions[order[k]] to position k, in place (a second 300,000-action vector would double
// the plan's peak memory), and rewrites depends_on to the new positions.
void apply_order(std::vector<Action>& actions, const std::vector<uint32_t>& order) {
  const auto n = static_cast<uint32_t>(order.size());
  std::vector<uint32_t> position(n);
  for (uint32_t k = 0; k < n; ++k) position[order[k]] = k;
  for (Action& a : actions)
    for (uint32_t& d : a.depends_on) d = position[d];
  std::vector<uint8_t> placed(n, 0);
  for (uint32_t i = 0; i < n; ++i) {
    if (placed[i]) continue;
    Action held = std::move(actions[i]);
    uint32_t j = i;
    while (order[j] != i) {
      actions[j] = std::move(actions[order[j]]);
      placed[j] = 1;
      j = order[j];
    }
    actions[j] = std::move(held);
    placed[j] = 1;
  }
  for (uint32_t k = 0; k < n; ++k) {
    auto& deps = actions[k].depends_on;
    // Only a cycle leaves a dependency at or after the action itself; drop it there.
    std::erase_if(deps, [k](uint32_t d) { return d >= k; });
    std::sort(deps.begin(), deps.end());
  }
}

// A link of a user whose mailbox cannot be used is not made: it is blocked with the reason (or
// unknown when the check failed). Links already live and matching are left as they are; a link
// whose mailbox is asked during apply is marked so.
void block_links_of_unusable_mailboxes(const Plan& plan, Action& a) {
  if (a.type != &types::kFolderLink || a.desired < 0) return;
  if (a.kind != ActionKind::Create && a.kind != ActionKind::Update) return;
  const Resource& r = plan.desired.resources[static_cast<size_t>(a.desired)];
  const std::string* address =
      std::get_if<std::string>(&r.values[field_index(types::kFolderLink, "email")]);
  if (!address) return;
  auto m = plan.observed.mailboxes.find(to_lower_ascii(*address));
  if (m == plan.observed.mailboxes.end()) {
    a.filled_at_apply = plan.observed.mailboxes_deferred;
    return;
  }
  switch (m->second.status) {
    case MailboxObservation::Status::Ok:
      return;
    case MailboxObservation::Status::CannotSync:
      a.kind = ActionKind::Blocked;
      a.reason = *address + " cannot sync: " + m->second.reason;
      a.cannot_sync = true;
      break;
    case MailboxObservation::Status::Unknown:
      a.kind = ActionKind::Unknown;
      a.reason = "could not be read: the mailbox " + *address +
                 " could not be checked: " + m->second.reason;
      break;
  }
  a.changes.clear();
  a.risky = false;
}

}  // namespace

Plan make_plan(DesiredState desired, ObservedState observed, const PlanOptions& options) {
  Plan plan;
  plan.deployment = desired.deployment;
  plan.desired = std::move(desired);
  plan.observed = std::move(observed);
  plan.observed.index();
  const auto& wanted = plan.desired.resources;
  const auto& seen = plan.observed.resources;

  // One allocation: desired objects, plus the observed ones that may need an action when the
  // spec no longer names them (untouched capacity costs address space, not memory).
  size_t candidates = 0;
  for (const ObservedResource& o : seen)
    candidates += o.type && (o.type->disable_when_removed ||
                             (options.prune && o.type == &types::kFolderLink));
  std::vector<Action> actions;
  actions.reserve(wanted.size() + candidates + plan.desired.removals.size());
  std::vector<uint8_t> named(seen.size(), 0);
  std::string address;  // reused: one buffer for every lookup
  for (size_t i = 0; i < wanted.size(); ++i) {
    actions.push_back(
        diff_desired(wanted[i], static_cast<uint32_t>(i), plan.observed, address, named));
    block_links_of_unusable_mailboxes(plan, actions.back());
  }
  std::vector<uint8_t> acted(seen.size(), 0);
  for (size_t j = 0; j < seen.size(); ++j) {
    if (named[j] || !seen[j].type) continue;  // a typeless entry can only come from a bug
    Action a;
    if (diff_unnamed(seen[j], static_cast<uint32_t>(j), options, a)) {
      actions.push_back(std::move(a));
      acted[j] = 1;
    }
  }
  add_removal_actions(plan.desired, plan.observed, actions, named);
  plan.unmanaged = find_unmanaged(plan.desired, plan.observed, named, acted);

  apply_order(actions, order_actions(actions));
  plan.actions = std::move(actions);

  plan.summary = summarize(plan.actions, plan.observed.checks);
  return plan;
}

}  // namespace sd
