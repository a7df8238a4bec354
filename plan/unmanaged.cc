#include "plan/unmanaged.h"

#include <algorithm>
#include <set>

#include "base/text_checks.h"
#include "spec/yaml_scalar.h"

namespace sd {
namespace {

bool enabled(const ObservedResource& o) {
  int f = o.type->enabled_field;
  if (f < 0 || static_cast<size_t>(f) >= o.values.size()) return true;
  const bool* b = std::get_if<bool>(&o.values[static_cast<size_t>(f)]);
  return !b || *b;
}

bool points_at_ews(const ObservedResource& channel) {
  return is_ews_url(text_field(*channel.type, channel.values, "url"));
}

// The channels some target (live or in the spec) sends or receives through, in lower case.
std::set<std::string, std::less<>> channels_of_targets(const DesiredState& desired,
                                                       const ObservedState& observed) {
  std::set<std::string, std::less<>> out;
  auto add = [&](const std::vector<Value>& values) {
    for (std::string_view field : {"sender", "receiver"}) {
      int i = field_index(types::kTarget, field);
      if (i < 0 || static_cast<size_t>(i) >= values.size()) continue;
      if (const auto* s = std::get_if<std::string>(&values[static_cast<size_t>(i)]))
        out.insert(to_lower_ascii(*s));
    }
  };
  for (const Resource& r : desired.resources)
    if (r.type == &types::kTarget) add(r.values);
  for (const ObservedResource& o : observed.resources)
    if (o.type == &types::kTarget) add(o.values);
  return out;
}

}  // namespace

bool is_ews_url(std::string_view url) {
  return to_lower_ascii(url).find("/ews/") != std::string::npos;
}

std::vector<uint32_t> find_unmanaged(const DesiredState& desired, const ObservedState& observed,
                                     const std::vector<uint8_t>& named,
                                     const std::vector<uint8_t>& acted) {
  std::set<std::string, std::less<>> target_channels;
  bool targets_read = false;
  std::vector<uint32_t> out;
  const auto& seen = observed.resources;
  for (uint32_t j = 0; j < seen.size(); ++j) {
    const ObservedResource& o = seen[j];
    if (!o.type || named[j] || acted[j] || o.presence != Presence::Present) continue;
    const ResourceType& type = *o.type;
    bool concerns = true;
    if (&type == &types::kHttpChannel) {
      if (!targets_read) target_channels = channels_of_targets(desired, observed);
      targets_read = true;
      concerns = points_at_ews(o) || target_channels.count(to_lower_ascii(o.name)) > 0;
    } else if (&type == &types::kTarget || &type == &types::kFolderLink) {
      concerns = enabled(o);  // a disabled one was taken out of use before
    }
    if (concerns) out.push_back(j);
  }
  // Each live system lists its objects in its own order: step, then name, for every reader.
  auto step_of = [&](uint32_t j) { return seen[j].type->step; };
  std::stable_sort(out.begin(), out.end(), [&](uint32_t a, uint32_t b) {
    if (step_of(a) != step_of(b)) return step_of(a) < step_of(b);
    if (seen[a].type != seen[b].type) return seen[a].type->name < seen[b].type->name;
    return seen[a].name < seen[b].name;
  });
  return out;
}

std::string unmanaged_hint(const ObservedResource& o) {
  const ResourceType& t = *o.type;
  // The name as it is: each renderer escapes what it shows (quotes, controls) in its own way.
  const std::string& name = o.name;
  // As it is pasted into the spec: " #" or a quote in a name would otherwise change it.
  const std::string remove =
      "; to remove: list " + yaml_scalar(make_address(t, name)) + " under remove:";
  if (&t == &types::kRoleAssignment)
    return "to adopt: impersonation.assignmentName: " + name + remove;
  if (&t == &types::kManagementScope)
    return "to adopt: impersonation.scope.name: " + name + remove +
           ", with the assignments that use it";
  if (&t == &types::kAdPermission) return "to adopt: impersonation.method: extendedRights" + remove;
  if (&t == &types::kThrottlingPolicy)
    return "to adopt: throttling.policy: " + name + remove + ", once no account uses it";
  if (&t == &types::kThrottlingAssociation)
    return "to adopt: throttling.policy: the policy it names" + remove;
  if (&t == &types::kMailChannel) return "to adopt: nexj.channels.mail.channel: " + name + remove;
  if (&t == &types::kHttpChannel)
    return "to adopt: name it in nexj.channels.senders or as nexj.channels.receiver" + remove;
  if (&t == &types::kTarget) return "to adopt: a nexj.targets entry named " + name;
  if (&t == &types::kGlobalOptions) return "to adopt: nexj.globalOptions";
  if (&t == &types::kUserOptions) return "to adopt: a nexj.userOptions entry with scope: " + name;
  if (&t == &types::kFolderLink)
    return "to adopt: list the user in users; to disable the links of users the spec does not "
           "name: users.prune: true";
  return {};
}

}  // namespace sd
