// How Exchange management's cmdlets reach Exchange. Two ways, one contract: the WinRS way runs
// the scripts of exchange/exchange_scripts.h in powershell.exe with the snap-in (script_channel),
// the remote PowerShell way sends the same queries and statements as PSRP commands to
// Exchange's own /PowerShell endpoint (psrp_channel). Both give the read as the lines
// read_observation reads, so that what is compared does not depend on the way.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "plan/desired_state.h"
#include "plan/plan.h"
#include "spec/secrets.h"
#include "spec/spec.h"

namespace sd {

struct ManagementRead {
  std::string lines;  // one JSON line per query, in observe_script's order, as far as it got
  // Why the read stopped before its last query (PowerShell's words), or nullopt.
  std::optional<std::string> stopped;
};

class ManagementChannel {
 public:
  virtual ~ManagementChannel() = default;
  // Errors: the endpoint cannot be reached, refused us, or broke the protocol.
  [[nodiscard]] virtual Result<ManagementRead> read(const DesiredState& desired,
                                                    ExchangeVersion version) = 0;
  // Runs plan.actions[action]. The error is PowerShell's error record, or the transport's.
  [[nodiscard]] virtual Status run_action(const Plan& plan, uint32_t action,
                                          ExchangeVersion version, const SecretValues& secrets) = 0;
};

// Opens the channel on first use (so that a plan that needs nothing from Exchange opens
// nothing).
using ManagementChannelFactory = std::function<Result<std::unique_ptr<ManagementChannel>>()>;

}  // namespace sd
