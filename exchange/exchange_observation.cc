// read_observation: the lines observe_script printed, back into observed resources. Each line
// is checked (a JSON array of objects with exactly the selected string properties) before any
// object of its type is believed; a line that is missing or malformed fails its type, never
// reads as "absent" (design decision 2).
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/json_input.h"
#include "base/text_checks.h"
#include "exchange/exchange_queries.h"
#include "exchange/exchange_scripts.h"

namespace sd {
namespace {

using exchange::ExchangeQuery;
using exchange::QueryKind;
using Row = std::map<std::string, std::string, std::less<>>;

// The longest property value believed: recipient filters are the longest Exchange prints.
constexpr size_t kMaxPropertyChars = 4096;

// What one query's line said.
struct Answer {
  bool ok = false;
  std::vector<Row> rows;
  std::string error;  // why not ok
  size_t line = 0;    // its line in the output
};

std::vector<std::string_view> output_lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string where(size_t line, const ExchangeQuery& q) {
  return fmt::format("line {} of the Exchange read ({})", line, q.label);
}

Answer parse_line(std::string_view line, size_t number, const ExchangeQuery& q) {
  Answer a;
  if (too_deep_at(line)) {
    a.error = fmt::format("{}: nesting is deeper than {} levels", where(number, q), kMaxJsonDepth);
    return a;
  }
  nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    a.error = fmt::format("{}: not a JSON array: {}", where(number, q), quoted(line, 60));
    return a;
  }
  for (size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& item = doc[i];
    if (!item.is_object()) {
      a.error = fmt::format("{}: element {} is not an object", where(number, q), i + 1);
      return a;
    }
    Row row;
    for (const std::string& p : q.properties) {
      auto it = item.find(p);
      if (it == item.end() || !(it->is_string() || it->is_null())) {
        a.error =
            fmt::format("{}: element {} has no string property '{}'", where(number, q), i + 1, p);
        return a;
      }
      std::string value = it->is_null() ? std::string() : it->get<std::string>();
      // Names, identities, filters and limits: one line of text each. Anything else is a broken
      // or hostile answer, never a value to compare or write back.
      if (value.size() > kMaxPropertyChars || !is_plain_line(value)) {
        a.error = fmt::format(
            "{}: element {} property '{}' is not a value Exchange gives (control or bidi "
            "characters, line breaks, invalid UTF-8, or longer than {} characters)",
            where(number, q), i + 1, p, kMaxPropertyChars);
        return a;
      }
      row[p] = std::move(value);
    }
    a.rows.push_back(std::move(row));
  }
  a.ok = true;
  return a;
}

const std::string& get(const Row& row, std::string_view property) {
  static const std::string kEmpty;
  auto it = row.find(property);
  return it == row.end() ? kEmpty : it->second;
}

// The names one account goes by: what the spec says and what its mailbox said.
struct AccountNames {
  std::vector<std::string> names;    // alias, UPN, name, SMTP address ...
  std::vector<std::string> aliases;  // what may follow DOMAIN\ (alias, sAMAccountName)

  void add(std::string_view name) {
    if (name.empty()) return;
    names.emplace_back(name);
    aliases.emplace_back(exchange::alias_of(name));
  }
  // True when `user` (as Exchange printed it) names this account.
  [[nodiscard]] bool names_the_account(std::string_view user) const {
    for (const std::string& n : names)
      if (iequals(user, n)) return true;
    if (size_t slash = user.rfind('\\'); slash != std::string_view::npos && slash > 0) {
      std::string_view tail = user.substr(slash + 1);
      for (const std::string& a : aliases)
        if (iequals(tail, a)) return true;
    }
    return false;
  }
};

class Reader {
 public:
  Reader(const DesiredState& desired, ExchangeVersion version, ObservedState& into)
      : desired_(desired), version_(version), into_(into) {}

  void read(std::string_view stdout_text);

 private:
  void fail(const ResourceType& type, std::string message) {
    into_.failed_types.emplace(std::string(type.name), std::move(message));
  }
  ObservedResource& add(const Resource& r) {
    ObservedResource o;
    o.type = r.type;
    o.name = r.name;
    o.values.assign(r.type->fields.size(), Value{Unset{}});
    pending_.push_back(std::move(o));
    return pending_.back();
  }
  void set(ObservedResource& o, std::string_view field, Value v) {
    int i = field_index(*o.type, field);
    if (i >= 0) o.values[static_cast<size_t>(i)] = std::move(v);
  }
  // The spec's spelling of the user when `user` names the service account.
  std::string normalized_user(const std::string& user, const std::string& desired) const {
    return account_.names_the_account(user) ? desired : user;
  }

  // Each returns "" or the error that fails the type.
  std::string account(const ExchangeQuery& q, const Answer& a);
  std::string scopes(const Answer& a);
  std::string role_assignments(const Answer& a);
  std::string policies(const Answer& a);
  std::string permission(const ExchangeQuery& targets, const Answer& t, const Answer& p);
  std::string association(const ExchangeQuery& q, const Answer& a);
  // What concerns the account that the spec does not name: the account's other impersonation
  // assignments and the scopes they use, the policy associated with it. Each returns "" or the
  // error that fails the type.
  std::string unnamed_assignments(const Answer& assignments, const Answer* scopes);
  std::string unnamed_policy(const Answer& policies);

  void review_error(std::string error) { into_.review_errors.push_back(std::move(error)); }
  bool named(const ResourceType& type, std::string_view name) const {
    return desired_.names(type, name);
  }
  // The row named `name` ("Name", without case), or null.
  static const Row* row_named(const Answer& a, std::string_view name) {
    for (const Row& row : a.rows)
      if (iequals(get(row, "Name"), name)) return &row;
    return nullptr;
  }
  ObservedResource& add_unnamed(const ResourceType& type, std::string name) {
    ObservedResource o;
    o.type = &type;
    o.name = std::move(name);
    o.values.assign(type.fields.size(), Value{Unset{}});
    pending_.push_back(std::move(o));
    return pending_.back();
  }
  std::string limits(const Row& row, const std::string& name, size_t line, ObservedResource& o);

  const DesiredState& desired_;
  ExchangeVersion version_;
  ObservedState& into_;
  AccountNames account_;
  std::optional<bool> account_present_;  // known once the account line was read
  std::string identity_;                 // the account as the spec names it
  std::string associated_policy_;        // the policy Exchange associates with the account
  std::vector<ObservedResource> pending_;
};

// The names a mailbox row goes by.
AccountNames names_of(const Row& row) {
  AccountNames names;
  for (const char* p : {"Name", "Alias", "UserPrincipalName", "PrimarySmtpAddress"})
    names.add(get(row, p));
  if (!get(row, "SamAccountName").empty()) names.aliases.push_back(get(row, "SamAccountName"));
  return names;
}

std::string Reader::account(const ExchangeQuery& q, const Answer& a) {
  const Resource& r = desired_.resources[q.resource];
  const std::string upn = exchange::string_field(r, "upn");
  // The filter chose the mailbox; a row is believed only when it names the account.
  for (const Row& row : a.rows) {
    AccountNames live = names_of(row);
    if (!live.names_the_account(upn.empty() ? r.name : upn)) continue;
    account_present_ = true;
    account_.names.insert(account_.names.end(), live.names.begin(), live.names.end());
    account_.aliases.insert(account_.aliases.end(), live.aliases.begin(), live.aliases.end());
    ObservedResource& o = add(r);
    const std::string& live_upn = get(row, "UserPrincipalName");
    // A DOMAIN\name upn in the spec is the same account when the mailbox goes by that name.
    const bool same =
        !upn.empty() && upn.find('\\') != std::string::npos && live.names_the_account(upn);
    set(o, "upn", live_upn.empty() ? Value{NullValue{}} : Value{same ? upn : live_upn});
    // The password is never read back: an unknown fingerprint, which never shows as a change.
    set(o, "password", SecretValue{});
    return {};
  }
  account_present_ = false;
  return {};
}

std::string Reader::scopes(const Answer& a) {
  for (const Resource& r : desired_.resources) {
    if (r.type != &types::kManagementScope) continue;
    for (const Row& row : a.rows) {
      if (!iequals(get(row, "Name"), r.name)) continue;
      ObservedResource& o = add(r);
      set(o, "recipientFilter", get(row, "RecipientFilter"));
      const std::string& root = get(row, "RecipientRoot");
      set(o, "recipientRoot", root.empty() ? Value{NullValue{}} : Value{root});
      break;
    }
  }
  for (const Removal& r : desired_.removals) {
    const Row* row = r.type == &types::kManagementScope ? row_named(a, r.name) : nullptr;
    if (!row) continue;
    ObservedResource& o = add_unnamed(types::kManagementScope, r.name);
    set(o, "recipientFilter", get(*row, "RecipientFilter"));
    const std::string& root = get(*row, "RecipientRoot");
    set(o, "recipientRoot", root.empty() ? Value{NullValue{}} : Value{root});
  }
  return {};
}

std::optional<bool> parse_bool(std::string_view text) {
  if (iequals(text, "True")) return true;
  if (iequals(text, "False")) return false;
  return std::nullopt;
}

std::string Reader::role_assignments(const Answer& a) {
  for (const Resource& r : desired_.resources) {
    if (r.type != &types::kRoleAssignment) continue;
    for (const Row& row : a.rows) {
      if (!iequals(get(row, "Name"), r.name)) continue;
      std::optional<bool> enabled = parse_bool(get(row, "Enabled"));
      if (!enabled)
        return fmt::format(
            "line {} of the Exchange read (Get-ManagementRoleAssignment): Enabled "
            "of '{}' is {}, not 'True' or 'False'",
            a.line, printable(r.name), quoted(get(row, "Enabled")));
      ObservedResource& o = add(r);
      set(o, "role", get(row, "Role"));
      set(o, "user",
          normalized_user(get(row, "RoleAssigneeName"), exchange::string_field(r, "user")));
      // "" is "no custom scope", as the spec side writes it.
      set(o, "customRecipientWriteScope", get(row, "CustomRecipientWriteScope"));
      set(o, "enabled", *enabled);
      break;
    }
  }
  for (const Removal& r : desired_.removals) {
    const Row* row = r.type == &types::kRoleAssignment ? row_named(a, r.name) : nullptr;
    if (!row) continue;
    std::optional<bool> enabled = parse_bool(get(*row, "Enabled"));
    if (!enabled)
      return fmt::format(
          "line {} of the Exchange read (Get-ManagementRoleAssignment): Enabled "
          "of '{}' is {}, not 'True' or 'False'",
          a.line, printable(r.name), quoted(get(*row, "Enabled")));
    ObservedResource& o = add_unnamed(types::kRoleAssignment, r.name);
    set(o, "role", get(*row, "Role"));
    // The account as the spec names it, so that the plan can tell its own from another's.
    set(o, "user", normalized_user(get(*row, "RoleAssigneeName"), identity_));
    set(o, "customRecipientWriteScope", get(*row, "CustomRecipientWriteScope"));
    set(o, "enabled", *enabled);
  }
  return {};
}

// A limit as Exchange prints it: digits, "Unlimited", or "" (2010's $null: unlimited).
std::optional<Value> parse_limit(std::string_view text) {
  if (text.empty() || iequals(text, "Unlimited")) return Value{NullValue{}};
  if (text.size() > 18) return std::nullopt;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return Value{n};
}

// The limits of policy `name` from its row into `o`.
std::string Reader::limits(const Row& row, const std::string& name, size_t line,
                           ObservedResource& o) {
  for (const exchange::LimitParameter& p : exchange::limit_parameters()) {
    std::string_view parameter = exchange::limit_parameter(p, version_);
    if (parameter.empty()) continue;  // not on this version: Unset, never diffed
    const std::string& text = get(row, parameter);
    // From 2013 on, $null is "not set": the value comes from the organization's default
    // policy, which throttles. Only "Unlimited" lifts a limit there. On 2010, $null is the
    // UInt32 parameters' unlimited (NexJ's documented commands set $null for that).
    if (text.empty() && version_ != ExchangeVersion::Exchange2010) continue;  // stays Unset
    std::optional<Value> v = parse_limit(text);
    if (!v)
      return fmt::format(
          "line {} of the Exchange read (Get-ThrottlingPolicy): {} of '{}' is "
          "{}, not a number, '' or 'Unlimited'",
          line, parameter, printable(name), quoted(text));
    set(o, p.field, std::move(*v));
  }
  return {};
}

std::string Reader::policies(const Answer& a) {
  for (const Resource& r : desired_.resources) {
    if (r.type != &types::kThrottlingPolicy) continue;
    for (const Row& row : a.rows) {
      if (!iequals(get(row, "Name"), r.name)) continue;
      if (std::string e = limits(row, r.name, a.line, add(r)); !e.empty()) return e;
      break;
    }
  }
  for (const Removal& r : desired_.removals) {
    const Row* row = r.type == &types::kThrottlingPolicy ? row_named(a, r.name) : nullptr;
    if (!row) continue;
    if (std::string e = limits(*row, r.name, a.line, add_unnamed(types::kThrottlingPolicy, r.name));
        !e.empty())
      return e;
  }
  return {};
}

std::string Reader::permission(const ExchangeQuery& targets, const Answer& t, const Answer& p) {
  const std::string_view right = exchange::extended_right_for(targets.applies_to);
  if (account_present_ == false) return {};  // no account, no right for it
  // Present when every server (or database) has an allowing entry of the right for the user;
  // one the spec does not name is listed for review when any has it (it grants there).
  const bool named = targets.resource != UINT32_MAX;
  size_t granted_on = 0;
  for (const Row& target : t.rows) {
    bool granted = false;
    for (const Row& entry : p.rows) {
      const std::string& on = get(entry, "Identity");
      if (!iequals(on, get(target, "Name")) && !iequals(on, get(target, "DistinguishedName")))
        continue;
      if (!account_.names_the_account(get(entry, "User")) || iequals(get(entry, "Deny"), "True"))
        continue;
      // [string] of a list of rights joins them with spaces.
      std::string_view rights = get(entry, "ExtendedRights");
      while (!rights.empty() && !granted) {
        size_t end = rights.find_first_of(" ,");
        granted = iequals(rights.substr(0, end), right);
        rights = end == std::string_view::npos ? std::string_view() : rights.substr(end + 1);
      }
      if (granted) break;
    }
    if (!granted && named) return {};  // absent: Create grants it everywhere
    granted_on += granted;
  }
  if (!named && granted_on == 0) return {};
  ObservedResource& o =
      targets.resource != UINT32_MAX
          ? add(desired_.resources[targets.resource])
          : add_unnamed(types::kAdPermission, identity_ + "/" + std::string(right));
  set(o, "user",
      targets.resource != UINT32_MAX
          ? exchange::string_field(desired_.resources[targets.resource], "user")
          : identity_);
  set(o, "appliesTo", std::string(targets.applies_to));
  return {};
}

std::string Reader::association(const ExchangeQuery& q, const Answer& a) {
  if (a.rows.empty()) return {};
  const std::string& policy = get(a.rows.front(), "ThrottlingPolicyId");
  associated_policy_ = policy;
  // Unnamed and empty: the default policy applies, which is nothing to review.
  if (q.resource == UINT32_MAX && policy.empty()) return {};
  ObservedResource& o = q.resource != UINT32_MAX
                            ? add(desired_.resources[q.resource])
                            : add_unnamed(types::kThrottlingAssociation, identity_);
  // Empty: the default policy applies, which is not the spec's policy.
  set(o, "policy", policy.empty() ? Value{NullValue{}} : Value{policy});
  return {};
}

std::string Reader::unnamed_assignments(const Answer& assignments, const Answer* scopes) {
  if (account_present_ == false) return {};
  std::vector<std::string> used_scopes;
  for (const Row& row : assignments.rows) {
    if (!account_.names_the_account(get(row, "RoleAssigneeName"))) continue;
    const std::string& scope = get(row, "CustomRecipientWriteScope");
    if (!scope.empty()) used_scopes.push_back(scope);
    const std::string& name = get(row, "Name");
    if (name.empty() || named(types::kRoleAssignment, name)) continue;
    std::optional<bool> enabled = parse_bool(get(row, "Enabled"));
    if (!enabled)
      return fmt::format(
          "line {} of the Exchange read (Get-ManagementRoleAssignment): Enabled "
          "of '{}' is {}, not 'True' or 'False'",
          assignments.line, printable(name), quoted(get(row, "Enabled")));
    ObservedResource& o = add_unnamed(types::kRoleAssignment, name);
    set(o, "role", get(row, "Role"));
    set(o, "user", identity_);
    set(o, "customRecipientWriteScope", scope);
    set(o, "enabled", *enabled);
  }
  if (!scopes) return {};
  for (const Row& row : scopes->rows) {
    const std::string& name = get(row, "Name");
    if (name.empty() || named(types::kManagementScope, name)) continue;
    bool used = false;
    for (const std::string& s : used_scopes) used = used || iequals(s, name);
    if (!used) continue;
    ObservedResource& o = add_unnamed(types::kManagementScope, name);
    set(o, "recipientFilter", get(row, "RecipientFilter"));
    const std::string& root = get(row, "RecipientRoot");
    set(o, "recipientRoot", root.empty() ? Value{NullValue{}} : Value{root});
  }
  return {};
}

std::string Reader::unnamed_policy(const Answer& policies) {
  if (associated_policy_.empty() || named(types::kThrottlingPolicy, associated_policy_)) return {};
  for (const Row& row : policies.rows)
    if (iequals(get(row, "Name"), associated_policy_))
      return limits(row, get(row, "Name"), policies.line,
                    add_unnamed(types::kThrottlingPolicy, get(row, "Name")));
  return {};
}

void Reader::read(std::string_view stdout_text) {
  std::vector<ExchangeQuery> queries = exchange::exchange_queries(desired_, version_);
  std::vector<std::string_view> lines = output_lines(stdout_text);
  std::vector<Answer> answers(queries.size());
  std::vector<bool> missing(queries.size(), false);
  size_t next = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    const ExchangeQuery& q = queries[i];
    if (q.line.empty()) {
      answers[i].error = fmt::format("{} was not run: {}", q.label, q.error);
      continue;
    }
    ++next;
    if (next > lines.size()) {
      missing[i] = true;
      answers[i].error = fmt::format(
          "the Exchange read printed {} line{}; line {} ({}) is missing: the script stopped "
          "before it",
          lines.size(), lines.size() == 1 ? "" : "s", next, q.label);
      continue;
    }
    answers[i] = parse_line(lines[next - 1], next, q);
    answers[i].line = next;
  }

  // A type is read only when every query of it was; the first error fails it. The account
  // comes first: the other types match users by its names, and what names it cannot be read
  // when it does not exist.
  std::map<const ResourceType*, std::string> failed;
  for (const Resource& r : desired_.resources) {
    if (r.type != &types::kServiceAccount) continue;
    if (identity_.empty()) identity_ = r.name;
    account_.add(r.name);
    account_.add(exchange::string_field(r, "upn"));
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    if (queries[i].kind != QueryKind::Account) continue;
    if (answers[i].ok)
      (void)account(queries[i], answers[i]);
    else
      failed.emplace(queries[i].type, answers[i].error);
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    const ExchangeQuery& q = queries[i];
    if (answers[i].ok || q.kind == QueryKind::Account) continue;
    // Get-ADPermission -User and Get-ThrottlingPolicyAssociation -Identity fail on an account
    // that does not exist; with the account read as absent, so are they.
    if (missing[i] && q.needs_account && account_present_ == false) {
      answers[i].ok = true;
      continue;
    }
    // What is read only for review never fails what the spec names.
    if (q.review_only)
      review_error(answers[i].error);
    else
      failed.emplace(q.type, answers[i].error);
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    const ExchangeQuery& q = queries[i];
    if (failed.count(q.type) || !answers[i].ok) continue;
    std::string error;
    switch (q.kind) {
      case QueryKind::Account:
      case QueryKind::Permissions:  // read with its targets, the query before it
        break;
      case QueryKind::Scopes:
        error = scopes(answers[i]);
        break;
      case QueryKind::RoleAssignments:
        error = role_assignments(answers[i]);
        break;
      case QueryKind::Policies:
        error = policies(answers[i]);
        break;
      case QueryKind::PermissionTargets:
        if (answers[i + 1].ok) error = permission(q, answers[i], answers[i + 1]);
        break;
      case QueryKind::Association:
        error = association(q, answers[i]);
        break;
    }
    if (!error.empty()) failed.emplace(q.type, std::move(error));
  }
  // After the association: the policy it names is known. A malformed row of an object the spec
  // does not name makes the review list incomplete, never the type unknown.
  const Answer* scopes = nullptr;
  for (size_t i = 0; i < queries.size(); ++i)
    if (queries[i].kind == QueryKind::Scopes && !failed.count(queries[i].type) && answers[i].ok)
      scopes = &answers[i];
  for (size_t i = 0; i < queries.size(); ++i) {
    const ExchangeQuery& q = queries[i];
    if (failed.count(q.type) || !answers[i].ok) continue;
    const size_t before = pending_.size();
    std::string error;
    if (q.kind == QueryKind::RoleAssignments) error = unnamed_assignments(answers[i], scopes);
    if (q.kind == QueryKind::Policies) error = unnamed_policy(answers[i]);
    if (error.empty()) continue;
    pending_.resize(before);  // none of what this read listed is believed
    review_error(std::move(error));
  }
  for (const auto& [type, error] : failed) fail(*type, error);
  for (ObservedResource& o : pending_)
    if (!failed.count(o.type)) into_.resources.push_back(std::move(o));
}

}  // namespace

void read_observation(const DesiredState& desired, ExchangeVersion version,
                      std::string_view stdout_text, ObservedState& into) {
  Reader(desired, version, into).read(stdout_text);
  into.index();
}

}  // namespace sd
