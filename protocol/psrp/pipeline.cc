#include "protocol/psrp/pipeline.h"

#include <utility>

#include "protocol/psrp/pool_messages.h"

namespace sd::psrp {
namespace {

const std::vector<std::string>& command_list_types() {
  static const std::vector<std::string> types{
      "System.Collections.Generic.List`1[[System.Management.Automation.PSObject, "
      "System.Management.Automation, Version=1.0.0.0, Culture=neutral, "
      "PublicKeyToken=31bf3856ad364e35]]",
      "System.Object"};
  return types;
}

constexpr std::string_view kResultTypes =
    "System.Management.Automation.Runspaces.PipelineResultTypes";

Value no_merge() {
  return Value::enumeration(kResultTypes, "None", 0);
}

Value command_value(const Command& command) {
  std::vector<Value> arguments;
  for (const Parameter& parameter : command.parameters)
    arguments.push_back(Value::object({
        {"N", parameter.name.empty() ? Value::nil() : Value::string(parameter.name)},
        {"V", parameter.value},
    }));
  return Value::object({
      {"Cmd", Value::string(command.name)},
      {"IsScript", Value::boolean(command.is_script)},
      {"UseLocalScope", Value::nil()},
      {"MergeMyResult",
       command.merge_errors ? Value::enumeration(kResultTypes, "Error", 2) : no_merge()},
      {"MergeToResult",
       command.merge_errors ? Value::enumeration(kResultTypes, "Output", 1) : no_merge()},
      {"MergePreviousResults", no_merge()},
      {"Args", Value::list(std::move(arguments), command_list_types())},
      {"MergeError",
       command.merge_errors ? Value::enumeration(kResultTypes, "Output", 1) : no_merge()},
      {"MergeWarning", no_merge()},
      {"MergeVerbose", no_merge()},
      {"MergeDebug", no_merge()},
      {"MergeInformation", no_merge()},
  });
}

Value commands_value(const std::vector<Command>& commands) {
  std::vector<Value> items;
  for (const Command& command : commands) items.push_back(command_value(command));
  return Value::list(std::move(items), command_list_types());
}

Result<std::vector<Command>> read_commands(const Value* list, std::string_view where) {
  if (!list || list->collection != Value::Collection::List)
    return make_error("CREATE_PIPELINE: " + std::string(where) + " is not a list");
  std::vector<Command> commands;
  for (const Value& item : list->items) {
    const Value* name = item.property("Cmd");
    if (!name || name->tag != "S") return make_error("CREATE_PIPELINE: a command has no Cmd");
    Command command;
    command.name = name->text;
    const Value* is_script = item.property("IsScript");
    command.is_script = is_script && is_script->as_bool().value_or(false);
    const Value* merge_error = item.property("MergeError");
    command.merge_errors = merge_error && merge_error->as_integer().value_or(0) == 1;
    const Value* arguments = item.property("Args");
    if (arguments && arguments->collection == Value::Collection::List) {
      for (const Value& argument : arguments->items) {
        const Value* parameter_name = argument.property("N");
        const Value* value = argument.property("V");
        command.parameters.push_back(
            {parameter_name && !parameter_name->is_nil() ? parameter_name->text : std::string(),
             value ? *value : Value::nil()});
      }
    }
    commands.push_back(std::move(command));
  }
  return commands;
}

}  // namespace

Command Command::cmdlet(std::string name) {
  Command command;
  command.name = std::move(name);
  return command;
}

Command Command::script(std::string text) {
  Command command;
  command.name = std::move(text);
  command.is_script = true;
  return command;
}

Command Command::with(std::string parameter, Value value) && {
  parameters.push_back({std::move(parameter), std::move(value)});
  return std::move(*this);
}

Command Command::with_switch(std::string parameter) && {
  parameters.push_back({std::move(parameter), Value::nil()});
  return std::move(*this);
}

Command Command::with_argument(Value value) && {
  parameters.push_back({std::string(), std::move(value)});
  return std::move(*this);
}

Value create_pipeline_value(const PowerShell& powershell, bool no_input) {
  static const std::vector<Command> kNone;
  Value extra = Value::nil();
  if (powershell.statements.size() > 1) {
    std::vector<Value> statements;
    for (const std::vector<Command>& statement : powershell.statements)
      statements.push_back(Value::object({{"Cmds", commands_value(statement)}}));
    extra = Value::list(std::move(statements), command_list_types());
  }
  Value shell = Value::object({
      {"IsNested", Value::boolean(false)},
      {"ExtraCmds", std::move(extra)},
      {"Cmds",
       commands_value(powershell.statements.empty() ? kNone : powershell.statements.front())},
      {"History", Value::nil()},
      {"RedirectShellErrorOutputPipe", Value::boolean(false)},
  });
  return Value::object({
      {"NoInput", Value::boolean(no_input)},
      {"ApartmentState", apartment_state_value()},
      {"RemoteStreamOptions",
       powershell.add_invocation_info
           ? Value::enumeration("System.Management.Automation.Runspaces.RemoteStreamOptions",
                                "AddInvocationInfo", 15)
           : Value::enumeration("System.Management.Automation.Runspaces.RemoteStreamOptions",
                                "None", 0)},
      {"AddToHistory", Value::boolean(false)},
      {"HostInfo", no_host_value()},
      {"PowerShell", std::move(shell)},
      {"IsNested", Value::boolean(false)},
  });
}

Result<PowerShell> read_create_pipeline(const Value& data) {
  const Value* shell = data.property("PowerShell");
  if (!shell || !shell->is_object()) return make_error("CREATE_PIPELINE has no PowerShell");
  PowerShell powershell;
  const Value* extra = shell->property("ExtraCmds");
  if (extra && !extra->is_nil()) {
    if (extra->collection != Value::Collection::List)
      return make_error("CREATE_PIPELINE: ExtraCmds is not a list");
    for (const Value& statement : extra->items) {
      Result<std::vector<Command>> commands = read_commands(statement.property("Cmds"), "Cmds");
      if (!commands) return commands.take_errors();
      powershell.statements.push_back(std::move(commands).value());
    }
    return powershell;
  }
  Result<std::vector<Command>> commands = read_commands(shell->property("Cmds"), "Cmds");
  if (!commands) return commands.take_errors();
  powershell.statements.push_back(std::move(commands).value());
  return powershell;
}

}  // namespace sd::psrp
