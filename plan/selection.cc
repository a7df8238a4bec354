// Selection is linear in the number of objects: each is tested against the prefixes once, and
// dependencies are renumbered through one index table (300,000 folder links stay fast).
#include "plan/selection.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/text_checks.h"

namespace sd {
namespace {

// A prefix without '/' selects whole types: "nexj", "nexj.target".
bool prefix_selects_type_name(std::string_view prefix, std::string_view type_name) {
  if (!type_name.starts_with(prefix)) return false;
  return type_name.size() == prefix.size() || type_name[prefix.size()] == '.';
}

bool prefix_selects(std::string_view prefix, const ResourceType& type, std::string_view name) {
  size_t slash = prefix.find('/');
  if (slash == std::string_view::npos) return prefix_selects_type_name(prefix, type.name);
  if (prefix.substr(0, slash) != type.name) return false;
  std::string_view want = prefix.substr(slash + 1);
  if (want.empty() || name.size() < want.size()) return false;
  std::string_view head = name.substr(0, want.size());
  bool same = type.names_ignore_case ? iequals(head, want) : head == want;
  return same && (name.size() == want.size() || name[want.size()] == '/');
}

// The resource type whose name shares the longest start with `text`: the suggestion for a
// prefix that selects nothing ("nexj.tar" -> nexj.target).
std::string_view closest_type(std::string_view text) {
  std::string_view best = all_resource_types().front()->name;
  size_t best_length = 0;
  for (const ResourceType* t : all_resource_types()) {
    size_t n = 0;
    while (n < text.size() && n < t->name.size() && text[n] == t->name[n]) ++n;
    if (n > best_length) {
      best_length = n;
      best = t->name;
    }
  }
  return best;
}

}  // namespace

bool selects(std::span<const std::string> prefixes, const ResourceType& type,
             std::string_view name) {
  if (prefixes.empty()) return true;
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return prefix_selects(p, type, name); });
}

bool selects(std::span<const std::string> prefixes, std::string_view address) {
  if (prefixes.empty()) return true;
  size_t slash = address.find('/');
  const ResourceType* type = find_resource_type(address.substr(0, slash));
  if (type && slash != std::string_view::npos)
    return selects(prefixes, *type, address.substr(slash + 1));
  // Not a resource address: plain separator rules, no case folding.
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
    return address.starts_with(p) &&
           (address.size() == p.size() || address[p.size()] == '.' || address[p.size()] == '/');
  });
}

bool selects_type(std::span<const std::string> prefixes, const ResourceType& type) {
  if (prefixes.empty()) return true;
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
    size_t slash = p.find('/');
    if (slash == std::string::npos) return prefix_selects_type_name(p, type.name);
    return std::string_view(p).substr(0, slash) == type.name;
  });
}

Status check_prefixes(std::span<const std::string> prefixes, std::string_view given_as) {
  const std::string option(given_as);
  std::vector<Error> errors;
  for (const std::string& p : prefixes) {
    std::string shown = printable(p, 80);
    if (p.empty()) {
      errors.push_back(make_error(
          option + " needs an address or the start of one, such as nexj, exchange or nexj.target"));
      continue;
    }
    size_t slash = p.find('/');
    std::string_view type_part = std::string_view(p).substr(0, slash);
    bool fits = type_part.starts_with("nexj") || type_part.starts_with("exchange");
    if (fits && slash == std::string::npos) {
      fits =
          std::any_of(all_resource_types().begin(), all_resource_types().end(),
                      [&](const ResourceType* t) { return prefix_selects_type_name(p, t->name); });
    } else if (fits) {
      fits = find_resource_type(type_part) != nullptr;
    }
    if (!fits) {
      errors.push_back(make_error(option + " " + shown + " selects nothing: use a type such as " +
                                  std::string(closest_type(type_part)) + ", or nexj, exchange"));
    } else if (p.back() == '/') {
      errors.push_back(make_error(option + " " + shown +
                                  " selects nothing: it ends in '/'; give the name after it"));
    }
  }
  if (!errors.empty()) return errors;
  return ok_status();
}

DesiredState select_desired(DesiredState desired, std::span<const std::string> prefixes) {
  if (prefixes.empty()) return desired;
  auto& resources = desired.resources;
  constexpr uint32_t kDropped = UINT32_MAX;
  std::vector<uint32_t> new_index(resources.size(), kDropped);
  uint32_t kept = 0;
  for (size_t i = 0; i < resources.size(); ++i) {
    const Resource& r = resources[i];
    if (r.type && selects(prefixes, *r.type, r.name)) new_index[i] = kept++;
  }
  // Compacted in place: a kept resource only moves to a lower or equal position.
  for (size_t i = 0; i < resources.size(); ++i) {
    if (new_index[i] == kDropped) continue;
    Resource& r = resources[i];
    std::erase_if(r.depends_on,
                  [&](uint32_t d) { return d >= new_index.size() || new_index[d] == kDropped; });
    for (uint32_t& d : r.depends_on) d = new_index[d];
    if (new_index[i] != i) resources[new_index[i]] = std::move(r);
  }
  resources.resize(kept);
  desired.only.assign(prefixes.begin(), prefixes.end());
  std::erase_if(desired.removals,
                [&](const Removal& r) { return !r.type || !selects(prefixes, *r.type, r.name); });
  return desired;
}

ObservedState select_observed(ObservedState observed, std::span<const std::string> prefixes) {
  if (prefixes.empty()) {
    observed.index();
    return observed;
  }
  std::erase_if(observed.resources, [&](const ObservedResource& r) {
    return !r.type || !selects(prefixes, *r.type, r.name);
  });
  std::erase_if(observed.failed_types, [&](const auto& entry) {
    const ResourceType* t = find_resource_type(entry.first);
    return !t || !selects_type(prefixes, *t);
  });
  std::erase_if(observed.unread_types, [&](const std::string& name) {
    const ResourceType* t = find_resource_type(name);
    return !t || !selects_type(prefixes, *t);
  });
  observed.index();
  return observed;
}

}  // namespace sd
