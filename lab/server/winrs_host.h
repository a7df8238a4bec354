// The lab's WinRM endpoint (/wsman): WS-Management SOAP 1.2 with the WinRS shell actions
// (Create, Command, Send, Receive, Signal, Delete) answered the way a Windows host answers
// them (reference §4.1; the shapes of shared/data/winrs-captures). What a command does is not
// its business: it hands each command to a runner (the lab's PowerShell host).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sd::lab {

struct ShellCommandResult {
  std::string stdout_bytes;
  std::string stderr_bytes;
  int exit_code = 0;
};

// Runs one command to its end. `user` is the authenticated account (alias); `stdin_data` is
// everything Sent to the command's stdin (the runner is called once stdin has ended, or at
// the first Receive when nothing was sent).
using ShellCommandRunner = std::function<ShellCommandResult(
    const std::string& user, const std::string& command, const std::vector<std::string>& arguments,
    const std::string& stdin_data)>;

struct WinrsReply {
  int status = 200;  // 200, or 500 with a SOAP fault (wsmanfault:WSManFault Code=...)
  std::string content_type = "application/soap+xml;charset=UTF-8";
  std::string body;
};

// Thread-safe: requests may arrive on any thread. Shells live in memory (a restart of the lab
// loses them, as a restart of the WinRM service does).
class WinrsHost {
 public:
  [[nodiscard]] static std::unique_ptr<WinrsHost> create(ShellCommandRunner runner);
  virtual ~WinrsHost() = default;
  // One POST to /wsman by an authenticated `user`. Malformed or unknown requests get the
  // fault Windows gives (e.g. an unknown ShellId: w:InvalidSelectors / 2150858843).
  [[nodiscard]] virtual WinrsReply handle(const std::string& user,
                                          std::string_view request_body) = 0;
};

}  // namespace sd::lab
