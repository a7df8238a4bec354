// The rules on users: inline users get the checks the CSV parser gives CSV rows; logins and
// addresses are unique across the spec and every CSV file; every user has a known target.
// Users can be 100,000 CSV rows: the checks are linear, and rows without a target are
// reported once per file.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "base/text_checks.h"
#include "spec/document.h"
#include "spec/email_address.h"
#include "spec/semantic_checker.h"
#include "spec/spec_values.h"

namespace sd {

Location RuleChecker::user_location(const User& u, std::string_view name) const {
  if (u.origin.source == 0) return doc_.locate(field(u.at, name));
  size_t index = u.origin.source - 1u;
  std::string file = index < spec_.users.csvFiles.size() ? spec_.users.csvFiles[index] : "?";
  return Location{std::move(file), u.origin.line, 0};
}

void RuleChecker::user_fail(const User& u, std::string_view name, std::string message) {
  std::string subject =
      u.origin.source == 0 ? human_path(field(u.at, name)) : "column " + std::string(name);
  errors_.push_back(make_error(std::move(message), user_location(u, name), std::move(subject)));
}

void RuleChecker::check_users() {
  const Users& users = spec_.users;
  const std::string default_at = field(users.at, "defaults/target");
  if (!users.defaultTarget.empty() && !targets_.contains(users.defaultTarget))
    unknown("target", users.defaultTarget, default_at, target_names_, "nexj.targets");

  std::vector<Named> files;
  for (size_t i = 0; i < users.csvFiles.size(); ++i)
    files.push_back({users.csvFiles[i], i < users.csvAt.size() ? users.csvAt[i] : users.at});
  check_unique(files, "users CSV file");

  CaseInsensitiveMap<const User*> logins, emails;
  logins.reserve(users.list.size());
  emails.reserve(users.list.size());
  std::string defined_targets;  // built once: a bad CSV can name an unknown target 100k times
  // CSV rows without a target, per file: one error each, not one per row.
  std::unordered_map<uint16_t, std::pair<uint32_t, size_t>> untargeted;
  for (const User& u : users.list) {
    const bool inline_user = u.origin.source == 0;
    if (inline_user) check_inline_user(u);
    if (u.target.empty()) {
      if (inline_user) {
        user_fail(u, "target",
                  fmt::format("user {} has no target: give target or set "
                              "users.defaults.target",
                              single_quoted(u.login)));
      } else {
        auto [it, inserted] = untargeted.emplace(u.origin.source, std::pair{u.origin.line, 0});
        ++it->second.second;
      }
    } else if (u.target != users.defaultTarget && !targets_.contains(u.target)) {
      if (defined_targets.empty())
        defined_targets = target_names_.empty() ? "none is defined (nexj.targets is empty)"
                                                : "defined targets: " + name_list(target_names_);
      user_fail(u, "target",
                fmt::format("unknown target {}; {}", single_quoted(u.target), defined_targets));
    }
    if (!u.login.empty()) {
      auto [it, inserted] = logins.emplace(u.login, &u);
      if (!inserted)
        user_fail(
            u, "login",
            fmt::format("duplicate login {} (first at {})", single_quoted(u.login),
                        first_at(user_location(*it->second, "login"), user_location(u, "login"))));
    }
    if (!u.email.empty()) {
      auto [it, inserted] = emails.emplace(u.email, &u);
      if (!inserted)
        user_fail(
            u, "email",
            fmt::format("duplicate email address {} (first for login {} at {})",
                        single_quoted(u.email), single_quoted(it->second->login),
                        first_at(user_location(*it->second, "email"), user_location(u, "email"))));
    }
  }
  for (const auto& [source, first] : untargeted) {
    User probe;
    probe.origin = UserOrigin{source, first.first};
    user_fail(probe, "target",
              fmt::format("{} user{} without a target (first at this line); fill the target "
                          "column or set users.defaults.target",
                          first.second, first.second == 1 ? "" : "s"));
  }
}

// CSV rows were checked by the parser; inline users get the same checks here.
void RuleChecker::check_inline_user(const User& u) {
  if (std::string why = login_problem(u.login); !why.empty()) user_fail(u, "login", std::move(why));
  if (std::string_view why = email_address_problem(u.email); !why.empty())
    user_fail(u, "email", fmt::format("invalid email address {}: {}", quoted(u.email), why));
}

}  // namespace sd
