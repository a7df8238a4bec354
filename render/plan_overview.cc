#include "render/plan_overview.h"

#include <unordered_map>

namespace sd {
namespace {

// What an action says about itself when it cannot be done: its read error or its reason.
std::string_view why_of(const Plan& plan, const Action& a) {
  return a.kind == ActionKind::Unknown ? read_error_of(plan, a) : std::string_view(a.reason);
}

bool same_change(const FieldChange& a, const FieldChange& b) {
  return a.field == b.field && a.before == b.before && a.after == b.after;
}

}  // namespace

std::vector<TypeCounts> counts_by_type(const Plan& plan) {
  std::unordered_map<const ResourceType*, TypeCounts> by_type;
  for (const Action& a : plan.actions) {
    if (!a.type) continue;
    TypeCounts& c = by_type[a.type];
    c.type = a.type;
    switch (a.kind) {
      case ActionKind::Create:
        ++c.create;
        break;
      case ActionKind::Update:
        ++c.update;
        break;
      case ActionKind::Disable:
        ++c.disable;
        break;
      case ActionKind::Remove:
        ++c.remove;
        break;
      case ActionKind::NoOp:
        ++c.noop;
        break;
      case ActionKind::Unknown:
        ++c.unknown;
        break;
      case ActionKind::Blocked:
        ++c.blocked;
        break;
    }
  }
  std::vector<TypeCounts> out;
  for (const ResourceType* type : all_resource_types())
    if (auto it = by_type.find(type); it != by_type.end()) out.push_back(it->second);
  return out;
}

std::string_view folder_link_login(const Action& link) {
  std::string_view name = link.name;
  size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(0, slash);
}

std::string_view folder_link_folder(const Action& link) {
  std::string_view name = link.name;
  size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : name.substr(slash + 1);
}

std::string folder_link_group_name(const Plan& plan, const FolderLinkGroup& group) {
  const Action& first = plan.actions[group.actions.front()];
  if (group.actions.size() == 1) return first.name;
  std::string name(group.login);
  name += "/{";
  for (size_t i = 0; i < group.actions.size(); ++i) {
    if (i) name += ',';
    name += folder_link_folder(plan.actions[group.actions[i]]);
  }
  name += '}';
  return name;
}

std::vector<UnmanagedLine> unmanaged_lines(const Plan& plan) {
  std::vector<UnmanagedLine> out;
  std::string_view open_login;  // the user of the last line when it is a folder link line
  for (uint32_t j : plan.unmanaged) {
    const ObservedResource& o = plan.observed.resources[j];
    if (o.type == &types::kFolderLink) {
      size_t slash = o.name.rfind('/');
      std::string_view login = std::string_view(o.name).substr(0, slash);
      std::string_view folder = slash == std::string::npos
                                    ? std::string_view()
                                    : std::string_view(o.name).substr(slash + 1);
      if (!out.empty() && out.back().type == o.type && slash != std::string::npos &&
          login == open_login) {
        UnmanagedLine& line = out.back();
        if (line.objects == 1) {  // "login/calendar" becomes "login/{calendar,tasks}"
          std::string first(line.name.substr(login.size() + 1));
          line.name.resize(login.size());
          line.name += "/{" + first;
        } else {
          line.name.pop_back();
        }
        line.name += ',';
        line.name += folder;
        line.name += '}';
        ++line.objects;
        continue;
      }
      open_login = slash == std::string::npos ? std::string_view() : login;
    } else {
      open_login = {};
    }
    out.push_back(UnmanagedLine{o.type, o.name, j, 1});
  }
  return out;
}

FolderLinkTotals folder_link_totals(const Plan& plan) {
  FolderLinkTotals totals;
  std::string_view last_login;
  bool any = false;
  for_each_folder_link_group(plan, [&](const FolderLinkGroup& g) {
    totals.actions += g.actions.size();
    ++totals.groups;
    // A user's groups are neighbours unless its links interleave with another kind.
    if (!any || g.login != last_login) ++totals.users;
    last_login = g.login;
    any = true;
  });
  return totals;
}

namespace detail {

bool joins(const Plan& plan, const FolderLinkGroup& group, const Action& next) {
  if (next.kind != group.kind || folder_link_login(next) != group.login) return false;
  if (next.kind == ActionKind::Unknown || next.kind == ActionKind::Blocked)
    return why_of(plan, next) == group.reason;
  return true;
}

void start_group(FolderLinkGroup& group, const Plan& plan, uint32_t index) {
  const Action& a = plan.actions[index];
  group.kind = a.kind;
  group.login = folder_link_login(a);
  group.actions.assign(1, index);
  group.reason = why_of(plan, a);
  group.fields.clear();
  for (const FieldChange& c : a.changes) group.fields.push_back({c.field, &c});
}

void add_to_group(FolderLinkGroup& group, const Plan& plan, uint32_t index) {
  const Action& a = plan.actions[index];
  group.actions.push_back(index);
  if (why_of(plan, a) != group.reason) group.reason = {};
  // A field this action does not change, or changes otherwise, differs per folder; a field
  // only this action changes is one more that differs.
  for (GroupField& f : group.fields) {
    if (!f.same) continue;
    const FieldChange* mine = nullptr;
    for (const FieldChange& c : a.changes)
      if (c.field == f.field) mine = &c;
    if (!mine || !same_change(*mine, *f.same)) f.same = nullptr;
  }
  for (const FieldChange& c : a.changes) {
    bool known = false;
    for (const GroupField& f : group.fields) known = known || f.field == c.field;
    if (!known) group.fields.push_back({c.field, nullptr});
  }
}

}  // namespace detail
}  // namespace sd
