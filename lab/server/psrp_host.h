// The lab's remote PowerShell endpoint (/PowerShell, configuration Microsoft.Exchange): the
// server side of MS-PSRP over the WS-Management shell operations, as Exchange's IIS-hosted
// endpoint answers them. A RunspacePool per Create (SESSION_CAPABILITY, APPLICATION_PRIVATE_DATA,
// RUNSPACEPOOL_STATE Opened), the session key exchange, pipelines of commands run through the
// lab's PowerShell with their parameters as values (run_calls), outputs, error records and
// states as PIPELINE_* messages in fragments that fit the client's envelope. What Exchange's
// no-language runspace refuses (scripts, cmdlets outside it) is refused with the error record
// Windows sends.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lab/powershell/powershell_interpreter.h"
#include "lab/server/winrs_host.h"

namespace sd::lab {

inline constexpr std::string_view kExchangeConfigurationUri =
    "http://schemas.microsoft.com/powershell/Microsoft.Exchange";

// Runs one pipeline's statements for the authenticated `user` (the lab's run_calls).
using PsrpRunner = std::function<PsCallResult(const std::string& user,
                                              const std::vector<std::vector<PsCall>>& statements,
                                              const std::vector<PsValue>& input)>;

// Thread-safe; pools live in memory (a restart of the lab loses them, as an IIS recycle does).
class PsrpHost {
 public:
  [[nodiscard]] static std::unique_ptr<PsrpHost> create(PsrpRunner runner);
  virtual ~PsrpHost() = default;
  [[nodiscard]] virtual WinrsReply handle(const std::string& user,
                                          std::string_view request_body) = 0;
};

}  // namespace sd::lab
