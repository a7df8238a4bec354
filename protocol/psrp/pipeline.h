// A pipeline as PSRP's CREATE_PIPELINE carries it (MS-PSRP 2.2.3.11): commands by name with
// their parameters as values, never script text pasted together, so that nothing a value holds
// can become code; and so that Exchange's restricted runspace, which refuses scripts
// (no-language mode), runs it. Scripts (IsScript) exist for the replays of recorded traffic.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocol/psrp/clixml_value.h"

namespace sd::psrp {

struct Parameter {
  std::string name;  // empty: a positional argument
  Value value;       // Value::nil() with a name: a switch (-Force)
};

struct Command {
  std::string name;  // the cmdlet ("Get-Mailbox"), or the script's text when is_script
  bool is_script = false;
  std::vector<Parameter> parameters;
  bool merge_errors = false;  // 2>&1: error records come as output

  // Builders: Command::cmdlet("Get-Mailbox").with("Identity", Value::string("x")).with_switch(
  // "Force").
  [[nodiscard]] static Command cmdlet(std::string name);
  [[nodiscard]] static Command script(std::string text);
  [[nodiscard]] Command with(std::string parameter, Value value) &&;
  [[nodiscard]] Command with_switch(std::string parameter) &&;
  [[nodiscard]] Command with_argument(Value value) &&;
};

// Statements run one after the other (`a; b`), each a pipeline of commands (`a | b`).
struct PowerShell {
  std::vector<std::vector<Command>> statements;
  // RemoteStreamOptions AddInvocationInfo: records say which command wrote them.
  bool add_invocation_info = true;
};

// The data of a CREATE_PIPELINE message: `NoInput` unless input will be sent; the apartment,
// stream options and host info as Windows PowerShell's client sends them; the first statement
// as Cmds, every statement (when more than one) in ExtraCmds.
[[nodiscard]] Value create_pipeline_value(const PowerShell& powershell, bool no_input);

// The pipeline a CREATE_PIPELINE holds, for the lab's host. Errors name what is missing.
[[nodiscard]] Result<PowerShell> read_create_pipeline(const Value& data);

}  // namespace sd::psrp
