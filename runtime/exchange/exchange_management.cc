#include "runtime/exchange/exchange_management.h"

#include "base/source_files.h"
#include "exchange/exchange_scripts.h"
#include "protocol/clixml.h"

namespace sd {

ExchangeManagement::ExchangeManagement(std::string where, ExchangeVersion version,
                                       RemoteShellFactory open_shell)
    : where_(std::move(where)), version_(version), open_shell_(std::move(open_shell)) {}

std::string ExchangeManagement::describe() const {
  return "Exchange management at " + where_;
}

bool ExchangeManagement::manages(const ResourceType& type) const {
  return is_exchange_management_type(type);
}

Result<RemoteShell*> ExchangeManagement::shell() {
  if (shell_) return shell_.get();
  if (!open_error_.empty()) return make_error(open_error_);
  Result<std::unique_ptr<RemoteShell>> opened = open_shell_();
  if (!opened.ok()) {
    open_error_ = opened.errors().front().message;
    return make_error(open_error_);
  }
  shell_ = std::move(opened).value();
  return shell_.get();
}

std::string script_error(const CommandOutput& output) {
  std::string text = decode_clixml(output.stderr_text);
  std::string message;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    line.erase(0, first);
    // PowerShell's error record: the message, then where ("At line:") and the context lines.
    if (line.starts_with("At line:") || line.starts_with("+ ")) break;
    // Other streams written as text before it (a warning a cmdlet gave) are not the error.
    if (message.empty() && (line.starts_with("WARNING:") || line.starts_with("VERBOSE:") ||
                            line.starts_with("DEBUG:")))
      continue;
    if (!message.empty()) message += ' ';
    message += line;
  }
  if (message.empty()) return "the script ended with exit code " + std::to_string(output.exit_code);
  return message;
}

void ExchangeManagement::observe(const DesiredState& desired, ObservedState& into) {
  auto fail_all = [&](const std::string& error) {
    for (const ResourceType* type : all_resource_types())
      if (manages(*type)) into.failed_types[std::string(type->name)] = error;
  };
  bool any = false;
  for (const Resource& r : desired.resources) any = any || manages(*r.type);
  if (!any) return;  // nothing of Exchange's is managed: nothing to ask
  Result<RemoteShell*> remote = shell();
  if (!remote.ok()) return fail_all(remote.errors().front().message);
  Result<CommandOutput> output = (*remote)->run_powershell(observe_script(desired, version_));
  if (!output.ok()) return fail_all(output.errors().front().message);
  if (output->exit_code == 0) return read_observation(desired, version_, output->stdout_text, into);
  // The script stopped at an error. What it printed before still counts (a query that fails
  // only because the account does not exist yet reads as absent); the types it did not get
  // to fail with PowerShell's own words.
  ObservedState partial;
  read_observation(desired, version_, output->stdout_text, partial);
  const std::string error =
      "reading Exchange management at " + where_ + " failed: " + script_error(*output);
  for (auto& [type, message] : partial.failed_types) into.failed_types[type] = error;
  for (ObservedResource& r : partial.resources) into.resources.push_back(std::move(r));
}

std::vector<ActionResult> ExchangeManagement::apply(const Plan& plan,
                                                    std::span<const uint32_t> actions,
                                                    const SecretValues& secrets) {
  std::vector<ActionResult> results;
  results.reserve(actions.size());
  for (uint32_t i : actions) {
    Result<std::string> script = action_script(plan, i, version_, secrets);
    if (!script.ok()) {
      results.push_back({false, script.errors().front().message});
      continue;
    }
    Result<RemoteShell*> remote = shell();
    if (!remote.ok()) {
      results.push_back({false, remote.errors().front().message});
      continue;
    }
    Result<CommandOutput> output = (*remote)->run_powershell(*script);
    if (!output.ok())
      results.push_back({false, output.errors().front().message});
    else if (output->exit_code != 0)
      results.push_back({false, script_error(*output)});
    else
      results.push_back({true, {}});
  }
  return results;
}

RemoteShellFactory winrs_shell_factory(const Spec& spec, const std::string& spec_path,
                                       const SecretValues& secrets,
                                       const std::vector<http::ConnectTo>& connect_to,
                                       const std::string& default_ca) {
  const Management& m = spec.exchange.management;
  WinrsOptions options;
  options.url = m.url;
  options.connect_to = connect_to;
  options.ca_file = m.caFile.empty() ? default_ca : resolve_relative(spec_path, m.caFile);
  std::string missing;
  if (m.auth == AuthMethod::Certificate) {
    options.auth = AuthMethod::Certificate;
    options.certificate.certificate_file = resolve_relative(spec_path, m.certificateFile);
    options.certificate.key_file = resolve_relative(spec_path, m.keyFile);
  } else {
    options.auth = m.auth;
    options.user = m.username;
    options.keytab = m.keytab.empty() ? "" : resolve_relative(spec_path, m.keytab);
    options.spn = m.spn;
    if (m.password) {
      auto found = secrets.find(m.password->text());
      if (found == secrets.end())
        missing = "the management password " + m.password->text() + " was not read";
      else
        options.password = found->second;
    }
  }
  return [options, missing]() -> Result<std::unique_ptr<RemoteShell>> {
    if (!missing.empty()) return make_error(missing);
    return open_winrs(options);
  };
}

}  // namespace sd
