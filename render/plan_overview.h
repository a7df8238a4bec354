// What the renderers show before, and instead of, a plan's action-by-action listing, so that a
// plan of 300,000 folder links stays readable: its counts per resource type (in step order), and
// its folder links grouped per user. Pure and linear in the number of actions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plan/plan.h"

namespace sd {

struct TypeCounts {
  const ResourceType* type = nullptr;
  size_t create = 0, update = 0, disable = 0, remove = 0, noop = 0, unknown = 0, blocked = 0;
  [[nodiscard]] size_t changes() const { return create + update + disable + remove; }
};

// One entry per resource type the plan has an action of, in step order (the order of
// all_resource_types()).
[[nodiscard]] std::vector<TypeCounts> counts_by_type(const Plan& plan);

// Of one field across a group's actions: its change when it is the same for every folder
// (`same`), or nullptr when it differs per folder (a folder id always does).
struct GroupField {
  uint16_t field = 0;
  const FieldChange* same = nullptr;
};

// The folder-link actions of one user that are listed together: neighbours in plan order (no-ops
// between them are skipped) with the same login and kind. Unknown and blocked actions also need
// the same reason (a user's mailbox error is said once).
struct FolderLinkGroup {
  ActionKind kind = ActionKind::NoOp;
  std::string_view login;
  std::vector<uint32_t> actions;   // indices into Plan::actions, in order
  std::string_view reason;         // when every action has it, else ""
  std::vector<GroupField> fields;  // in the first action's field order
};

// A group's name without its type, as the plans show it: "jsmith/calendar" for one folder,
// "jsmith/{calendar,tasks}" for several. Not escaped: the renderers do that.
[[nodiscard]] std::string folder_link_group_name(const Plan& plan, const FolderLinkGroup& group);

// The address's login of a folder link ("jsmith" of "jsmith/calendar") and its folder.
[[nodiscard]] std::string_view folder_link_login(const Action& link);
[[nodiscard]] std::string_view folder_link_folder(const Action& link);

// Calls `group` for each group of the plan's folder-link actions that change or cannot be
// decided (not the no-ops), in plan order.
template <class Visit>
void for_each_folder_link_group(const Plan& plan, Visit&& group);

// The folder-link actions that are listed (not no-ops), the users they are for, and how many
// groups for_each_folder_link_group() would give.
struct FolderLinkTotals {
  size_t actions = 0, users = 0, groups = 0;
};
[[nodiscard]] FolderLinkTotals folder_link_totals(const Plan& plan);

// Whether the action is listed with the folder links (grouped) rather than on its own.
[[nodiscard]] inline bool is_listed_folder_link(const Action& a) {
  return a.type == &types::kFolderLink && a.kind != ActionKind::NoOp;
}

// The objects the spec does not name and the plan leaves alone (Plan::unmanaged), as review
// lines: a user's folder links on one line ("olduser/{calendar,tasks}"), anything else alone.
struct UnmanagedLine {
  const ResourceType* type = nullptr;
  std::string name;    // the address without "<type>/"
  uint32_t first = 0;  // index into Plan::observed.resources of its first object
  size_t objects = 1;
};
[[nodiscard]] std::vector<UnmanagedLine> unmanaged_lines(const Plan& plan);

namespace detail {
// Whether action `next` joins `group` (same login and kind, same reason when that matters).
[[nodiscard]] bool joins(const Plan& plan, const FolderLinkGroup& group, const Action& next);
void start_group(FolderLinkGroup& group, const Plan& plan, uint32_t index);
void add_to_group(FolderLinkGroup& group, const Plan& plan, uint32_t index);
}  // namespace detail

template <class Visit>
void for_each_folder_link_group(const Plan& plan, Visit&& group) {
  FolderLinkGroup current;
  bool open = false;
  for (uint32_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    if (!is_listed_folder_link(a)) continue;
    if (open && detail::joins(plan, current, a)) {
      detail::add_to_group(current, plan, i);
      continue;
    }
    if (open) group(static_cast<const FolderLinkGroup&>(current));
    detail::start_group(current, plan, i);
    open = true;
  }
  if (open) group(static_cast<const FolderLinkGroup&>(current));
}

}  // namespace sd
