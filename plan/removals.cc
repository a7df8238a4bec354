#include "plan/removals.h"

#include <fmt/format.h>

#include "base/text_checks.h"

namespace sd {
namespace {

const Resource* desired_named(const DesiredState& desired, const ResourceType& type,
                              std::string_view name) {
  for (const Resource& r : desired.resources)
    if (r.type == &type && (type.names_ignore_case ? iequals(r.name, name) : r.name == name))
      return &r;
  return nullptr;
}

class RemovalPlanner {
 public:
  RemovalPlanner(const DesiredState& desired, const ObservedState& observed,
                 std::vector<Action>& actions)
      : desired_(desired), observed_(observed), actions_(actions) {}

  void add(const Removal& r, std::vector<uint8_t>& named);
  void block_what_breaks_others();
  void order();

 private:
  bool removed(const ResourceType& type, std::string_view name) const {
    for (size_t i = first_; i < actions_.size(); ++i)
      if (actions_[i].type == &type && actions_[i].kind == ActionKind::Remove &&
          iequals(actions_[i].name, name))
        return true;
    return false;
  }
  // Why `a` cannot go: what stays and names it, or "". Sets `unread` when what could name it
  // could not be read.
  std::string still_used(const Action& a, bool* unread) const;
  bool disabled(const ResourceType& type, std::string_view name) const {
    for (size_t i = 0; i < first_; ++i)
      if (actions_[i].type == &type && actions_[i].kind == ActionKind::Disable &&
          actions_[i].name == name)
        return true;
    return false;
  }
  bool whole_side_selected(const ResourceType& type) const {
    if (desired_.only.empty()) return true;
    const std::string_view side = type.side == Side::Exchange ? "exchange" : "nexj";
    for (const std::string& prefix : desired_.only)
      if (prefix == side) return true;
    return false;
  }
  std::string account() const {
    for (const Resource& r : desired_.resources)
      if (r.type == &types::kServiceAccount) return r.name;
    return {};
  }

  const DesiredState& desired_;
  const ObservedState& observed_;
  std::vector<Action>& actions_;
  size_t first_ = actions_.size();  // the first removal action
};

void RemovalPlanner::add(const Removal& r, std::vector<uint8_t>& named) {
  Action a;
  a.type = r.type;
  a.name = r.name;
  std::string error;
  Presence presence =
      find_live(observed_, *r.type, make_address(*r.type, r.name), a, named, &error);
  const ObservedResource* found =
      a.observed >= 0 ? &observed_.resources[static_cast<size_t>(a.observed)] : nullptr;
  switch (presence) {
    case Presence::Unknown:
      a.kind = ActionKind::Unknown;
      a.reason = "could not be read: " + error;
      break;
    case Presence::Absent:
      a.kind = ActionKind::NoOp;
      a.reason = "named in remove:, and not found live";
      break;
    case Presence::Present:
      a.kind = ActionKind::Remove;
      a.reason = "named in remove:";
      for (size_t f = 0; f < found->values.size() && f < r.type->fields.size(); ++f)
        if (!is_unset(found->values[f]))
          a.changes.push_back(FieldChange{static_cast<uint16_t>(f), found->values[f], Unset{}});
      a.risky = true;
      // Another user's assignment is not the deployment's to remove, whatever its name.
      if (r.type == &types::kRoleAssignment) {
        std::string user = text_field(*found->type, found->values, "user");
        if (std::string own = account(); !own.empty() && !iequals(user, own)) {
          a.kind = ActionKind::Blocked;
          a.reason = fmt::format(
              "it is assigned to {}, not to the service account {}: syncdeploy removes only "
              "what concerns its account",
              quoted(user), quoted(own));
          a.changes.clear();
          a.risky = false;
        }
      }
      break;
  }
  actions_.push_back(std::move(a));
}

// What names `a` (a scope, a policy or an HTTP channel) by name, and in which fields.
struct Users {
  const ResourceType* type = nullptr;
  std::vector<std::string_view> fields;
};

Users users_of(const ResourceType& removed) {
  if (&removed == &types::kManagementScope)
    return {&types::kRoleAssignment, {"customRecipientWriteScope"}};
  if (&removed == &types::kThrottlingPolicy) return {&types::kThrottlingAssociation, {"policy"}};
  if (&removed == &types::kHttpChannel) return {&types::kTarget, {"sender", "receiver"}};
  return {};
}

std::string RemovalPlanner::still_used(const Action& a, bool* unread) const {
  const Users users = users_of(*a.type);
  if (!users.type) return {};
  if (auto failed = observed_.failed_types.find(users.type->name);
      failed != observed_.failed_types.end()) {
    *unread = true;
    return fmt::format("what may still use it could not be read ({}): {}", users.type->name,
                       failed->second);
  }
  for (const ObservedResource& o : observed_.resources) {
    if (o.type != users.type || o.presence != Presence::Present) continue;
    if (removed(*users.type, o.name) || disabled(*users.type, o.name)) continue;
    for (std::string_view field : users.fields) {
      if (!iequals(text_field(*o.type, o.values, field), a.name)) continue;
      // The spec may move it off: then it stops using this one before the removal.
      if (const Resource* r = desired_named(desired_, *users.type, o.name);
          r && !is_unset(field_of(*r->type, r->values, field)) &&
          !iequals(text_field(*r->type, r->values, field), a.name))
        continue;
      if (a.type == &types::kManagementScope)
        return fmt::format(
            "the role assignment {} uses it: remove the assignment too "
            "(exchange.role_assignment/{}), or give it another scope",
            quoted(o.name), o.name);
      if (a.type == &types::kThrottlingPolicy)
        return fmt::format(
            "the service account's throttling association names it: remove "
            "exchange.throttling_association/{} too, or set exchange.throttling.policy to "
            "another policy",
            o.name);
      return fmt::format(
          "the target {} stays enabled and names it as its {}: point the target at another "
          "channel in the spec, or let the spec stop naming the target (it is then disabled)",
          quoted(o.name), field);
    }
  }
  return {};
}

void RemovalPlanner::block_what_breaks_others() {
  for (size_t i = first_; i < actions_.size(); ++i) {
    Action& a = actions_[i];
    if (a.kind != ActionKind::Remove) continue;
    bool unread = false;
    std::string why = still_used(a, &unread);
    // A removal is checked against everything on its side: with part of it selected, what
    // uses the object may not have been read.
    if (why.empty() && !whole_side_selected(*a.type))
      why = fmt::format(
          "--only selects part of the {} side, and a removal is checked against all of it: plan "
          "it with --only {} or without --only",
          a.type->side == Side::Exchange ? "Exchange" : "NexJ",
          a.type->side == Side::Exchange ? "exchange" : "nexj");
    if (why.empty()) continue;
    a.kind = unread ? ActionKind::Unknown : ActionKind::Blocked;
    a.reason = unread ? "could not be read: " + why : why;
    a.changes.clear();
    a.risky = false;
  }
}

void RemovalPlanner::order() {
  for (size_t i = first_; i < actions_.size(); ++i) {
    Action& a = actions_[i];
    if (a.kind != ActionKind::Remove) continue;
    // After what the spec creates or changes on its side, links aside (they use neither
    // impersonation objects nor channels by name).
    for (size_t k = 0; k < first_; ++k) {
      const Action& other = actions_[k];
      if (other.type->side != a.type->side || other.type == &types::kFolderLink) continue;
      if (other.kind == ActionKind::Create || other.kind == ActionKind::Update ||
          (other.kind == ActionKind::Disable && other.type == &types::kTarget))
        a.depends_on.push_back(static_cast<uint32_t>(k));
    }
    // A scope after the assignments that go, a policy after the association.
    const ResourceType* before = a.type == &types::kManagementScope ? &types::kRoleAssignment
                                 : a.type == &types::kThrottlingPolicy
                                     ? &types::kThrottlingAssociation
                                     : nullptr;
    for (size_t k = first_; before && k < actions_.size(); ++k)
      if (actions_[k].type == before && actions_[k].kind == ActionKind::Remove)
        a.depends_on.push_back(static_cast<uint32_t>(k));
  }
}

}  // namespace

void add_removal_actions(const DesiredState& desired, const ObservedState& observed,
                         std::vector<Action>& actions, std::vector<uint8_t>& named) {
  if (desired.removals.empty()) return;
  RemovalPlanner planner(desired, observed, actions);
  for (const Removal& r : desired.removals) planner.add(r, named);
  planner.block_what_breaks_others();
  planner.order();
}

}  // namespace sd
