#include "runtime/exchange/runspace_pool.h"

#include <algorithm>

#include "base/base64.h"
#include "base/clock.h"
#include "protocol/psrp/messages.h"
#include "runtime/exchange/winrs_session.h"

namespace sd {
namespace {

using psrp::MessageType;
using SteadyClock = std::chrono::steady_clock;

// The fault a host gives for a ShellId it does not have (wsman unknown selectors).
constexpr std::string_view kShellGone = "(WSManFault 2150858843)";

bool is_final(int32_t state) {
  using psrp::PipelineState;
  return state == static_cast<int32_t>(PipelineState::Completed) ||
         state == static_cast<int32_t>(PipelineState::Failed) ||
         state == static_cast<int32_t>(PipelineState::Stopped);
}

// "Get-Mailbox | Select-Object" for the error of a pipeline, scripts as "a script".
std::string describe_pipeline(const psrp::PowerShell& powershell) {
  std::string out;
  for (const auto& statement : powershell.statements) {
    if (!out.empty()) out += "; ";
    for (size_t i = 0; i < statement.size(); ++i) {
      if (i) out += " | ";
      out += statement[i].is_script ? std::string("a script") : statement[i].name;
    }
  }
  return out.empty() ? std::string("an empty pipeline") : out;
}

struct ReadMessage {
  psrp::Message message;
  psrp::Value data;
  std::string type;  // its name, for messages
};

// The messages `bytes` (one Receive's stream) complete on `stream`, each with its CLIXML read.
// Errors: the reassembler's and the header's as they are, CLIXML's after the message's type.
Result<std::vector<ReadMessage>> read_messages(psrp::Reassembler& stream, std::string_view bytes) {
  Result<std::vector<std::string>> whole = stream.feed(bytes);
  if (!whole) return whole.take_errors();
  std::vector<ReadMessage> out;
  for (const std::string& raw : *whole) {
    Result<psrp::Message> message = psrp::decode_message(raw);
    if (!message) return message.take_errors();
    std::string type = psrp::message_type_name(static_cast<uint32_t>(message->type));
    Result<psrp::Value> data = psrp::parse_clixml(message->data);
    if (!data) return make_error(type + ": " + data.errors().front().message);
    out.push_back({std::move(message).value(), std::move(data).value(), std::move(type)});
  }
  return out;
}

}  // namespace

bool PipelineResult::completed() const {
  return state == static_cast<int32_t>(psrp::PipelineState::Completed);
}

Result<std::unique_ptr<RunspacePool>> RunspacePool::open(RunspacePoolOptions options) {
  if (!options.new_id) options.new_id = [] { return wsman::new_uuid(); };
  if (!options.key_pair) options.key_pair = [] { return psrp::KeyPair::generate(); };
  Result<std::unique_ptr<WinrsSession>> session = WinrsSession::open(options.transport);
  if (!session) return session.take_errors();
  std::unique_ptr<RunspacePool> pool(
      new RunspacePool(std::move(session).value(), std::move(options)));
  Status opened = pool->open_pool();
  if (!opened) return opened.take_errors();
  return pool;
}

RunspacePool::RunspacePool(std::unique_ptr<WinrsSession> session, RunspacePoolOptions options)
    : session_(std::move(session)), options_(std::move(options)) {}

RunspacePool::~RunspacePool() {
  (void)close();
}

const std::string& RunspacePool::endpoint() const {
  return session_->endpoint();
}

unsigned RunspacePool::requests() const {
  return session_->requests();
}

std::vector<Error> RunspacePool::named(std::string message) const {
  return {make_error("PowerShell " + session_->endpoint() + ": " + std::move(message))};
}

std::string RunspacePool::next_id() {
  return options_.new_id();
}

Status RunspacePool::open_pool() {
  pool_id_ = next_id();
  std::string creation;
  for (const psrp::Value& data :
       {psrp::session_capability_value(), psrp::init_runspace_pool_value()}) {
    psrp::Message message;
    message.destination = psrp::Destination::Server;
    message.type =
        creation.empty() ? MessageType::SessionCapability : MessageType::InitRunspacePool;
    message.runspace_pool_id = pool_id_;
    message.data = psrp::write_clixml(data);
    // Both fit one fragment each: a few hundred bytes.
    for (const psrp::Fragment& fragment :
         psrp::split_message(next_object_++, psrp::encode_message(message), SIZE_MAX))
      creation += psrp::encode_fragment(fragment);
  }
  wsman::ShellSettings shell;
  shell.shell_id = pool_id_;
  shell.input_streams = "stdin pr";
  shell.output_streams = "stdout";
  shell.protocol_version = std::string(psrp::kProtocolVersion);
  shell.creation_xml = base64_encode(creation);
  Result<std::string> shell_id = session_->create_shell(shell);
  if (!shell_id) return shell_id.take_errors();
  shell_id_ = std::move(shell_id).value();
  const auto deadline = SteadyClock::now() + options_.open_timeout;
  using psrp::PoolState;
  while (pool_state_ != static_cast<int32_t>(PoolState::Opened)) {
    if (pool_state_ == static_cast<int32_t>(PoolState::Broken) ||
        pool_state_ == static_cast<int32_t>(PoolState::Closed)) {
      closed_ = true;
      (void)session_->delete_shell(shell_id_);
      return named("the RunspacePool on " + options_.transport.resource_uri + " is " +
                   psrp::pool_state_name(pool_state_) +
                   (pool_reason_ ? ": " + pool_reason_->line() : std::string()));
    }
    if (SteadyClock::now() >= deadline) {
      (void)close();
      return named("the RunspacePool did not open within " +
                   readable_duration(options_.open_timeout));
    }
    Status received = receive_pool_messages(deadline);
    if (!received) {
      (void)close();
      return received;
    }
  }
  return ok_status();
}

Status RunspacePool::receive_pool_messages(std::chrono::steady_clock::time_point deadline) {
  Result<wsman::ReceiveOutput> output =
      session_->receive_paced(shell_id_, "", "stdout", pool_pace_, deadline);
  if (!output) return output.take_errors();
  Result<std::vector<ReadMessage>> messages = read_messages(pool_stream_, output->stdout_bytes);
  if (!messages) return named(messages.errors().front().message);
  for (ReadMessage& read : *messages) {
    const std::string& type = read.type;
    psrp::Value& data = read.data;
    switch (read.message.type) {
      case MessageType::SessionCapability: {
        Result<std::string> version = psrp::read_protocol_version(data);
        if (!version) return named(version.errors().front().message);
        protocol_version_ = std::move(version).value();
        break;
      }
      case MessageType::ApplicationPrivateData:
        private_data_ = std::move(data);
        break;
      case MessageType::RunspacePoolState: {
        Result<psrp::StateChange> state = psrp::read_state(data, "RunspaceState");
        if (!state) return named(type + ": " + state.errors().front().message);
        pool_state_ = state->state;
        pool_reason_ = state->reason;
        break;
      }
      case MessageType::EncryptedSessionKey: {
        Result<std::string> key = psrp::read_encrypted_session_key(data);
        if (!key) return named(key.errors().front().message);
        encrypted_session_key_ = std::move(key).value();
        break;
      }
      case MessageType::RunspacePoolHostCall:
        return named("the server called the host (" + type +
                     "), which syncdeploy does not provide: it asks no questions");
      default:
        break;  // RUNSPACE_AVAILABILITY, USER_EVENT, ...: nothing we wait for
    }
  }
  return ok_status();
}

Status RunspacePool::send_messages(const std::string& command_id,
                                   const std::vector<psrp::Message>& messages) {
  const size_t room = session_->max_send_bytes();
  std::string batch;
  for (const psrp::Message& message : messages) {
    for (const psrp::Fragment& fragment :
         psrp::split_message(next_object_++, psrp::encode_message(message), room)) {
      std::string bytes = psrp::encode_fragment(fragment);
      if (!batch.empty() && batch.size() + bytes.size() > room) {
        Status sent = session_->send_input(shell_id_, command_id, batch, false);
        if (!sent) return sent;
        batch.clear();
      }
      batch += bytes;
    }
  }
  if (batch.empty()) return ok_status();
  return session_->send_input(shell_id_, command_id, batch, false);
}

Result<PipelineResult> RunspacePool::run(const psrp::PowerShell& powershell,
                                         const std::vector<psrp::Value>& input) {
  if (closed_) return named("the RunspacePool is closed");
  const std::string what = describe_pipeline(powershell);
  const std::string pipeline_id = next_id();
  psrp::Message create;
  create.destination = psrp::Destination::Server;
  create.type = MessageType::CreatePipeline;
  create.runspace_pool_id = pool_id_;
  create.pipeline_id = pipeline_id;
  create.data = psrp::write_clixml(psrp::create_pipeline_value(powershell, input.empty()));
  std::vector<psrp::Fragment> fragments =
      psrp::split_message(next_object_++, psrp::encode_message(create), session_->max_send_bytes());
  wsman::CommandFlags flags;
  flags.command_id = pipeline_id;
  Result<std::string> command_id = session_->run_command(
      shell_id_, "", {base64_encode(psrp::encode_fragment(fragments.front()))}, flags);
  if (!command_id) {
    // The server no longer has the pool (restarted, recycled, timed out): nothing ran.
    if (command_id.errors().front().message.find(kShellGone) != std::string::npos) gone_ = true;
    return command_id.take_errors();
  }
  // The rest of a pipeline too large for one envelope, then its input.
  std::vector<psrp::Message> follow;
  for (const psrp::Value& value : input) {
    psrp::Message message = create;
    message.type = MessageType::PipelineInput;
    message.data = psrp::write_clixml(value);
    follow.push_back(std::move(message));
  }
  if (!input.empty()) {
    psrp::Message end = create;
    end.type = MessageType::EndOfPipelineInput;
    end.data.clear();
    follow.push_back(std::move(end));
  }
  for (size_t i = 1; i < fragments.size(); ++i) {
    Status sent =
        session_->send_input(shell_id_, *command_id, psrp::encode_fragment(fragments[i]), false);
    if (!sent) return sent.take_errors();
  }
  if (!follow.empty()) {
    Status sent = send_messages(*command_id, follow);
    if (!sent) return sent.take_errors();
  }

  PipelineResult result;
  psrp::Reassembler stream;
  const auto deadline = SteadyClock::now() + options_.transport.command_timeout;
  size_t received_bytes = 0;
  auto stop = [&](std::string why) -> Result<PipelineResult> {
    (void)session_->signal(shell_id_, *command_id, wsman::kSignalTerminate);  // best effort
    return named(what + ": " + why + "; it was stopped");
  };
  WinrsSession::ReceivePace pace;
  bool final_state = false;
  while (!final_state) {
    if (SteadyClock::now() >= deadline)
      return stop("the pipeline did not finish within " +
                  readable_duration(options_.transport.command_timeout));
    Result<wsman::ReceiveOutput> output =
        session_->receive_paced(shell_id_, *command_id, "stdout", pace, deadline);
    if (!output) return output.take_errors();
    received_bytes += output->stdout_bytes.size();
    if (received_bytes > options_.transport.max_output_bytes)
      return stop("its output passed " + std::to_string(options_.transport.max_output_bytes) +
                  " bytes, the most one pipeline may return");
    Result<std::vector<ReadMessage>> messages = read_messages(stream, output->stdout_bytes);
    if (!messages) return named(what + ": " + messages.errors().front().message);
    for (ReadMessage& read : *messages) {
      const std::string& type = read.type;
      psrp::Value& data = read.data;
      switch (read.message.type) {
        case MessageType::PipelineOutput:
          result.output.push_back(std::move(data));
          break;
        case MessageType::ErrorRecord:
          result.errors.push_back(psrp::read_error_record(data));
          break;
        case MessageType::WarningRecord:
          result.warnings.push_back(psrp::read_informational_text(data));
          break;
        case MessageType::VerboseRecord:
          result.verbose.push_back(psrp::read_informational_text(data));
          break;
        case MessageType::DebugRecord:
          result.debug.push_back(psrp::read_informational_text(data));
          break;
        case MessageType::InformationRecord:
          result.information.push_back(psrp::read_informational_text(data));
          break;
        case MessageType::PipelineState: {
          Result<psrp::StateChange> state = psrp::read_state(data, "PipelineState");
          if (!state) return named(what + ": " + type + ": " + state.errors().front().message);
          if (is_final(state->state)) {
            result.state = state->state;
            result.failure = state->reason;
            final_state = true;
          }
          break;
        }
        case MessageType::PipelineHostCall:
          return stop("the server called the host (" + type +
                      "), which syncdeploy does not provide");
        default:
          break;  // PROGRESS_RECORD and others: nothing to keep
      }
    }
    if (final_state) break;
    if (output->done)
      return named(what + ": the command ended without a final PIPELINE_STATE" +
                   (stream.incomplete_object()
                        ? " (object " + std::to_string(*stream.incomplete_object()) +
                              " ended without its end fragment)"
                        : std::string()));
  }
  if (stream.incomplete_object())
    return named(what + ": object " + std::to_string(*stream.incomplete_object()) +
                 " ended without its end fragment");
  return result;
}

Status RunspacePool::exchange_keys() {
  if (session_key_) return ok_status();
  if (closed_) return named("the RunspacePool is closed");
  Result<psrp::KeyPair> pair = options_.key_pair();
  if (!pair) return named(pair.errors().front().message);
  key_pair_.emplace(std::move(pair).value());
  psrp::Message message;
  message.destination = psrp::Destination::Server;
  message.type = MessageType::PublicKey;
  message.runspace_pool_id = pool_id_;
  message.data = psrp::write_clixml(psrp::public_key_value(key_pair_->public_key_blob()));
  Status sent = send_messages("", {message});
  if (!sent) return sent;
  const auto deadline = SteadyClock::now() + options_.key_exchange_timeout;
  while (encrypted_session_key_.empty()) {
    Status received = receive_pool_messages(deadline);
    if (!received) return received;
    if (!encrypted_session_key_.empty()) break;
    if (SteadyClock::now() >= deadline)
      return named("the server did not answer the session key exchange within " +
                   readable_duration(options_.key_exchange_timeout));
  }
  Result<psrp::SessionKey> key = key_pair_->decrypt_session_key(encrypted_session_key_);
  if (!key) return named(key.errors().front().message);
  session_key_.emplace(std::move(key).value());
  key_pair_.reset();
  return ok_status();
}

Result<psrp::Value> RunspacePool::secure_string(std::string_view secret) {
  Status keys = exchange_keys();
  if (!keys) return keys.take_errors();
  return psrp::Value::primitive("SS", session_key_->encrypt(secret));
}

Result<std::string> RunspacePool::reveal(const psrp::Value& secure_string) {
  if (secure_string.tag != "SS") return named("the value is not a SecureString");
  Status keys = exchange_keys();
  if (!keys) return keys.take_errors();
  Result<std::string> text = session_key_->decrypt(secure_string.text);
  if (!text) return named(text.errors().front().message);
  return text;
}

Status RunspacePool::close() {
  if (closed_ || shell_id_.empty()) return ok_status();
  closed_ = true;
  return session_->delete_shell(shell_id_);
}

}  // namespace sd
