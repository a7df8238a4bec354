#include "runtime/exchange/exchange_management.h"

#include "base/source_files.h"
#include "exchange/exchange_scripts.h"
#include "runtime/exchange/psrp_channel.h"
#include "runtime/exchange/script_channel.h"

namespace sd {

ExchangeManagement::ExchangeManagement(std::string where, ExchangeVersion version,
                                       ManagementChannelFactory open)
    : where_(std::move(where)), version_(version), open_(std::move(open)) {}

ExchangeManagement::ExchangeManagement(std::string where, ExchangeVersion version,
                                       RemoteShellFactory open_shell)
    : ExchangeManagement(std::move(where), version,
                         [open_shell]() -> Result<std::unique_ptr<ManagementChannel>> {
                           Result<std::unique_ptr<RemoteShell>> shell = open_shell();
                           if (!shell) return shell.take_errors();
                           return std::unique_ptr<ManagementChannel>(
                               std::make_unique<ScriptChannel>(std::move(shell).value()));
                         }) {}

std::string ExchangeManagement::describe() const {
  return "Exchange management at " + where_;
}

bool ExchangeManagement::manages(const ResourceType& type) const {
  return is_exchange_management_type(type);
}

Result<ManagementChannel*> ExchangeManagement::channel() {
  if (channel_) return channel_.get();
  if (!open_error_.empty()) return make_error(open_error_);
  Result<std::unique_ptr<ManagementChannel>> opened = open_();
  if (!opened.ok()) {
    open_error_ = opened.errors().front().message;
    return make_error(open_error_);
  }
  channel_ = std::move(opened).value();
  return channel_.get();
}

void ExchangeManagement::observe(const DesiredState& desired, ObservedState& into) {
  auto fail_all = [&](const std::string& error) {
    for (const ResourceType* type : all_resource_types())
      if (manages(*type)) into.failed_types[std::string(type->name)] = error;
  };
  bool any = false;
  for (const Resource& r : desired.resources) any = any || manages(*r.type);
  if (!any) return;  // nothing of Exchange's is managed: nothing to ask
  Result<ManagementChannel*> open = channel();
  if (!open.ok()) return fail_all(open.errors().front().message);
  Result<ManagementRead> read = (*open)->read(desired, version_);
  if (!read.ok()) return fail_all(read.errors().front().message);
  if (!read->stopped) return read_observation(desired, version_, read->lines, into);
  // The read stopped at an error. What it read before still counts (a query that fails only
  // because the account does not exist yet reads as absent); the types it did not get to fail
  // with PowerShell's own words.
  ObservedState partial;
  read_observation(desired, version_, read->lines, partial);
  const std::string error =
      "reading Exchange management at " + where_ + " failed: " + *read->stopped;
  for (auto& [type, message] : partial.failed_types) into.failed_types[type] = error;
  if (!partial.review_errors.empty()) into.review_errors.push_back(error);
  for (ObservedResource& r : partial.resources) into.resources.push_back(std::move(r));
}

std::vector<ActionResult> ExchangeManagement::apply(const Plan& plan,
                                                    std::span<const uint32_t> actions,
                                                    const SecretValues& secrets) {
  std::vector<ActionResult> results;
  results.reserve(actions.size());
  for (uint32_t i : actions) {
    Result<ManagementChannel*> open = channel();
    if (!open.ok()) {
      results.push_back({false, open.errors().front().message});
      continue;
    }
    Status ran = (*open)->run_action(plan, i, version_, secrets);
    results.push_back(ran.ok() ? ActionResult{true, {}}
                               : ActionResult{false, ran.errors().front().message});
  }
  return results;
}

ManagementChannelFactory management_channel_factory(const Spec& spec, const std::string& spec_path,
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
  const bool remote_powershell = m.transport == ManagementTransport::Psrp;
  return [options, missing, remote_powershell]() -> Result<std::unique_ptr<ManagementChannel>> {
    if (!missing.empty()) return make_error(missing);
    if (!remote_powershell) {
      Result<std::unique_ptr<RemoteShell>> shell = open_winrs(options);
      if (!shell) return shell.take_errors();
      return std::unique_ptr<ManagementChannel>(
          std::make_unique<ScriptChannel>(std::move(shell).value()));
    }
    RunspacePoolOptions pool;
    pool.transport = options;
    pool.transport.resource_uri = std::string(kExchangeConfiguration);
    RunspacePoolFactory open_pool = [pool] { return RunspacePool::open(pool); };
    Result<std::unique_ptr<RunspacePool>> opened = open_pool();
    if (!opened) return opened.take_errors();
    return std::unique_ptr<ManagementChannel>(
        std::make_unique<PsrpChannel>(std::move(opened).value(), open_pool));
  };
}

}  // namespace sd
