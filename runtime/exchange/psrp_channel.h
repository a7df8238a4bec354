// Exchange management over remote PowerShell (MS-PSRP at /PowerShell, configuration
// Microsoft.Exchange): the queries and action statements of exchange/ sent as commands with
// parameters on one RunspacePool, never as script text, because Exchange's endpoint runs in
// no-language mode. What the script does in PowerShell (Where-Object, Select-Object, [string],
// ConvertTo-Json, ForEach-Object) is done here on the objects that come back; a source
// returned once is not asked for again.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exchange/powershell.h"
#include "runtime/exchange/management_channel.h"
#include "runtime/exchange/runspace_pool.h"

namespace sd {

using RunspacePoolFactory = std::function<Result<std::unique_ptr<RunspacePool>>()>;

class PsrpChannel : public ManagementChannel {
 public:
  // `reopen`: a new pool when the server lost this one (once per channel; none: not reopened).
  explicit PsrpChannel(std::unique_ptr<RunspacePool> pool, RunspacePoolFactory reopen = {});

  [[nodiscard]] Result<ManagementRead> read(const DesiredState& desired,
                                            ExchangeVersion version) override;
  [[nodiscard]] Status run_action(const Plan& plan, uint32_t action, ExchangeVersion version,
                                  const SecretValues& secrets) override;

  [[nodiscard]] RunspacePool& pool() { return *pool_; }

 private:
  // What statements gave: their output, or PowerShell's refusal (an error record).
  struct Outcome {
    std::vector<psrp::Value> objects;
    std::string refused;  // PowerShell's error, one line; empty when they completed
  };
  // The objects `cmdlet` returns (asked once per read or action).
  [[nodiscard]] Result<Outcome> objects_of(const ps::Cmdlet& cmdlet);
  // Runs statements, one per command. Errors: the transport's and the protocol's.
  [[nodiscard]] Result<Outcome> run(std::vector<psrp::Command> statements);
  // `each` once per object of `source`, in one pipeline (a statement per object).
  [[nodiscard]] Result<Outcome> for_each(const ps::Cmdlet& source, const ps::Cmdlet& each);
  [[nodiscard]] Result<psrp::Command> command_of(const ps::Cmdlet& cmdlet,
                                                 const psrp::Value* each = nullptr);

  std::unique_ptr<RunspacePool> pool_;
  RunspacePoolFactory reopen_;
  bool reopened_ = false;
  std::map<std::string, Outcome> sources_;  // by the rendered cmdlet
};

// [string]$value as PowerShell gives it for a deserialized value: a primitive's text, True or
// False, an object's ToString, a list's items joined by spaces, "" for $null.
[[nodiscard]] std::string powershell_string(const psrp::Value& value);

// The session configuration of Exchange's remote PowerShell (`-ConfigurationName
// Microsoft.Exchange`).
inline constexpr std::string_view kExchangeConfiguration =
    "http://schemas.microsoft.com/powershell/Microsoft.Exchange";

}  // namespace sd
