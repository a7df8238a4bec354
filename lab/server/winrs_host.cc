#include "lab/server/winrs_host.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "lab/server/wsman_faults.h"
#include "protocol/wsman.h"

namespace sd::lab {
namespace {

using std::chrono::milliseconds;

// Longest a Receive waits for a command another request is running (as OperationTimeout does).
constexpr milliseconds kLongestWait{60'000};

struct Command {
  std::string command;
  std::vector<std::string> arguments;
  std::string stdin_data;
  bool stdin_sent = false, stdin_ended = false;
  enum class Phase { Waiting, Running, Finished } phase = Phase::Waiting;
  ShellCommandResult result;
  size_t stdout_offset = 0, stderr_offset = 0;
  bool done_reported = false;  // after that, the command id is gone for Receive
};

struct Shell {
  std::string owner;
  std::map<std::string, std::shared_ptr<Command>, std::less<>> commands;
};

class InMemoryWinrsHost : public WinrsHost {
 public:
  explicit InMemoryWinrsHost(ShellCommandRunner runner) : runner_(std::move(runner)) {}

  WinrsReply handle(const std::string& user, std::string_view request_body) override {
    return answer_request(request_body,
                          [&](const wsman::Request& request, const std::string& machine) {
                            return dispatch(user, request, machine);
                          });
  }

 private:
  WinrsReply dispatch(const std::string& user, const wsman::Request& request,
                      const std::string& machine) {
    const std::string& relates_to = request.message_id;
    if (request.resource_uri != wsman::kCmdResourceUri)
      return fault_reply(relates_to,
                         invalid_parameter(machine, "the ResourceURI is not " +
                                                        std::string(wsman::kCmdResourceUri)));
    if (request.action == wsman::kActionCreate) return create(user, request, machine);

    std::unique_lock lock(mutex_);
    auto shell = shells_.find(request.shell_id);
    if (shell == shells_.end() || shell->second.owner != user)
      return fault_reply(relates_to, unknown_shell(machine, request.shell_id));
    if (request.action == wsman::kActionDelete) {
      shells_.erase(shell);
      return ok_reply(wsman::delete_response(relates_to));
    }
    if (request.action == wsman::kActionCommand) {
      auto command = std::make_shared<Command>();
      command->command = request.command;
      command->arguments = request.arguments;
      const std::string id = wsman::new_uuid();
      shell->second.commands.emplace(id, std::move(command));
      return ok_reply(wsman::command_response(relates_to, id));
    }
    if (request.action == wsman::kActionReceive && request.command_id.empty())
      return fault_reply(relates_to, invalid_parameter(machine, {}));
    auto found = shell->second.commands.find(request.command_id);
    if (found == shell->second.commands.end())
      return fault_reply(relates_to, unknown_command(machine));
    std::shared_ptr<Command> command = found->second;
    if (request.action == wsman::kActionSignal) {
      shell->second.commands.erase(found);
      return ok_reply(wsman::signal_response(relates_to));
    }
    if (request.action == wsman::kActionSend) {
      if (command->stdin_ended || command->phase != Command::Phase::Waiting)
        return fault_reply(relates_to, invalid_parameter(machine, "stdin has ended"));
      if (request.stream_name != "stdin")
        return fault_reply(relates_to, invalid_parameter(machine, "the stream is not stdin"));
      command->stdin_data += request.stream_bytes;
      command->stdin_sent = true;
      command->stdin_ended = request.stream_end;
      return ok_reply(wsman::send_response(relates_to));
    }
    if (request.action == wsman::kActionReceive)
      return receive(user, request, machine, std::move(command), lock);
    return fault_reply(relates_to, invalid_parameter(machine, "the action " + request.action +
                                                                  " is not supported"));
  }

  WinrsReply create(const std::string& user, const wsman::Request& request,
                    const std::string& machine) {
    if (request.shell.input_streams.empty() || request.shell.output_streams.empty())
      return fault_reply(request.message_id, invalid_parameter(machine, "no streams"));
    wsman::CreatedShell created;
    created.shell_id = wsman::new_uuid();
    created.address = request.to;
    created.owner = user;
    created.shell = request.shell;
    {
      std::lock_guard lock(mutex_);
      shells_[created.shell_id].owner = user;
    }
    return ok_reply(wsman::create_response(request.message_id, created));
  }

  WinrsReply receive(const std::string& user, const wsman::Request& request,
                     const std::string& machine, std::shared_ptr<Command> command,
                     std::unique_lock<std::mutex>& lock) {
    const std::string& relates_to = request.message_id;
    if (command->done_reported) return fault_reply(relates_to, unknown_command(machine));
    // A command waiting for the rest of its stdin has nothing to say yet.
    if (command->stdin_sent && !command->stdin_ended)
      return fault_reply(relates_to, operation_timeout(machine));
    if (command->phase == Command::Phase::Waiting) {
      command->phase = Command::Phase::Running;
      lock.unlock();
      ShellCommandResult result;
      try {
        result = runner_(user, command->command, command->arguments, command->stdin_data);
      } catch (const std::exception& e) {
        result = {{}, std::string("the lab's command runner failed: ") + e.what() + "\r\n", 1};
      }
      lock.lock();
      command->result = std::move(result);
      command->phase = Command::Phase::Finished;
      finished_.notify_all();
    }
    const milliseconds wait =
        std::min(request.operation_timeout.value_or(kLongestWait), kLongestWait);
    if (!finished_.wait_for(lock, wait, [&] { return command->phase == Command::Phase::Finished; }))
      return fault_reply(relates_to, operation_timeout(machine));
    if (command->done_reported) return fault_reply(relates_to, unknown_command(machine));
    return ok_reply(next_output(request, *command));
  }

  // As much output as fits in the client's MaxEnvelopeSize; Done once everything was sent.
  static std::string next_output(const wsman::Request& request, Command& command) {
    const size_t overhead =
        wsman::receive_response_overhead(request.message_id, request.command_id, 4);
    const size_t room =
        request.max_envelope_size > overhead + 4 ? request.max_envelope_size - overhead : 4;
    size_t raw_budget = room / 4 * 3;
    std::vector<wsman::StreamChunk> streams;
    const auto take = [&](const char* name, const std::string& bytes, size_t& offset) {
      const size_t count = std::min(bytes.size() - offset, raw_budget);
      if (count == 0) return;
      streams.push_back({name, bytes.substr(offset, count), false});
      offset += count;
      // Each base64 block is padded to 4 characters: charge the rounding too.
      raw_budget -= std::min(raw_budget, (count + 2) / 3 * 3);
    };
    take("stdout", command.result.stdout_bytes, command.stdout_offset);
    take("stderr", command.result.stderr_bytes, command.stderr_offset);
    const bool all_sent = command.stdout_offset == command.result.stdout_bytes.size() &&
                          command.stderr_offset == command.result.stderr_bytes.size();
    std::optional<int64_t> exit_code;
    if (all_sent) {
      streams.push_back({"stdout", {}, true});
      streams.push_back({"stderr", {}, true});
      exit_code = command.result.exit_code;
      command.done_reported = true;
    }
    return wsman::receive_response(request.message_id, request.command_id, streams, exit_code);
  }

  ShellCommandRunner runner_;
  std::mutex mutex_;
  std::condition_variable finished_;
  std::map<std::string, Shell, std::less<>> shells_;
};

}  // namespace

std::unique_ptr<WinrsHost> WinrsHost::create(ShellCommandRunner runner) {
  return std::make_unique<InMemoryWinrsHost>(std::move(runner));
}

}  // namespace sd::lab
