#include "lab/server/wsman_faults.h"

namespace sd::lab {
namespace {

constexpr std::string_view kInvalidSelectorsDetail =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors";
constexpr std::string_view kInvalidValueDetail =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidValue";

}  // namespace

WinrsReply answer_request(std::string_view body, const WsmanDispatch& dispatch) {
  try {
    Result<wsman::Request> parsed = wsman::parse_request(body);
    if (!parsed) return fault_reply({}, invalid_parameter("localhost", parsed.errors()[0].message));
    return dispatch(*parsed, parsed->to.empty() ? "localhost" : machine_of(parsed->to));
  } catch (const std::exception& e) {
    return fault_reply({}, invalid_parameter("localhost", e.what()));
  }
}

std::string machine_of(std::string_view to) {
  size_t start = to.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  std::string_view rest = to.substr(start);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return std::string(rest.substr(1, rest.find(']') - 1));
  return std::string(rest.substr(0, rest.find(':')));
}

WinrsReply fault_reply(std::string_view relates_to, const wsman::Fault& fault) {
  return {500, "application/soap+xml;charset=UTF-8", wsman::fault_response(relates_to, fault)};
}

WinrsReply ok_reply(std::string body) {
  return {200, "application/soap+xml;charset=UTF-8", std::move(body)};
}

wsman::Fault unknown_shell(const std::string& machine, std::string_view shell_id) {
  return {"s:Sender",
          "w:InvalidSelectors",
          "The WS-Management service cannot process the request because the request contained "
          "invalid selectors for the resource. ",
          "2150858843",
          machine,
          "The request for the Windows Remote Shell with ShellId " + std::string(shell_id) +
              " failed because the shell was not found on the server. Possible causes are: the "
              "specified ShellId is incorrect or the shell no longer exists on the server. "
              "Provide the correct ShellId or create a new shell and retry the operation. ",
          std::string(kInvalidSelectorsDetail),
          {},
          {}};
}

wsman::Fault unknown_command(const std::string& machine) {
  return {"s:Sender",
          "w:InvalidSelectors",
          "The WS-Management service cannot process the request because the request contained "
          "invalid selectors for the resource. ",
          "2150858843",
          machine,
          "The Windows Remote Shell received a request to perform an operation on a command "
          "identifier that does not exist. Either the command has completed execution or the "
          "client specified an invalid command identifier. ",
          std::string(kInvalidSelectorsDetail),
          {},
          {}};
}

wsman::Fault invalid_parameter(const std::string& machine, std::string_view why) {
  std::string message = "The parameter is incorrect. ";
  if (!why.empty()) message += "(" + std::string(why) + ")";
  return {"s:Sender",
          "w:InvalidParameter",
          "The parameter is incorrect. ",
          "87",
          machine,
          message,
          std::string(kInvalidValueDetail),
          "Shell cmd plugin",
          "%systemroot%\\system32\\winrscmd.dll"};
}

wsman::Fault operation_timeout(const std::string& machine) {
  const std::string text =
      "The WS-Management service cannot complete the operation within the time specified in "
      "OperationTimeout.  ";
  return {
      "s:Receiver", "w:TimedOut", text, std::string(wsman::kFaultOperationTimeout), machine, text,
      {},           {},           {}};
}

}  // namespace sd::lab
