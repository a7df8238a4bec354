#include "lab/server/psrp_host.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>

#include "base/base64.h"
#include "lab/server/psrp_values.h"
#include "lab/server/wsman_faults.h"
#include "protocol/psrp/fragments.h"
#include "protocol/psrp/messages.h"
#include "protocol/psrp/pipeline.h"
#include "protocol/psrp/pool_messages.h"
#include "protocol/psrp/secure_string.h"
#include "protocol/wsman.h"

namespace sd::lab {
namespace {

using psrp::MessageType;
using psrp::Value;

constexpr size_t kLargestMessage = 16u << 20;
constexpr std::string_view kNoLanguage =
    "The syntax is not supported by this runspace. This can occur if the runspace is in "
    "no-language mode.";

struct Pipeline {
  std::string id;
  psrp::Reassembler input{kLargestMessage};
  std::optional<Value> create;  // CREATE_PIPELINE's data, once whole
  bool no_input = true, input_ended = false, ran = false;
  std::vector<PsValue> values;
  std::deque<std::string> outbox;  // encoded fragments, in order
};

struct Pool {
  std::string id, owner;
  psrp::Reassembler input{kLargestMessage};
  std::deque<std::string> outbox;
  uint64_t next_object = 1;
  size_t max_fragment = 32 * 1024;  // what fits the client's envelope, base64 and markup aside
  std::optional<psrp::SessionKey> key;
  std::map<std::string, std::shared_ptr<Pipeline>, std::less<>> pipelines;

  void queue(std::deque<std::string>& into, MessageType type, const std::string& pipeline_id,
             const Value& data, bool nil_pool = false) {
    psrp::Message message;
    message.destination = psrp::Destination::Client;
    message.type = type;
    message.runspace_pool_id = nil_pool ? std::string(psrp::kNilGuid) : id;
    message.pipeline_id = pipeline_id.empty() ? std::string(psrp::kNilGuid) : pipeline_id;
    message.data = psrp::write_clixml(data);
    // A Receive takes as many fragments as fit its envelope.
    for (const psrp::Fragment& fragment :
         psrp::split_message(next_object++, psrp::encode_message(message), max_fragment))
      into.push_back(psrp::encode_fragment(fragment));
  }
};

Value application_private_data() {
  Value versions = Value::dictionary(
      {{Value::string("PSVersion"), Value::primitive("Version", "5.1.17763.1")},
       {Value::string("PSRemotingProtocolVersion"), Value::primitive("Version", "2.3")},
       {Value::string("SerializationVersion"), Value::primitive("Version", "1.1.0.1")}},
      {"System.Management.Automation.PSPrimitiveDictionary", "System.Collections.Hashtable",
       "System.Object"});
  return Value::object(
      {{"ApplicationPrivateData",
        Value::dictionary({{Value::string("PSVersionTable"), versions}}, versions.type_names)}});
}

Value state_value(std::string_view property, int32_t state, std::optional<Value> reason) {
  std::vector<psrp::Property> properties{{std::string(property), Value::i32(state)}};
  if (reason) properties.push_back({"ExceptionAsErrorRecord", std::move(*reason)});
  return Value::object(std::move(properties));
}

// A WARNING_RECORD's data (MS-PSRP 2.2.3.16, InformationalRecord without invocation info).
Value warning_record_value(const std::string& message) {
  Value record =
      Value::object({{"InformationalRecord_Message", Value::string(message)},
                     {"InformationalRecord_SerializeInvocationInfo", Value::boolean(false)}},
                    {"System.Management.Automation.WarningRecord",
                     "System.Management.Automation.InformationalRecord", "System.Object"});
  record.to_string = message;
  return record;
}

wsman::Fault unknown_configuration(const std::string& machine, std::string_view resource) {
  const std::string text =
      "The WS-Management service cannot process the request. The resource URI (" +
      std::string(resource) + ") was not found in the WS-Management catalog. ";
  return {"s:Sender", "w:DestinationUnreachable", text, "2150858770", machine, text, {}, {}, {}};
}

class InMemoryPsrpHost : public PsrpHost {
 public:
  explicit InMemoryPsrpHost(PsrpRunner runner) : runner_(std::move(runner)) {}

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
    if (request.resource_uri != kExchangeConfigurationUri)
      return fault_reply(relates_to, unknown_configuration(machine, request.resource_uri));
    std::lock_guard lock(mutex_);
    if (request.action == wsman::kActionCreate) return create(user, request, machine);
    auto found = pools_.find(request.shell_id);
    if (found == pools_.end() || found->second->owner != user)
      return fault_reply(relates_to, unknown_shell(machine, request.shell_id));
    Pool& pool = *found->second;
    const std::string_view action = request.action;
    if (action == wsman::kActionDelete) {
      pools_.erase(found);
      return ok_reply(wsman::delete_response(relates_to));
    }
    if (action == wsman::kActionCommand) return command(user, pool, request, machine);
    if (action == wsman::kActionSend) return send(user, pool, request, machine);
    if (action == wsman::kActionReceive) return receive(pool, request, machine);
    if (action == wsman::kActionSignal) {
      pool.pipelines.erase(request.command_id);
      return ok_reply(wsman::signal_response(relates_to));
    }
    return fault_reply(relates_to, invalid_parameter(machine, "unknown action " + request.action));
  }

  WinrsReply create(const std::string& user, const wsman::Request& request,
                    const std::string& machine) {
    auto pool = std::make_shared<Pool>();
    pool->owner = user;
    pool->id = request.shell.shell_id.empty() ? wsman::new_uuid() : request.shell.shell_id;
    pool->max_fragment = std::clamp<size_t>(
        request.max_envelope_size > 4096 ? (request.max_envelope_size - 4096) / 4 * 3 : 1024, 1024,
        32 * 1024);
    std::string bytes;
    if (!base64_decode(request.shell.creation_xml, bytes))
      return fault_reply(request.message_id,
                         invalid_parameter(machine, "creationXml is not base64"));
    Result<std::vector<std::string>> messages = pool->input.feed(bytes);
    std::vector<MessageType> types;
    if (messages)
      for (const std::string& message : *messages)
        if (Result<psrp::Message> read = psrp::decode_message(message)) types.push_back(read->type);
    if (types !=
        std::vector<MessageType>{MessageType::SessionCapability, MessageType::InitRunspacePool})
      return fault_reply(request.message_id,
                         invalid_parameter(machine,
                                           "creationXml must hold SESSION_CAPABILITY "
                                           "and INIT_RUNSPACEPOOL"));
    pool->queue(pool->outbox, MessageType::SessionCapability, {}, psrp::session_capability_value(),
                true);
    pool->queue(pool->outbox, MessageType::ApplicationPrivateData, {}, application_private_data());
    pool->queue(pool->outbox, MessageType::RunspacePoolState, {},
                state_value("RunspaceState", static_cast<int32_t>(psrp::PoolState::Opened), {}));
    wsman::CreatedShell created;
    created.shell_id = pool->id;
    created.address = request.to;
    created.owner = user;
    created.shell = request.shell;
    created.resource_uri = request.resource_uri;
    pools_[pool->id] = pool;
    return ok_reply(wsman::create_response(request.message_id, created));
  }

  WinrsReply command(const std::string& user, Pool& pool, const wsman::Request& request,
                     const std::string& machine) {
    auto pipeline = std::make_shared<Pipeline>();
    pipeline->id = request.command_id.empty() ? wsman::new_uuid() : request.command_id;
    std::string bytes;
    if (request.arguments.size() != 1 || !base64_decode(request.arguments[0], bytes))
      return fault_reply(request.message_id,
                         invalid_parameter(machine, "the pipeline is not one base64 argument"));
    pool.pipelines[pipeline->id] = pipeline;
    if (std::string problem = take(user, pool, *pipeline, bytes); !problem.empty())
      return fault_reply(request.message_id, invalid_parameter(machine, problem));
    return ok_reply(wsman::command_response(request.message_id, pipeline->id));
  }

  WinrsReply send(const std::string& user, Pool& pool, const wsman::Request& request,
                  const std::string& machine) {
    if (request.command_id.empty()) {  // to the pool: the key exchange
      Result<std::vector<std::string>> messages = pool.input.feed(request.stream_bytes);
      if (!messages)
        return fault_reply(request.message_id,
                           invalid_parameter(machine, messages.errors()[0].message));
      for (const std::string& bytes : *messages) {
        Result<psrp::Message> message = psrp::decode_message(bytes);
        if (!message || message->type != MessageType::PublicKey) continue;
        Result<Value> data = psrp::parse_clixml(message->data);
        const Value* blob = data ? data->property("PublicKey") : nullptr;
        psrp::SessionKey key = psrp::SessionKey::generate();
        Result<std::string> sealed =
            blob ? psrp::encrypt_session_key(key, blob->text) : make_error("no PublicKey");
        if (!sealed)
          return fault_reply(request.message_id,
                             invalid_parameter(machine, sealed.errors()[0].message));
        pool.key.emplace(std::move(key));
        pool.queue(pool.outbox, MessageType::EncryptedSessionKey, {},
                   Value::object({{"EncryptedSessionKey", Value::string(*sealed)}}), true);
      }
      return ok_reply(wsman::send_response(request.message_id));
    }
    auto found = pool.pipelines.find(request.command_id);
    if (found == pool.pipelines.end())
      return fault_reply(request.message_id, unknown_command(machine));
    if (std::string problem = take(user, pool, *found->second, request.stream_bytes);
        !problem.empty())
      return fault_reply(request.message_id, invalid_parameter(machine, problem));
    return ok_reply(wsman::send_response(request.message_id));
  }

  // Fragments for a pipeline: CREATE_PIPELINE, its input; runs it once all is there. The
  // problem with them, or "".
  std::string take(const std::string& user, Pool& pool, Pipeline& pipeline,
                   std::string_view bytes) {
    Result<std::vector<std::string>> messages = pipeline.input.feed(bytes);
    if (!messages) return messages.errors()[0].message;
    for (const std::string& raw : *messages) {
      Result<psrp::Message> message = psrp::decode_message(raw);
      if (!message) return message.errors()[0].message;
      if (message->type == MessageType::EndOfPipelineInput) {
        pipeline.input_ended = true;
        continue;
      }
      Result<Value> data = psrp::parse_clixml(message->data);
      if (!data) return data.errors()[0].message;
      if (message->type == MessageType::CreatePipeline) {
        const Value* no_input = data->property("NoInput");
        pipeline.no_input = !no_input || no_input->as_bool().value_or(true);
        pipeline.create = std::move(data).value();
      } else if (message->type == MessageType::PipelineInput) {
        Result<PsValue> value = from_psrp(*data, pool.key);
        if (!value) return value.errors()[0].message;
        pipeline.values.push_back(std::move(value).value());
      }
    }
    if (pipeline.create && !pipeline.ran && (pipeline.no_input || pipeline.input_ended))
      run(user, pool, pipeline);
    return {};
  }

  void run(const std::string& user, Pool& pool, Pipeline& pipeline) {
    pipeline.ran = true;
    auto finish = [&](psrp::PipelineState state, std::optional<Value> reason) {
      pool.queue(pipeline.outbox, MessageType::PipelineState, pipeline.id,
                 state_value("PipelineState", static_cast<int32_t>(state), std::move(reason)));
    };
    Result<psrp::PowerShell> powershell = psrp::read_create_pipeline(*pipeline.create);
    if (!powershell) {
      PsErrorRecord record = make_command_error("", powershell.errors()[0].message, {},
                                                "InvalidData", "PSRemotingDataStructureException",
                                                "PSRemotingDataStructureException");
      return finish(psrp::PipelineState::Failed, error_record_value(record));
    }
    std::vector<std::vector<PsCall>> statements;
    for (const std::vector<psrp::Command>& statement : powershell->statements) {
      std::vector<PsCall> calls;
      for (const psrp::Command& command : statement) {
        if (command.is_script) {
          PsErrorRecord record =
              make_parser_error(std::string(kNoLanguage), "ScriptsNotAllowed", {});
          record.category = "ParserError: (" + command.name + ":String) [], ParseException";
          return finish(psrp::PipelineState::Failed, error_record_value(record, command.name));
        }
        PsCall call{command.name, {}};
        for (const psrp::Parameter& parameter : command.parameters) {
          const bool is_switch = !parameter.name.empty() && parameter.value.is_nil();
          Result<PsValue> value = from_psrp(parameter.value, pool.key);
          if (!value) {
            PsErrorRecord record = make_command_error(command.name, value.errors()[0].message, {},
                                                      "InvalidData", "ParameterBindingException",
                                                      "ParameterArgumentTransformationError");
            return finish(psrp::PipelineState::Failed, error_record_value(record));
          }
          call.arguments.push_back({parameter.name, std::move(value).value(), is_switch});
        }
        calls.push_back(std::move(call));
      }
      statements.push_back(std::move(calls));
    }
    PsCallResult result = runner_(user, statements, pipeline.values);
    for (const PsValue& value : result.output)
      pool.queue(pipeline.outbox, MessageType::PipelineOutput, pipeline.id, to_psrp(value));
    for (const std::string& warning : result.warnings)
      pool.queue(pipeline.outbox, MessageType::WarningRecord, pipeline.id,
                 warning_record_value(warning));
    // Exchange's cmdlet errors are not terminating: the record on the error stream, then the
    // pipeline completes.
    if (result.error)
      pool.queue(pipeline.outbox, MessageType::ErrorRecord, pipeline.id,
                 error_record_value(*result.error));
    finish(psrp::PipelineState::Completed, std::nullopt);
  }

  WinrsReply receive(Pool& pool, const wsman::Request& request, const std::string& machine) {
    std::deque<std::string>* outbox = &pool.outbox;
    std::shared_ptr<Pipeline> pipeline;
    if (!request.command_id.empty()) {
      auto found = pool.pipelines.find(request.command_id);
      if (found == pool.pipelines.end())
        return fault_reply(request.message_id, unknown_command(machine));
      pipeline = found->second;
      outbox = &pipeline->outbox;
    }
    if (outbox->empty() || (pipeline && !pipeline->ran))
      return fault_reply(request.message_id, operation_timeout(machine));
    // As many fragments as fit the client's envelope (base64 grows them by 4/3).
    const size_t overhead =
        wsman::receive_response_overhead(request.message_id, request.command_id, 1);
    size_t room =
        request.max_envelope_size > overhead ? (request.max_envelope_size - overhead) / 4 * 3 : 0;
    std::vector<wsman::StreamChunk> chunks;
    while (!outbox->empty() && (chunks.empty() || outbox->front().size() <= room)) {
      room -= std::min(room, outbox->front().size() + 200);  // each stream element's markup
      chunks.push_back({"stdout", std::move(outbox->front()), false});
      outbox->pop_front();
    }
    std::optional<int64_t> exit_code;
    if (pipeline && outbox->empty()) {
      exit_code = 0;  // Done: the pipeline is gone for Receive
      pool.pipelines.erase(request.command_id);
    }
    return ok_reply(
        wsman::receive_response(request.message_id, request.command_id, chunks, exit_code));
  }

  PsrpRunner runner_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Pool>, std::less<>> pools_;
};

}  // namespace

std::unique_ptr<PsrpHost> PsrpHost::create(PsrpRunner runner) {
  return std::make_unique<InMemoryPsrpHost>(std::move(runner));
}

}  // namespace sd::lab
