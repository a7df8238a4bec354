// Exchange management the WinRS way: the read script and one script per action
// (exchange/exchange_scripts.h) run by powershell.exe on the Exchange server with the snap-in
// loaded, through a RemoteShell (WinRS in production, a fake in tests). Kept for sites that set
// it up (`transport: winrs`); remote PowerShell (psrp_channel.h) is the supported way.
#pragma once

#include <memory>

#include "runtime/exchange/management_channel.h"
#include "runtime/exchange/winrs_client.h"

namespace sd {

class ScriptChannel : public ManagementChannel {
 public:
  explicit ScriptChannel(std::unique_ptr<RemoteShell> shell);

  [[nodiscard]] Result<ManagementRead> read(const DesiredState& desired,
                                            ExchangeVersion version) override;
  [[nodiscard]] Status run_action(const Plan& plan, uint32_t action, ExchangeVersion version,
                                  const SecretValues& secrets) override;

 private:
  std::unique_ptr<RemoteShell> shell_;
};

// The readable error of a failed script: the decoded stderr's lines up to the "At line:"
// position, joined with spaces; "exit code N" when stderr says nothing.
[[nodiscard]] std::string script_error(const CommandOutput& output);

}  // namespace sd
