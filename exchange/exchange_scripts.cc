// The Exchange side as PowerShell: the read script, the cmdlets of each planned action, and the
// commented export. Reading the output back is in exchange_observation.cc; the queries both
// share are in exchange_queries.cc.
#include "exchange/exchange_scripts.h"

#include <fmt/format.h>

#include "base/text_checks.h"
#include "exchange/exchange_queries.h"
#include "exchange/powershell.h"

namespace sd {
namespace {

using exchange::string_field;

// Where a password comes from: the resolved values (apply) or a prompt (export).
struct SecretSourceForScript {
  const SecretValues* values = nullptr;  // null: ask with Read-Host
};

class ActionWriter {
 public:
  ActionWriter(const Plan& plan, const Action& action, ExchangeVersion version,
               SecretSourceForScript secrets)
      : action_(action), version_(version), secrets_(secrets) {
    if (action.desired >= 0 && static_cast<size_t>(action.desired) < plan.desired.resources.size())
      desired_ = &plan.desired.resources[static_cast<size_t>(action.desired)];
    if (action.observed >= 0 &&
        static_cast<size_t>(action.observed) < plan.observed.resources.size())
      observed_ = &plan.observed.resources[static_cast<size_t>(action.observed)];
  }

  // The statements, in order.
  Result<std::vector<ActionStep>> write();

 private:
  Error error(std::string message) const {
    return make_error(std::move(message), {}, action_.address());
  }
  const Value& desired(std::string_view field) const {
    static const Value kUnset{Unset{}};
    int i = field_index(*action_.type, field);
    if (!desired_ || i < 0 || static_cast<size_t>(i) >= desired_->values.size()) return kUnset;
    return desired_->values[static_cast<size_t>(i)];
  }
  std::string desired_text(std::string_view field) const {
    return desired_ ? string_field(*desired_, field) : std::string();
  }
  // The change of `field` in an Update, or null.
  const FieldChange* changed(std::string_view field) const {
    int i = field_index(*action_.type, field);
    for (const FieldChange& c : action_.changes)
      if (static_cast<int>(c.field) == i) return &c;
    return nullptr;
  }
  bool is_create() const { return action_.kind == ActionKind::Create; }
  Status emit(ps::Cmdlet cmdlet) {
    steps_.push_back({std::move(cmdlet), std::nullopt});
    return ok_status();
  }

  Status service_account();
  Status management_scope();
  Status role_assignment();
  Status new_role_assignment();
  Status ad_permission();
  Status throttling_policy();
  Status throttling_association();
  // A Remove: the cmdlets that take the live object away (its values are the observed ones).
  Status remove();
  std::string observed_text(std::string_view field) const;
  Result<ps::Value> password();
  Result<ps::Value> limit(const exchange::LimitParameter& p, const Value& v) const;

  const Action& action_;
  const Resource* desired_ = nullptr;
  const ObservedResource* observed_ = nullptr;
  ExchangeVersion version_;
  SecretSourceForScript secrets_;
  std::vector<ActionStep> steps_;
};

Result<ps::Value> ActionWriter::password() {
  const auto* secret = std::get_if<SecretValue>(&desired("password"));
  if (!secret || secret->reference.empty())
    return error("creating the account needs a password: set exchange.serviceAccount.password");
  if (!secrets_.values)
    return ps::Value{ps::SecretPrompt{
        fmt::format("Password for {} ({})", action_.address(), secret->reference)}};
  auto it = secrets_.values->find(secret->reference);
  if (it == secrets_.values->end())
    return error(fmt::format("the secret {} was not resolved; it is the password that creates {}",
                             secret->reference, action_.address()));
  return ps::Value{ps::SecretLiteral{it->second}};
}

Status ActionWriter::service_account() {
  if (!is_create()) {
    std::string fields;
    for (const FieldChange& c : action_.changes)
      fields += fmt::format("{}{}: {} -> {}", fields.empty() ? "" : ", ",
                            action_.type->fields[c.field].name,
                            display_value(c.before, action_.type->fields[c.field].compare),
                            display_value(c.after, action_.type->fields[c.field].compare));
    return error(
        fmt::format("the account exists and differs ({}); syncdeploy does not change an "
                    "existing account: change it on Exchange or in the spec",
                    fields));
  }
  const std::string upn = desired_text("upn");
  if (upn.empty())
    return error(
        "creating the account needs a user principal name: set exchange.serviceAccount.upn");
  Result<ps::Value> pw = password();
  if (!pw) return pw.errors().front();
  const std::string alias(exchange::alias_of(action_.name));
  return emit({"New-Mailbox",
               {ps::arg("Name", alias), ps::arg("Alias", alias), ps::arg("UserPrincipalName", upn),
                ps::Argument{"Password", std::move(pw.value())}}});
}

Status ActionWriter::management_scope() {
  const std::string filter = desired_text("recipientFilter");
  const std::string root = desired_text("recipientRoot");
  if (is_create()) {
    ps::Cmdlet c{"New-ManagementScope",
                 {ps::arg("Name", action_.name), ps::arg("RecipientRestrictionFilter", filter)}};
    if (!root.empty()) c.arguments.push_back(ps::arg("RecipientRoot", root));
    return emit(c);
  }
  ps::Cmdlet c{"Set-ManagementScope", {ps::arg("Identity", action_.name)}};
  if (changed("recipientFilter"))
    c.arguments.push_back(ps::arg("RecipientRestrictionFilter", filter));
  if (changed("recipientRoot") && !root.empty())
    c.arguments.push_back(ps::arg("RecipientRoot", root));
  return emit(c);
}

Status ActionWriter::new_role_assignment() {
  ps::Cmdlet c{"New-ManagementRoleAssignment",
               {ps::arg("Name", action_.name), ps::arg("Role", desired_text("role")),
                ps::arg("User", desired_text("user"))}};
  if (std::string scope = desired_text("customRecipientWriteScope"); !scope.empty())
    c.arguments.push_back(ps::arg("CustomRecipientWriteScope", scope));
  if (Status s = emit(c); !s) return s;
  // New assignments are enabled; one the spec wants off is switched off at once.
  if (const bool* enabled = std::get_if<bool>(&desired("enabled")); enabled && !*enabled)
    return emit({"Set-ManagementRoleAssignment",
                 {ps::arg("Identity", action_.name), ps::Argument{"Enabled", ps::Bool{false}}}});
  return ok_status();
}

Status ActionWriter::role_assignment() {
  if (is_create()) return new_role_assignment();
  // Exchange cannot re-point an assignment to another role or user: it is replaced.
  if (changed("role") || changed("user")) {
    if (Status s =
            emit({"Remove-ManagementRoleAssignment",
                  {ps::arg("Identity", action_.name), ps::Argument{"Confirm", ps::Switch{false}}}});
        !s)
      return s;
    return new_role_assignment();
  }
  ps::Cmdlet c{"Set-ManagementRoleAssignment", {ps::arg("Identity", action_.name)}};
  if (changed("customRecipientWriteScope")) {
    std::string scope = desired_text("customRecipientWriteScope");
    c.arguments.push_back(scope.empty() ? ps::arg("RecipientRelativeWriteScope", "Organization")
                                        : ps::arg("CustomRecipientWriteScope", scope));
  }
  if (changed("enabled"))
    if (const bool* enabled = std::get_if<bool>(&desired("enabled")))
      c.arguments.push_back(ps::Argument{"Enabled", ps::Bool{*enabled}});
  return emit(c);
}

Status ActionWriter::ad_permission() {
  const std::string applies_to = desired_text("appliesTo");
  std::string_view right = exchange::extended_right_for(applies_to);
  if (right.empty())
    return error(
        fmt::format("appliesTo {} is neither 'client access servers' nor 'mailbox "
                    "databases'",
                    quoted(applies_to)));
  ps::Cmdlet source{
      exchange::applies_to_servers(applies_to) ? "Get-ExchangeServer" : "Get-MailboxDatabase", {}};
  ps::Cmdlet add{
      "Add-ADPermission",
      {ps::Argument{"Identity", ps::PipelineProperty{"DistinguishedName"}},
       ps::arg("User", desired_text("user")), ps::arg("ExtendedRights", std::string(right))}};
  steps_.push_back({std::move(add), std::move(source)});
  return ok_status();
}

Result<ps::Value> ActionWriter::limit(const exchange::LimitParameter& p, const Value& v) const {
  if (const auto* n = std::get_if<int64_t>(&v); n && *n >= 0)
    return ps::Value{ps::Integer{static_cast<uint64_t>(*n)}};
  const auto* s = std::get_if<std::string>(&v);
  if (std::holds_alternative<NullValue>(v) || (s && iequals(*s, "unlimited"))) {
    // 2010's parameters are UInt32: $null is unlimited there.
    if (version_ == ExchangeVersion::Exchange2010) return ps::Value{ps::Null{}};
    return ps::Value{ps::String{"Unlimited"}};
  }
  return error(fmt::format("{} is {}, not a number or unlimited", p.field,
                           display_value(v, Compare::Limit)));
}

Status ActionWriter::throttling_policy() {
  ps::Cmdlet c;
  if (is_create()) {
    c = {"New-ThrottlingPolicy", {ps::arg("Name", action_.name)}};
    if (version_ != ExchangeVersion::Exchange2010)
      c.arguments.push_back(ps::arg("ThrottlingPolicyScope", "Regular"));
  } else {
    c = {"Set-ThrottlingPolicy", {ps::arg("Identity", action_.name)}};
  }
  for (const exchange::LimitParameter& p : exchange::limit_parameters()) {
    const Value& v = desired(p.field);
    if (is_unset(v) || (!is_create() && !changed(p.field))) continue;
    std::string_view name = exchange::limit_parameter(p, version_);
    if (name.empty())
      return error(
          fmt::format("{} has no throttling parameter on {}", p.field, to_string(version_)));
    Result<ps::Value> value = limit(p, v);
    if (!value) return value.errors().front();
    c.arguments.push_back(ps::Argument{std::string(name), std::move(value.value())});
  }
  return emit(c);
}

Status ActionWriter::throttling_association() {
  return emit(
      {"Set-ThrottlingPolicyAssociation",
       {ps::arg("Identity", action_.name), ps::arg("ThrottlingPolicy", desired_text("policy"))}});
}

std::string ActionWriter::observed_text(std::string_view field) const {
  return observed_ ? text_field(*action_.type, observed_->values, field) : std::string();
}

Status ActionWriter::remove() {
  const ResourceType* t = action_.type;
  const ps::Argument no_confirm{"Confirm", ps::Switch{false}};
  if (t == &types::kRoleAssignment)
    return emit(
        {"Remove-ManagementRoleAssignment", {ps::arg("Identity", action_.name), no_confirm}});
  if (t == &types::kManagementScope)
    return emit({"Remove-ManagementScope", {ps::arg("Identity", action_.name), no_confirm}});
  if (t == &types::kThrottlingPolicy)
    return emit({"Remove-ThrottlingPolicy", {ps::arg("Identity", action_.name), no_confirm}});
  if (t == &types::kThrottlingAssociation)
    return emit(
        {"Set-ThrottlingPolicyAssociation",
         {ps::arg("Identity", action_.name), ps::Argument{"ThrottlingPolicy", ps::Null{}}}});
  if (t == &types::kAdPermission) {
    const std::string applies_to = observed_text("appliesTo");
    std::string_view right = exchange::extended_right_for(applies_to);
    if (right.empty()) return error("the live right does not say where it applies");
    ps::Cmdlet source{
        exchange::applies_to_servers(applies_to) ? "Get-ExchangeServer" : "Get-MailboxDatabase",
        {}};
    ps::Cmdlet take{"Remove-ADPermission",
                    {ps::Argument{"Identity", ps::PipelineProperty{"DistinguishedName"}},
                     ps::arg("User", observed_text("user")),
                     ps::arg("ExtendedRights", std::string(right)), no_confirm}};
    steps_.push_back({std::move(take), std::move(source)});
    return ok_status();
  }
  return error("syncdeploy does not remove this type");
}

Result<std::vector<ActionStep>> ActionWriter::write() {
  if (!is_exchange_management_type(*action_.type))
    return error("not an Exchange management object");
  if (action_.kind == ActionKind::Remove) {
    if (!observed_) return error("the removal has no live object");
    if (Status s = remove(); !s) return s.take_errors();
    return std::move(steps_);
  }
  if (action_.kind != ActionKind::Create && action_.kind != ActionKind::Update)
    return error(fmt::format("{} actions run no PowerShell; only create, update and remove do",
                             to_string(action_.kind)));
  if (!desired_) return error("the action has no desired object");
  const ResourceType* t = action_.type;
  Status s = t == &types::kServiceAccount          ? service_account()
             : t == &types::kManagementScope       ? management_scope()
             : t == &types::kRoleAssignment        ? role_assignment()
             : t == &types::kAdPermission          ? ad_permission()
             : t == &types::kThrottlingPolicy      ? throttling_policy()
             : t == &types::kThrottlingAssociation ? throttling_association()
                                                   : Status(error("no PowerShell for this type"));
  if (!s) return s.take_errors();
  return std::move(steps_);
}

// The statements as lines of the script; an error names the action when one cannot be
// written (a control character in a value).
Result<std::vector<std::string>> render_steps(const Action& action,
                                              const std::vector<ActionStep>& steps) {
  std::vector<std::string> lines;
  for (const ActionStep& step : steps) {
    Result<std::string> line = step.for_each_of
                                   ? ps::render_for_each(*step.for_each_of, step.cmdlet)
                                   : ps::render_cmdlet(step.cmdlet);
    if (!line) return make_error(line.errors().front().message, {}, action.address());
    lines.push_back(std::move(line.value()));
  }
  return lines;
}

Result<std::vector<std::string>> action_lines(const Plan& plan, const Action& action,
                                              ExchangeVersion version,
                                              SecretSourceForScript secrets) {
  Result<std::vector<ActionStep>> steps = ActionWriter(plan, action, version, secrets).write();
  if (!steps) return steps.take_errors();
  return render_steps(action, *steps);
}

// "# text", with anything that could end the comment line or forge what a reviewer reads
// escaped (C0/C1 controls, bidi overrides, and the Unicode line and paragraph separators).
std::string comment(std::string_view text) {
  std::string safe = escape_controls(text);
  std::string out = "# ";
  for (size_t i = 0; i < safe.size(); ++i) {
    if (safe.compare(i, 3, "\xE2\x80\xA8") == 0 || safe.compare(i, 3, "\xE2\x80\xA9") == 0) {
      out += safe[i + 2] == '\xA8' ? "\\u{2028}" : "\\u{2029}";
      i += 2;
      continue;
    }
    out += safe[i];
  }
  while (out.size() > 2 && out.back() == ' ') out.pop_back();
  return out + "\n";
}

std::string change_comment(const Action& a, const FieldChange& c) {
  const FieldSpec& f = a.type->fields[c.field];
  if (a.kind == ActionKind::Create)
    return comment(fmt::format("  {} = {}", f.name, display_value(c.after, f.compare)));
  return comment(fmt::format("  {}: {} -> {}", f.name, display_value(c.before, f.compare),
                             display_value(c.after, f.compare)));
}

}  // namespace

bool is_exchange_management_type(const ResourceType& type) {
  return type.side == Side::Exchange;
}

std::string observe_script(const DesiredState& desired, ExchangeVersion version) {
  std::string out = ps::script_header(version);
  // A query whose value cannot be written is left out; read_observation fails its type.
  for (const exchange::ExchangeQuery& q : exchange::exchange_queries(desired, version))
    if (!q.line.empty()) out.append(q.line).append("\n");
  return out;
}

Result<std::string> action_script(const Plan& plan, uint32_t action, ExchangeVersion version,
                                  const SecretValues& secrets) {
  if (action >= plan.actions.size())
    return make_error(
        fmt::format("no action {} in the plan (it has {})", action, plan.actions.size()));
  Result<std::vector<std::string>> lines =
      action_lines(plan, plan.actions[action], version, {&secrets});
  if (!lines) return lines.take_errors();
  std::string out = ps::script_header(version);
  for (const std::string& line : *lines) out.append(line).append("\n");
  return out;
}

Result<std::vector<ActionStep>> action_steps(const Plan& plan, uint32_t action,
                                             ExchangeVersion version, const SecretValues& secrets) {
  if (action >= plan.actions.size())
    return make_error(
        fmt::format("no action {} in the plan (it has {})", action, plan.actions.size()));
  return ActionWriter(plan, plan.actions[action], version, {&secrets}).write();
}

std::string render_powershell(const Plan& plan, ExchangeVersion version,
                              const Management* management) {
  std::string body;
  size_t written = 0;
  for (const Action& a : plan.actions) {
    if (!is_exchange_management_type(*a.type)) continue;
    const std::string head = fmt::format("{} {}: {}", to_string(a.kind), a.address(), a.reason);
    if (a.kind == ActionKind::NoOp) continue;
    if (a.kind != ActionKind::Create && a.kind != ActionKind::Update &&
        a.kind != ActionKind::Remove) {
      body += comment(fmt::format("left out: {}", head));
      continue;
    }
    Result<std::vector<std::string>> lines = action_lines(plan, a, version, {nullptr});
    if (!lines) {
      body += comment(fmt::format("left out: {}: {}", head, lines.errors().front().message));
      continue;
    }
    body += comment(head);
    for (const FieldChange& c : a.changes) body += change_comment(a, c);
    for (const std::string& line : *lines) body.append(line).append("\n");
    ++written;
  }
  std::string out = comment(fmt::format("syncdeploy export --powershell: deployment {}, {}",
                                        quoted(plan.deployment), to_string(version)));
  out += comment("Review before running. Passwords are asked for with Read-Host.");
  Result<std::string> remote = management && management->transport == ManagementTransport::Psrp
                                   ? ps::remote_session_header(management->url, management->auth)
                                   : Result<std::string>(ps::script_header(version));
  if (remote) {
    out += *remote;
  } else {  // a URL no PowerShell string can hold: the snap-in, and why
    out +=
        comment("The remote PowerShell URL cannot be written: " + remote.errors().front().message);
    out += ps::script_header(version);
  }
  if (written == 0)
    out += comment("Nothing to run: the plan has no Exchange change that this script can make.");
  return out + body;
}

}  // namespace sd
