// The faults and replies both of the lab's WS-Management hosts give (WinRS at /wsman, remote
// PowerShell at /PowerShell), in the shapes of the recorded Windows hosts
// (tests/data/winrs-captures: bad_cmd_id, fail_poll_process, operation_timeout).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "lab/server/winrs_host.h"
#include "protocol/wsman.h"

namespace sd::lab {

// A host's answer to one request body: what does not parse gets the invalid-parameter fault,
// the rest goes to `dispatch` with the Machine its faults name, and anything `dispatch` throws
// is answered with the invalid-parameter fault too.
using WsmanDispatch =
    std::function<WinrsReply(const wsman::Request& request, const std::string& machine)>;
[[nodiscard]] WinrsReply answer_request(std::string_view body, const WsmanDispatch& dispatch);

// The host part of the endpoint URL the client addressed (the Machine of faults).
[[nodiscard]] std::string machine_of(std::string_view to);

[[nodiscard]] WinrsReply fault_reply(std::string_view relates_to, const wsman::Fault& fault);
[[nodiscard]] WinrsReply ok_reply(std::string body);

[[nodiscard]] wsman::Fault unknown_shell(const std::string& machine, std::string_view shell_id);
[[nodiscard]] wsman::Fault unknown_command(const std::string& machine);
// The lab adds what it found wrong to Windows' bare "The parameter is incorrect.".
[[nodiscard]] wsman::Fault invalid_parameter(const std::string& machine, std::string_view why);
[[nodiscard]] wsman::Fault operation_timeout(const std::string& machine);

}  // namespace sd::lab
