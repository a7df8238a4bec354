// What the lab's server does with one HTTP request, apart from the network: the endpoint and
// method, authentication (windows_auth.h; Basic when turned on, over HTTPS only), throttling,
// injected faults, then the EWS service (or, at /wsman, the WinRS host running the lab's
// PowerShell; at /PowerShell, remote PowerShell). Over plain HTTP only WS-Management is served,
// and only sealed messages (MS-WSMV 2.2.9.1.1: WinRM's AllowUnencrypted is false): unsealed with
// the connection's context, answered sealed. The server (lab_session.cc) only reads requests and
// carries out the decision. Thread-safe.
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

// What the handler needs of one request.
struct HttpRequest {
  std::string_view method{};
  std::string_view target{};         // path and query
  std::string_view authorization{};  // the header's value
  std::string_view content_type{};   // the header's value
  std::string_view body{};
  bool tls = true;  // HTTPS; false: the plain HTTP listener
};

class RequestHandler {
 public:
  // `max_request_bytes` also bounds the plain text of a sealed message.
  RequestHandler(LabState& state, const FaultOptions& faults, std::unique_ptr<WindowsAuth> auth,
                 size_t max_request_bytes = 1u << 20, LabLog log = {});

  // `login` is the connection's authentication (and security context), kept across its requests.
  [[nodiscard]] Decision handle(const HttpRequest& request, ConnectionLogin& login);

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
  [[nodiscard]] Login log_in(std::string_view authorization, ConnectionLogin& login, bool tls);
  // A POST to /wsman or /PowerShell of a logged-in account: a sealed message is unsealed first
  // and its answer sealed; over plain HTTP an empty one sets up the context and anything else
  // must be sealed.
  [[nodiscard]] Decision handle_management(const std::string& account, const HttpRequest& request,
                                           ConnectionLogin& login, bool remote_powershell);
  // /wsman: accounts with management rights run the lab's PowerShell; /PowerShell: the same, as
  // remote PowerShell (MS-PSRP) instead of WinRS. `wire_in`: the request body's size as sent;
  // `sealing`: the context that seals the answer (none: a plain answer).
  [[nodiscard]] Decision handle_wsman(const std::string& account, std::string_view body,
                                      size_t wire_in, bool remote_powershell, bool offer_basic,
                                      ConnectionLogin* sealing);
  // EWS: throttling, injected faults, then the service.
  [[nodiscard]] Decision handle_ews(const std::string& account, std::string_view body);
  // The SOAP of a sealed request; errors say why not.
  [[nodiscard]] Result<std::string> unseal(const HttpRequest& request, ConnectionLogin& login);
  // `answer` (a SOAP answer) sealed with `login`'s context.
  [[nodiscard]] HttpAnswer seal(HttpAnswer answer, ConnectionLogin& login);

  LabState& state_;
  std::unique_ptr<WindowsAuth> auth_;
  size_t max_request_bytes_;
  LabLog log_;
  EwsService service_;
  std::unique_ptr<WinrsHost> winrs_;
  std::unique_ptr<PsrpHost> psrp_;
  Throttling throttling_;
  FaultInjector faults_;
  // WinRM draws from its own sequence, so that the EWS faults a seed gives do not depend on how
  // many WinRM requests came first.
  FaultInjector wsman_faults_;
  FaultInjector seal_faults_;  // corrupt_seal_rate, from a sequence of its own
  LabCounters counters_;
};

// The 401 answer: WWW-Authenticate Negotiate and NTLM as separate headers, as IIS sends them,
// and Basic realm="lab" only when it is turned on (and the connection is TLS).
[[nodiscard]] HttpAnswer unauthorized_answer(bool basic);

// user and password from an Authorization header's value ("Basic dXNlcjpwYXNz"); false when it
// is not Basic or not decodable.
[[nodiscard]] bool parse_basic_authorization(std::string_view header, std::string& user,
                                             std::string& password);

}  // namespace sd::lab
