// Exchange management (setup steps 1 and 2) as a live system: the service account,
// impersonation (RBAC role assignment and scope, or AD extended rights), the throttling policy
// and its association. Read with one script (one Get per type) and changed with one script per
// action, both from exchange/exchange_scripts.h, run through a RemoteShell (WinRS in
// production, a fake in tests). Objects the spec does not name are never changed.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/exchange/winrs_client.h"
#include "runtime/live_system.h"
#include "spec/spec.h"

namespace sd {

// Opens the remote shell on first use (so that a plan that needs nothing from Exchange opens
// nothing); its error is then every read's and every action's error.
using RemoteShellFactory = std::function<Result<std::unique_ptr<RemoteShell>>()>;

class ExchangeManagement : public LiveSystem {
 public:
  // `where` names the endpoint in messages ("https://exch01.example.local:5986/wsman").
  ExchangeManagement(std::string where, ExchangeVersion version, RemoteShellFactory open_shell);

  [[nodiscard]] std::string describe() const override;  // "Exchange management at <where>"
  [[nodiscard]] bool manages(const ResourceType& type) const override;

  // Runs the observe script. A transport error or a script that fails (non-zero exit code)
  // fails every exchange.* type with the reason; nothing is taken for absent.
  void observe(const DesiredState& desired, ObservedState& into) override;

  // One script per action; its exit code decides the action's result, and the error is the
  // first line of PowerShell's error record ("New-ManagementRoleAssignment : ...").
  [[nodiscard]] std::vector<ActionResult> apply(const Plan& plan, std::span<const uint32_t> actions,
                                                const SecretValues& secrets) override;

 private:
  [[nodiscard]] Result<RemoteShell*> shell();

  std::string where_;
  ExchangeVersion version_;
  RemoteShellFactory open_shell_;
  std::unique_ptr<RemoteShell> shell_;
  std::string open_error_;  // when opening failed once: not tried again
};

// The readable error of a failed script: the decoded stderr's lines up to the "At line:"
// position, joined with spaces; "exit code N" when stderr says nothing.
[[nodiscard]] std::string script_error(const CommandOutput& output);

// The remote shell a spec's exchange.management block describes: its URL, auth (basic with the
// password from `secrets`, or a client certificate), caFile (relative to the spec; else
// `default_ca`), and `connect_to`. Errors name the spec field.
[[nodiscard]] RemoteShellFactory winrs_shell_factory(const Spec& spec, const std::string& spec_path,
                                                     const SecretValues& secrets,
                                                     const std::vector<http::ConnectTo>& connect_to,
                                                     const std::string& default_ca);

}  // namespace sd
