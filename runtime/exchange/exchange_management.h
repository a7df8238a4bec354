// Exchange management (setup steps 1 and 2) as a live system: the service account,
// impersonation (RBAC role assignment and scope, or AD extended rights), the throttling policy
// and its association. Read with one query per type and changed with the statements of each
// action, both from exchange/exchange_scripts.h, through a ManagementChannel: remote
// PowerShell (the default) or a WinRS script. Objects the spec does not name are never changed.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/exchange/management_channel.h"
#include "runtime/exchange/winrs_client.h"
#include "runtime/live_system.h"
#include "spec/spec.h"

namespace sd {

using RemoteShellFactory = std::function<Result<std::unique_ptr<RemoteShell>>()>;

class ExchangeManagement : public LiveSystem {
 public:
  // `where` names the endpoint in messages ("http://exch01.example.local/PowerShell/").
  ExchangeManagement(std::string where, ExchangeVersion version, ManagementChannelFactory open);
  // The WinRS way, through `open_shell` (tests pass a fake shell).
  ExchangeManagement(std::string where, ExchangeVersion version, RemoteShellFactory open_shell);

  [[nodiscard]] std::string describe() const override;  // "Exchange management at <where>"
  [[nodiscard]] bool manages(const ResourceType& type) const override;

  // Runs the read. A transport error fails every exchange.* type with the reason; a read that
  // stopped at a PowerShell error keeps what it read before (a query that fails only because
  // the account does not exist yet reads as absent) and fails the types it did not get to.
  // Nothing is taken for absent.
  void observe(const DesiredState& desired, ObservedState& into) override;

  // One action at a time, in order; the error is PowerShell's error record
  // ("New-ManagementRoleAssignment : ...").
  [[nodiscard]] std::vector<ActionResult> apply(const Plan& plan, std::span<const uint32_t> actions,
                                                const SecretValues& secrets) override;

 private:
  [[nodiscard]] Result<ManagementChannel*> channel();

  std::string where_;
  ExchangeVersion version_;
  ManagementChannelFactory open_;
  std::unique_ptr<ManagementChannel> channel_;
  std::string open_error_;  // when opening failed once: not tried again
};

// The channel a spec's exchange.management block describes: remote PowerShell to its URL
// (`transport: psrp`, the default) or WinRS (`transport: winrs`), its auth (the password from
// `secrets`, a keytab, the credential cache, or a client certificate), caFile (relative to the
// spec; else `default_ca`), and `connect_to`. Errors name the spec field.
[[nodiscard]] ManagementChannelFactory management_channel_factory(
    const Spec& spec, const std::string& spec_path, const SecretValues& secrets,
    const std::vector<http::ConnectTo>& connect_to, const std::string& default_ca);

}  // namespace sd
