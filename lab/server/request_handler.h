// What the lab's server does with one HTTP request, apart from the network: the endpoint and
// method, authentication (windows_auth.h; Basic when turned on), throttling, injected faults, then
// the EWS service (or, at /wsman, the WinRS host running the lab's PowerShell). The server
// (lab_server.cc) only reads requests and carries out the decision. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "lab/ews/ews_service.h"
#include "lab/ews/throttling.h"
#include "lab/server/faults.h"
#include "lab/server/lab_server.h"
#include "lab/server/psrp_host.h"
#include "lab/server/windows_auth.h"
#include "lab/server/winrs_host.h"

namespace sd::lab {

inline constexpr std::string_view kEwsPath = "/EWS/Exchange.asmx";
// WinRM (WS-Management) for the Exchange Management Shell: docs/powershell-subset.md.
inline constexpr std::string_view kWsmanPath = "/wsman";
// Exchange's remote PowerShell (MS-PSRP, configuration Microsoft.Exchange), as IIS serves it.
inline constexpr std::string_view kPowerShellPath = "/PowerShell";
inline constexpr std::string_view kPowerShellPathSlash = "/PowerShell/";

struct LabCounters {
  std::atomic<uint64_t> requests{0}, throttled{0}, faults{0};
  std::atomic<uint64_t> management_requests{0}, management_bytes_in{0}, management_bytes_out{0};
};

struct Decision {
  enum class Action {
    Answer,  // write `answer`
    Reset,   // close the connection at once with an RST, answering nothing
    Stall,   // write the head and half the body of `answer`, then nothing more
  };
  Action action = Action::Answer;
  HttpAnswer answer;
  std::chrono::milliseconds delay{0};  // injected latency, before acting
  Throttling::Ticket ticket;           // the request's throttling place; held until answered
};

class RequestHandler {
 public:
  RequestHandler(LabState& state, const FaultOptions& faults, std::unique_ptr<WindowsAuth> auth);

  // `target` is the request target (path and query); `authorization` the header's value;
  // `login` the connection's authentication, kept across its requests.
  [[nodiscard]] Decision handle(std::string_view method, std::string_view target,
                                std::string_view authorization, std::string_view body,
                                ConnectionLogin& login);

  [[nodiscard]] LabStats stats() const;
  [[nodiscard]] Throttling& throttling() { return throttling_; }

 private:
  // Who a request logs in as (after picking up state changes): the account's UPN, or nothing
  // with `challenge` set to the 401 to answer (a handshake's next leg, or a refusal).
  // `accepted` gets the headers that go with the answer to a finished handshake.
  struct Login {
    std::optional<std::string> account;
    HttpAnswer challenge;
    std::vector<std::pair<std::string, std::string>> accepted;
  };
  [[nodiscard]] Login log_in(std::string_view authorization, ConnectionLogin& login);
  // A POST of a logged-in account. /wsman: accounts with management rights run the lab's
  // PowerShell; EWS: throttling, injected faults, then the service.
  // /PowerShell: the same, as remote PowerShell (MS-PSRP) instead of WinRS.
  [[nodiscard]] Decision handle_wsman(const std::string& account, std::string_view body,
                                      bool remote_powershell);
  [[nodiscard]] Decision handle_ews(const std::string& account, std::string_view body);

  LabState& state_;
  std::unique_ptr<WindowsAuth> auth_;
  EwsService service_;
  std::unique_ptr<WinrsHost> winrs_;
  std::unique_ptr<PsrpHost> psrp_;
  Throttling throttling_;
  FaultInjector faults_;
  // WinRM draws from its own sequence, so that the EWS faults a seed gives do not depend on how
  // many WinRM requests came first.
  FaultInjector wsman_faults_;
  LabCounters counters_;
};

// The 401 answer: WWW-Authenticate Negotiate and NTLM as separate headers, as IIS sends them,
// and Basic realm="lab" only when it is turned on.
[[nodiscard]] HttpAnswer unauthorized_answer(bool basic);

// user and password from an Authorization header's value ("Basic dXNlcjpwYXNz"); false when it
// is not Basic or not decodable.
[[nodiscard]] bool parse_basic_authorization(std::string_view header, std::string& user,
                                             std::string& password);

}  // namespace sd::lab
