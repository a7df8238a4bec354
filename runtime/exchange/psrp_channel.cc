#include "runtime/exchange/psrp_channel.h"

#include <limits>
#include <utility>

#include "base/json_writer.h"
#include "base/text_checks.h"
#include "exchange/exchange_queries.h"
#include "exchange/exchange_scripts.h"

namespace sd {
namespace {

// An object as the script's Select-Object @{n='P';e={[string]$_.P}} makes it, in JSON.
void write_selected(std::string& out, const psrp::Value& object,
                    const std::vector<std::string>& properties) {
  out += '{';
  for (size_t i = 0; i < properties.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, properties[i]);
    out += ':';
    const psrp::Value* value = object.property(properties[i]);
    append_json_string(out, value ? powershell_string(*value) : std::string());
  }
  out += '}';
}

// Where-Object { $_.P -eq 'v' -and ... }: -eq on strings ignores case.
bool matches(const psrp::Value& object, const std::vector<ps::Condition>& where) {
  for (const ps::Condition& condition : where) {
    const psrp::Value* value = object.property(condition.property);
    if (!iequals(value ? powershell_string(*value) : std::string(), condition.equals)) return false;
  }
  return true;
}

// PowerShell's error, as one line: the failing record, else the first on the error stream.
std::string error_of(const PipelineResult& result, const std::string& command) {
  psrp::ErrorRecordText record =
      result.failure ? *result.failure
                     : (result.errors.empty() ? psrp::ErrorRecordText{} : result.errors.front());
  if (record.message.empty())
    record.message = "the pipeline ended " + psrp::pipeline_state_name(result.state);
  if (record.command.empty()) record.command = command;
  return record.line();
}

}  // namespace

std::string powershell_string(const psrp::Value& value) {
  if (value.is_nil()) return {};
  if (value.collection != psrp::Value::Collection::None &&
      value.collection != psrp::Value::Collection::Dictionary) {
    std::string out;
    for (const psrp::Value& item : value.items) {
      if (!out.empty()) out += ' ';
      out += powershell_string(item);
    }
    return out;
  }
  return value.display();
}

PsrpChannel::PsrpChannel(std::unique_ptr<RunspacePool> pool, RunspacePoolFactory reopen)
    : pool_(std::move(pool)), reopen_(std::move(reopen)) {}

Result<psrp::Command> PsrpChannel::command_of(const ps::Cmdlet& cmdlet, const psrp::Value* each) {
  psrp::Command command = psrp::Command::cmdlet(cmdlet.name);
  for (const ps::Argument& argument : cmdlet.arguments) {
    const std::string where = cmdlet.name + " -" + argument.name;
    Result<psrp::Value> value = std::visit(
        [&](const auto& v) -> Result<psrp::Value> {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, ps::String>) {
            return psrp::Value::string(v.text);
          } else if constexpr (std::is_same_v<T, ps::Integer>) {
            if (v.value <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
              return psrp::Value::i32(static_cast<int32_t>(v.value));
            if (v.value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
              return psrp::Value::i64(static_cast<int64_t>(v.value));
            return make_error(where + ": " + std::to_string(v.value) + " is too large");
          } else if constexpr (std::is_same_v<T, ps::Bool>) {
            return psrp::Value::boolean(v.value);
          } else if constexpr (std::is_same_v<T, ps::Switch>) {
            // A parameter with no value is a switch that is on; off is -Name:$false.
            return v.on ? psrp::Value::nil() : psrp::Value::boolean(false);
          } else if constexpr (std::is_same_v<T, ps::SecretLiteral>) {
            return pool_->secure_string(v.value);
          } else if constexpr (std::is_same_v<T, ps::PipelineProperty>) {
            const psrp::Value* property = each ? each->property(v.name) : nullptr;
            if (!property) return make_error(where + ": the object has no " + v.name);
            return psrp::Value::string(powershell_string(*property));
          } else if constexpr (std::is_same_v<T, ps::Null>) {
            // A name without a leading '-' always carries its value (PowerShell's
            // CommandParameter.ToCommandParameterInternal): <Nil/> is `-Name $null` for a
            // parameter that takes a value (Exchange 2010's unlimited limits, an association
            // taken back to the default policy).
            return psrp::Value::nil();
          } else {
            return make_error(where + ": a value read from the console cannot be sent");
          }
        },
        argument.value);
    if (!value) return value.take_errors();
    command.parameters.push_back({argument.name, std::move(value).value()});
  }
  return command;
}

Result<PsrpChannel::Outcome> PsrpChannel::run(std::vector<psrp::Command> statements) {
  const std::string first = statements.empty() ? std::string() : statements.front().name;
  psrp::PowerShell powershell;
  for (psrp::Command& command : statements) powershell.statements.push_back({std::move(command)});
  Result<PipelineResult> result = pool_->run(powershell);
  // The server lost the pool before the pipeline started (an IIS recycle, a restart): open a
  // new one, once, and run it there. A pool lost while a pipeline ran is an error: an action
  // may have been done.
  if (!result && pool_->gone() && reopen_ && !reopened_) {
    reopened_ = true;
    Result<std::unique_ptr<RunspacePool>> fresh = reopen_();
    if (!fresh) return fresh.take_errors();
    pool_ = std::move(fresh).value();
    result = pool_->run(powershell);
  }
  if (!result) return result.take_errors();
  Outcome outcome;
  if (!result->completed() || !result->errors.empty())
    outcome.refused = error_of(*result, first);
  else
    outcome.objects = std::move(result->output);
  return outcome;
}

Result<PsrpChannel::Outcome> PsrpChannel::objects_of(const ps::Cmdlet& cmdlet) {
  Result<std::string> key = ps::render_cmdlet(cmdlet);
  if (key)
    if (auto found = sources_.find(*key); found != sources_.end()) return found->second;
  Result<psrp::Command> command = command_of(cmdlet);
  if (!command) return command.take_errors();
  Result<Outcome> outcome = run({std::move(command).value()});
  if (outcome && key) sources_[*key] = *outcome;
  return outcome;
}

// Runs `each` once per object of `source`, all in one pipeline (a statement per object).
Result<PsrpChannel::Outcome> PsrpChannel::for_each(const ps::Cmdlet& source,
                                                   const ps::Cmdlet& each) {
  Result<Outcome> targets = objects_of(source);
  if (!targets || !targets->refused.empty()) return targets;
  std::vector<psrp::Command> statements;
  for (const psrp::Value& target : targets->objects) {
    Result<psrp::Command> command = command_of(each, &target);
    if (!command) return command.take_errors();
    statements.push_back(std::move(command).value());
  }
  if (statements.empty()) return Outcome{};
  return run(std::move(statements));
}

Result<ManagementRead> PsrpChannel::read(const DesiredState& desired, ExchangeVersion version) {
  sources_.clear();  // a read sees Exchange as it is now
  ManagementRead read;
  for (const exchange::ExchangeQuery& query : exchange::exchange_queries(desired, version)) {
    if (query.line.empty()) continue;  // left out of the script too: read_observation says why
    Result<Outcome> outcome = query.query.for_each
                                  ? for_each(query.query.source, *query.query.for_each)
                                  : objects_of(query.query.source);
    if (!outcome) return outcome.take_errors();
    if (!outcome->refused.empty()) {
      read.stopped = outcome->refused;  // where the script would stop too
      return read;
    }
    std::string line = "[";
    for (const psrp::Value& object : outcome->objects) {
      if (!matches(object, query.query.where)) continue;
      if (line.size() > 1) line += ',';
      write_selected(line, object, query.properties);
    }
    read.lines += line + "]\n";
  }
  return read;
}

Status PsrpChannel::run_action(const Plan& plan, uint32_t action, ExchangeVersion version,
                               const SecretValues& secrets) {
  Result<std::vector<ActionStep>> steps = action_steps(plan, action, version, secrets);
  if (!steps) return steps.take_errors();
  sources_.clear();
  for (const ActionStep& step : *steps) {
    Result<Outcome> outcome = Outcome{};
    if (step.for_each_of) {
      outcome = for_each(*step.for_each_of, step.cmdlet);
    } else {
      Result<psrp::Command> command = command_of(step.cmdlet);
      if (!command) return command.take_errors();
      outcome = run({std::move(command).value()});
    }
    if (!outcome) return outcome.take_errors();
    if (!outcome->refused.empty()) return make_error(outcome->refused);
  }
  return ok_status();
}

}  // namespace sd
