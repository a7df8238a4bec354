#include "runtime/exchange/winrs_client.h"

#include <mutex>

#include "protocol/clixml.h"
#include "protocol/powershell_command.h"
#include "runtime/exchange/winrs_session.h"

namespace sd {
namespace {

// Longest command line sent as such; longer scripts go through stdin (cmd.exe's limit is 8191).
constexpr size_t kMaxCommandLine = 8000;

class WinrsRemoteShell : public RemoteShell {
 public:
  explicit WinrsRemoteShell(std::unique_ptr<WinrsSession> session) : session_(std::move(session)) {}

  ~WinrsRemoteShell() override {
    if (!shell_id_.empty()) (void)session_->delete_shell(shell_id_);  // errors ignored
  }

  Result<CommandOutput> run_powershell(const std::string& script) override {
    try {
      std::lock_guard lock(mutex_);
      return run(script);
    } catch (const std::exception& e) {
      return make_error("WinRM " + session_->endpoint() + ": " + e.what());
    }
  }

 private:
  Result<CommandOutput> run(const std::string& script) {
    if (shell_id_.empty()) {
      wsman::ShellSettings shell;
      shell.no_profile = true;
      shell.codepage = 65001;  // UTF-8 streams
      Result<std::string> created = session_->create_shell(shell);
      if (!created) return created.take_errors();
      shell_id_ = std::move(created).value();
    }
    const std::string encoded = encode_powershell_command(script);
    std::vector<std::string> arguments{"-NoProfile", "-NonInteractive"};
    const size_t command_line = std::string_view("powershell -NoProfile -NonInteractive ").size() +
                                std::string_view("-EncodedCommand ").size() + encoded.size();
    const bool through_stdin = command_line > kMaxCommandLine;
    if (through_stdin) {
      arguments.insert(arguments.end(), {"-Command", "-"});
    } else {
      arguments.insert(arguments.end(), {"-EncodedCommand", encoded});
    }
    wsman::CommandFlags flags;
    flags.consolemode_stdin = true;
    Result<std::string> command_id =
        session_->run_command(shell_id_, "powershell", arguments, flags);
    if (!command_id) return command_id.take_errors();
    if (through_stdin) {
      // PowerShell runs a line once it has read its end: the last one needs a newline too.
      std::string input = script;
      if (input.empty() || input.back() != '\n') input += "\r\n";
      const size_t chunk = session_->max_send_bytes();
      for (size_t offset = 0; offset < input.size(); offset += chunk) {
        const bool last = offset + chunk >= input.size();
        Status sent = session_->send_input(shell_id_, *command_id,
                                           std::string_view(input).substr(offset, chunk), last);
        if (!sent) return sent.take_errors();
      }
    }
    Result<CommandOutput> output = session_->receive_until_done(shell_id_, *command_id);
    if (!output) return output.take_errors();
    // Frees the command on the host; the output is complete already, so a failure is moot.
    (void)session_->signal(shell_id_, *command_id, wsman::kSignalTerminate);
    output->stderr_text = decode_clixml(output->stderr_text);
    return output;
  }

  std::mutex mutex_;
  std::unique_ptr<WinrsSession> session_;
  std::string shell_id_;
};

}  // namespace

Result<std::unique_ptr<RemoteShell>> open_winrs(const WinrsOptions& options) {
  try {
    Result<std::unique_ptr<WinrsSession>> session = WinrsSession::open(options);
    if (!session) return session.take_errors();
    return std::unique_ptr<RemoteShell>(
        std::make_unique<WinrsRemoteShell>(std::move(session).value()));
  } catch (const std::exception& e) {
    return make_error("WinRM " + options.url + ": " + e.what());
  }
}

}  // namespace sd
