// The rules of `remove:`: each entry is the address of an object syncdeploy can remove, of
// this deployment, and not one the spec also keeps.
#include <fmt/format.h>

#include <array>
#include <string_view>

#include "base/suggestion.h"
#include "base/text_checks.h"
#include "spec/document.h"
#include "spec/semantic_checker.h"
#include "spec/spec_values.h"

namespace sd {
namespace {

constexpr std::string_view kRemovable[] = {
    "exchange.role_assignment",   "exchange.management_scope",       "exchange.ad_permission",
    "exchange.throttling_policy", "exchange.throttling_association", "nexj.mail_channel",
    "nexj.http_channel",
};

// The types that exist but are never removed, and what happens to them instead.
constexpr std::pair<std::string_view, std::string_view> kKept[] = {
    {"exchange.service_account",
     "syncdeploy never removes an account; remove it on Exchange when nothing uses it"},
    {"nexj.target", "targets are never deleted; a target the spec no longer names is disabled"},
    {"nexj.global_options", "the global options are kept; leave out the fields not to manage"},
    {"nexj.user_options", "user options are kept; leave out the fields not to manage"},
    {"nexj.folder_link",
     "folder links are disabled, not removed: users.prune: true disables the links of users the "
     "spec does not name"},
};

constexpr std::string_view kRights[] = {"ms-Exch-EPI-Impersonation", "ms-Exch-EPI-May-Impersonate"};

bool is_removable(std::string_view type) {
  for (std::string_view t : kRemovable)
    if (t == type) return true;
  return false;
}

}  // namespace

std::string_view RuleChecker::named_by_spec(std::string_view type, std::string_view name) const {
  const Exchange& ex = spec_.exchange;
  const bool on_premises = ex.version != ExchangeVersion::ExchangeOnline;
  const bool rbac = ex.impersonation.method == Impersonation::Method::Rbac;
  if (type == "exchange.role_assignment" && on_premises && rbac &&
      iequals(ex.impersonation.assignmentName, name))
    return "exchange.impersonation.assignmentName";
  if (type == "exchange.management_scope" && on_premises && rbac && ex.impersonation.scope &&
      iequals(ex.impersonation.scope->name, name))
    return "exchange.impersonation.scope.name";
  if (type == "exchange.ad_permission" && on_premises && !rbac)
    return "exchange.impersonation.method: extendedRights";
  if (type == "exchange.throttling_policy" && ex.throttling && iequals(ex.throttling->policy, name))
    return "exchange.throttling.policy";
  if (type == "exchange.throttling_association" && ex.throttling)
    return "exchange.throttling (its association)";
  const Channels& c = spec_.nexj.channels;
  if (type == "nexj.mail_channel" && c.mail && c.mail->channel == name)
    return "nexj.channels.mail.channel";
  if (type == "nexj.http_channel") {
    for (const SenderChannel& s : c.senders)
      if (s.channel == name) return "nexj.channels.senders";
    if (c.receiver && c.receiver->channel == name) return "nexj.channels.receiver";
  }
  return {};
}

void RuleChecker::check_remove() {
  const Exchange& ex = spec_.exchange;
  const std::string& account = ex.serviceAccount.identity;
  std::vector<Named> addresses;
  std::vector<std::string> joined;  // backing store of `addresses`
  joined.reserve(spec_.remove.size());
  for (const RemoveEntry& r : spec_.remove) {
    const std::string address = r.type + (r.name.empty() ? "" : "/" + r.name);
    if (r.name.empty() || r.type.empty()) {
      fail(fmt::format("{} is not an object address: write <type>/<name>, e.g. "
                       "exchange.role_assignment/OldImpersonation",
                       quoted(address)),
           r.at);
      continue;
    }
    if (!is_removable(r.type)) {
      bool kept = false;
      for (const auto& [type, why] : kKept) {
        if (type != r.type) continue;
        fail(fmt::format("{} cannot be removed: {}", quoted(address), why), r.at);
        kept = true;
      }
      if (kept) continue;
      std::vector<std::string> candidates(std::begin(kRemovable), std::end(kRemovable));
      std::optional<std::string> near = closest_match(r.type, candidates);
      fail(fmt::format("unknown object type {}{}; remove: takes {}", single_quoted(r.type),
                       near ? fmt::format(" (did you mean {}?)", single_quoted(*near)) : "",
                       name_list({std::begin(kRemovable), std::end(kRemovable)})),
           r.at);
      continue;
    }
    if (r.type.starts_with("exchange.") && ex.version == ExchangeVersion::ExchangeOnline) {
      fail(fmt::format("{} cannot be removed on Exchange Online: it has no impersonation or "
                       "throttling cmdlets, and syncdeploy manages neither there",
                       quoted(address)),
           r.at);
      continue;
    }
    // The account's own objects are named after it: another account's are not this
    // deployment's to remove.
    if (r.type == "exchange.ad_permission") {
      size_t slash = r.name.rfind('/');
      std::string_view who =
          slash == std::string::npos ? "" : std::string_view(r.name).substr(0, slash);
      std::string_view right = slash == std::string::npos
                                   ? std::string_view(r.name)
                                   : std::string_view(r.name).substr(slash + 1);
      bool known_right = false;
      for (std::string_view k : kRights) known_right = known_right || iequals(k, right);
      if (!iequals(who, account) || !known_right) {
        fail(fmt::format("{} is not one of the service account's rights: write "
                         "exchange.ad_permission/{}/ms-Exch-EPI-Impersonation or "
                         "exchange.ad_permission/{}/ms-Exch-EPI-May-Impersonate",
                         quoted(address), account, account),
             r.at);
        continue;
      }
    }
    if (r.type == "exchange.throttling_association" && !iequals(r.name, account)) {
      fail(fmt::format("{} is not the service account's association: write "
                       "exchange.throttling_association/{}",
                       quoted(address), account),
           r.at);
      continue;
    }
    if (std::string_view by = named_by_spec(r.type, r.name); !by.empty()) {
      fail(fmt::format("{} is also what {} names: the spec cannot both keep and remove it",
                       quoted(address), by),
           r.at);
      continue;
    }
    joined.push_back(address);
    addresses.push_back(Named{joined.back(), r.at});
  }
  check_unique(addresses, "object to remove");
}

}  // namespace sd
