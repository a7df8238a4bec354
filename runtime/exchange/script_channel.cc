#include "runtime/exchange/script_channel.h"

#include "exchange/exchange_scripts.h"
#include "protocol/clixml.h"

namespace sd {

ScriptChannel::ScriptChannel(std::unique_ptr<RemoteShell> shell) : shell_(std::move(shell)) {}

std::string script_error(const CommandOutput& output) {
  std::string text = decode_clixml(output.stderr_text);
  std::string message;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    line.erase(0, first);
    // PowerShell's error record: the message, then where ("At line:") and the context lines.
    if (line.starts_with("At line:") || line.starts_with("+ ")) break;
    // Other streams written as text before it (a warning a cmdlet gave) are not the error.
    if (message.empty() && (line.starts_with("WARNING:") || line.starts_with("VERBOSE:") ||
                            line.starts_with("DEBUG:")))
      continue;
    if (!message.empty()) message += ' ';
    message += line;
  }
  if (message.empty()) return "the script ended with exit code " + std::to_string(output.exit_code);
  return message;
}

Result<ManagementRead> ScriptChannel::read(const DesiredState& desired, ExchangeVersion version) {
  Result<CommandOutput> output = shell_->run_powershell(observe_script(desired, version));
  if (!output) return output.take_errors();
  ManagementRead read;
  read.lines = std::move(output->stdout_text);
  if (output->exit_code != 0) read.stopped = script_error(*output);
  return read;
}

Status ScriptChannel::run_action(const Plan& plan, uint32_t action, ExchangeVersion version,
                                 const SecretValues& secrets) {
  Result<std::string> script = action_script(plan, action, version, secrets);
  if (!script) return script.take_errors();
  Result<CommandOutput> output = shell_->run_powershell(*script);
  if (!output) return output.take_errors();
  if (output->exit_code != 0) return make_error(script_error(*output));
  return ok_status();
}

}  // namespace sd
