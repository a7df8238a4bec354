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
  // Why `a` (a scope or a policy) cannot go: what stays that uses it, or "".
  std::string still_used(const Action& a) const;
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
  const ObservedResource* found = nullptr;
  std::string error;
  Presence presence = observed_.presence_of(*r.type, make_address(*r.type, r.name), &found, &error);
  if (found) {
    auto j = static_cast<size_t>(found - observed_.resources.data());
    a.observed = static_cast<int32_t>(j);
    named[j] = 1;
  }
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

std::string RemovalPlanner::still_used(const Action& a) const {
  const bool scope = a.type == &types::kManagementScope;
  const ResourceType& user_type = scope ? types::kRoleAssignment : types::kThrottlingAssociation;
  const std::string_view field = scope ? "customRecipientWriteScope" : "policy";
  for (const ObservedResource& o : observed_.resources) {
    if (o.type != &user_type || o.presence != Presence::Present) continue;
    if (!iequals(text_field(*o.type, o.values, field), a.name) || removed(user_type, o.name))
      continue;
    // The spec may move it off: then it stops using this one before the removal.
    if (const Resource* r = desired_named(desired_, user_type, o.name);
        r && !iequals(text_field(*r->type, r->values, field), a.name))
      continue;
    if (scope)
      return fmt::format(
          "the role assignment {} uses it: remove the assignment too "
          "(exchange.role_assignment/{}), or give it another scope",
          quoted(o.name), o.name);
    return fmt::format(
        "the service account's throttling association names it: remove "
        "exchange.throttling_association/{} too, or set exchange.throttling.policy to another "
        "policy",
        o.name);
  }
  return {};
}

void RemovalPlanner::block_what_breaks_others() {
  for (size_t i = first_; i < actions_.size(); ++i) {
    Action& a = actions_[i];
    if (a.kind != ActionKind::Remove) continue;
    if (a.type != &types::kManagementScope && a.type != &types::kThrottlingPolicy) continue;
    if (std::string why = still_used(a); !why.empty()) {
      a.kind = ActionKind::Blocked;
      a.reason = std::move(why);
      a.changes.clear();
      a.risky = false;
    }
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
      if (other.kind == ActionKind::Create || other.kind == ActionKind::Update)
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
