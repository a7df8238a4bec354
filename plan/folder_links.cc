#include "plan/folder_links.h"

#include <algorithm>
#include <unordered_map>

#include "base/text_checks.h"
#include "plan/selection.h"

namespace sd {
namespace {

// The link's fields, by index.
struct LinkFields {
  int target = field_index(types::kFolderLink, "target");
  int email = field_index(types::kFolderLink, "email");
  int folder_id = field_index(types::kFolderLink, "folderId");
};
const LinkFields& link_fields() {
  static const LinkFields fields;
  return fields;
}

const std::string* text_at(const std::vector<Value>& values, int field) {
  if (field < 0 || static_cast<size_t>(field) >= values.size()) return nullptr;
  return std::get_if<std::string>(&values[static_cast<size_t>(field)]);
}

// The link moves to another mailbox: the field its folder id belongs to changes.
bool moves_mailbox(const Resource& link, const ObservedResource& live, size_t field) {
  const int owner = field_index(*link.type, link.type->fields[field].belongs_to);
  const std::string* want = text_at(link.values, owner);
  const std::string* have = text_at(live.values, owner);
  return want && (!have || to_lower_ascii(*want) != to_lower_ascii(*have));
}

// A live link needs its folder id (again) when it has none or moves to another mailbox or
// target.
bool needs_folder_id(const Resource& link, const ObservedResource& live) {
  const LinkFields& f = link_fields();
  const std::string* id = text_at(live.values, f.folder_id);
  if (!id || id->empty()) return true;
  const std::string* want_target = text_at(link.values, f.target);
  const std::string* have_target = text_at(live.values, f.target);
  if (want_target && (!have_target || *want_target != *have_target)) return true;
  return moves_mailbox(link, live, static_cast<size_t>(f.folder_id));
}

}  // namespace

std::vector<MailboxToCheck> mailboxes_to_check(const DesiredState& desired,
                                               const ObservedState& observed, bool refresh,
                                               std::span<const std::string> only,
                                               std::span<const std::string> always_ask) {
  const LinkFields& f = link_fields();
  std::vector<MailboxToCheck> out;
  std::unordered_map<std::string, size_t> by_email;
  std::vector<uint8_t> needed;
  std::string address, error;
  for (const Resource& r : desired.resources) {
    if (r.type != &types::kFolderLink) continue;
    if (!only.empty() && !selects(only, types::kFolderLink, r.name)) continue;
    const std::string* email = text_at(r.values, f.email);
    const std::string* target = text_at(r.values, f.target);
    if (!email || !target) continue;
    std::string key = to_lower_ascii(*email);
    auto [it, added] = by_email.try_emplace(key, out.size());
    if (added) {
      out.push_back(MailboxToCheck{*email, *target, {}});
      needed.push_back(refresh ? 1 : 0);
    }
    out[it->second].folders.push_back(r.name.substr(r.name.rfind('/') + 1));
    if (needed[it->second]) continue;
    if (std::binary_search(always_ask.begin(), always_ask.end(), r.name)) {
      needed[it->second] = 1;
      continue;
    }
    address.assign(types::kFolderLink.name).append("/").append(r.name);
    const ObservedResource* live = nullptr;
    Presence presence = observed.presence_of(types::kFolderLink, address, &live, &error);
    if (presence != Presence::Present || !live || needs_folder_id(r, *live)) needed[it->second] = 1;
  }
  // Keep only the users that need asking; one GetFolder per user resolves all their folders.
  size_t kept = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!needed[i]) continue;
    if (kept != i) out[kept] = std::move(out[i]);  // a self-move would empty the strings
    ++kept;
  }
  out.resize(kept);
  return out;
}

Value known_at_apply_value(const Resource& link, size_t field, const ObservedResource* live,
                           const ObservedState& observed) {
  const LinkFields& f = link_fields();
  if (link.type != &types::kFolderLink || field != static_cast<size_t>(f.folder_id)) return Unset{};
  if (const std::string* email = text_at(link.values, f.email)) {
    auto m = observed.mailboxes.find(to_lower_ascii(*email));
    if (m != observed.mailboxes.end() && m->second.status == MailboxObservation::Status::Ok) {
      std::string_view folder = std::string_view(link.name).substr(link.name.rfind('/') + 1);
      if (auto id = m->second.folder_ids.find(folder); id != m->second.folder_ids.end())
        return id->second;
    }
  }
  // No id known: a link moving to another mailbox must not keep the old one's.
  if (live && moves_mailbox(link, *live, field)) return NullValue{};
  return Unset{};
}

}  // namespace sd
