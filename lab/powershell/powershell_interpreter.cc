#include "lab/powershell/powershell_interpreter.h"

#include <algorithm>
#include <map>

#include "base/text_checks.h"
#include "lab/powershell/powershell_binding.h"
#include "lab/powershell/powershell_cmdlets.h"
#include "lab/powershell/powershell_parser.h"
#include "lab/powershell/powershell_values.h"

namespace sd::lab {
namespace {

// The values a pipeline stage passes on: arrays are unrolled, $null is passed as itself.
void emit(std::vector<PsValue>& out, PsValue value) {
  if (value.kind == PsValue::Kind::Array) {
    for (PsValue& item : value.items) out.push_back(std::move(item));
  } else {
    out.push_back(std::move(value));
  }
}

PsValue collapse(std::vector<PsValue> values) {
  if (values.empty()) return PsValue::null();
  if (values.size() == 1) return std::move(values[0]);
  return PsValue::array(std::move(values));
}

// `value.name` as PowerShell reads it: a property (names without case), or on an array the
// items' (member enumeration; Count and Length are the array's own).
PsValue member_value(const PsValue& value, const std::string& name) {
  if (value.kind != PsValue::Kind::Array) return value.property(name);
  if (iequals(name, "Count") || iequals(name, "Length"))
    return PsValue::from_number(value.items.size());
  std::vector<PsValue> found;
  for (const PsValue& item : value.items) {
    PsValue one = member_value(item, name);
    if (!one.is_null()) emit(found, std::move(one));
  }
  return collapse(std::move(found));
}

class Interpreter {
 public:
  Interpreter(ExchangeAdmin& admin, std::string_view source) : admin_(admin), source_(source) {}

  // The script's statements. A statement failed when an error was written while it ran.
  void run(const PsScript& script, PsRunResult& result) {
    for (const PsStatement& statement : script.statements) {
      size_t errors_before = errors_written_;
      for (const PsValue& value : statement_or_error(statement, nullptr)) print(value, result);
      result.last_statement_failed = errors_written_ > errors_before;
    }
  }

  // The error and warning streams so far (taken out).
  std::vector<PsStreamRecord> take_records() { return std::move(records_); }

  // The calls as statements whose values are variables set beforehand: the binder and the
  // cmdlets are the script's, and nothing is parsed.
  void run_calls(const std::vector<std::vector<PsCall>>& calls, const std::vector<PsValue>& input,
                 PsCallResult& result) {
    snapin_loaded_ = true;  // the Microsoft.Exchange configuration has them
    remote_ = true;
    size_t next = 0;
    auto value_of = [&](PsValue value) {
      PsExpression variable;
      variable.kind = PsExpression::Kind::Variable;
      variable.text = " call " + std::to_string(next++);  // no script can name it
      variables_[variable.text] = std::move(value);
      return variable;
    };
    PsScript script;
    for (const std::vector<PsCall>& statement_calls : calls) {
      PsStatement statement;
      if (script.statements.empty() && !input.empty()) {
        PsPipelineElement source;
        source.expression.push_back(value_of(PsValue::array(input)));
        statement.pipeline.push_back(std::move(source));
      }
      for (const PsCall& call : statement_calls) {
        PsCommand command;
        command.name = call.command;
        for (const PsCallArgument& argument : call.arguments) {
          PsCommandElement element;
          element.is_parameter = !argument.name.empty();
          element.parameter = argument.name;
          if (!argument.is_switch) {
            element.colon = element.is_parameter;
            element.value.push_back(value_of(argument.value));
          } else {
            element.remoting_nil = true;
          }
          command.elements.push_back(std::move(element));
        }
        PsPipelineElement element;
        element.command = std::move(command);
        statement.pipeline.push_back(std::move(element));
      }
      script.statements.push_back(std::move(statement));
    }
    for (const PsStatement& statement : script.statements)
      for (PsValue& value : run_statement(statement, nullptr))
        result.output.push_back(std::move(value));
  }

 private:
  static void print(const PsValue& value, PsRunResult& result) {
    switch (value.kind) {
      case PsValue::Kind::String:
      case PsValue::Kind::Number:
      case PsValue::Kind::Bool:
        result.output_lines.push_back(ps_to_string(value));
        break;
      default:  // $null prints nothing; objects are not formatted (see the header)
        break;
    }
  }

  std::vector<PsValue> run_statement(const PsStatement& statement, const PsValue* underscore) {
    std::vector<PsValue> values;
    bool first = true;
    for (const PsPipelineElement& element : statement.pipeline) {
      if (element.command) {
        values = invoke(*element.command, std::move(values), !first, underscore);
      } else {
        emit(values, eval(element.expression[0], underscore));
      }
      first = false;
    }
    if (statement.assigned_variable) {
      assign(*statement.assigned_variable, collapse(std::move(values)), statement.extent);
      return {};
    }
    return values;
  }

  void assign(const std::string& name, PsValue value, PsExtent extent) {
    std::string key = to_lower_ascii(name);
    if (key == "null") return;  // assigning to $null discards
    if (key == "true" || key == "false" || key == "_") {
      throw PsFailure{make_command_error(
          "", "Cannot overwrite variable " + name + " because it is read-only or constant.", extent,
          "WriteError", "SessionStateUnauthorizedAccessException", "VariableNotWritable",
          name + ":String")};
    }
    variables_[key] = std::move(value);
  }

  PsValue variable(const PsExpression& expression, const PsValue* underscore) {
    std::string key = to_lower_ascii(expression.text);
    PsValue value;
    if (key == "true" || key == "false") {
      value = PsValue::from_bool(key == "true");
    } else if (key == "_") {
      if (underscore) value = *underscore;
    } else if (auto found = variables_.find(key); found != variables_.end()) {
      value = found->second;
    }
    for (const std::string& name : expression.members) value = member_value(value, name);
    return value;
  }

  PsValue eval(const PsExpression& e, const PsValue* underscore) {
    using K = PsExpression::Kind;
    switch (e.kind) {
      case K::String:
        return PsValue::from_string(e.text);
      case K::Number: {
        if (e.text.size() > 18) {
          throw PsFailure{make_parser_error("The numeric constant " + e.text + " is not valid.",
                                            "BadNumericConstant", e.extent)};
        }
        return PsValue::from_number(std::stoull(e.text));
      }
      case K::Variable:
        return variable(e, underscore);
      case K::ArrayExpression:
      case K::SubExpression:
      case K::Parenthesized: {
        std::vector<PsValue> values = run_statements(e.statements, underscore);
        PsValue value = e.kind == K::ArrayExpression ? PsValue::array(std::move(values))
                                                     : collapse(std::move(values));
        for (const std::string& name : e.members) value = member_value(value, name);  // (...).Name
        return value;
      }
      case K::Hashtable: {
        PsValue table;
        table.kind = PsValue::Kind::Hashtable;
        for (size_t i = 0; i < e.keys.size(); ++i) {
          table.add_property(e.keys[i], eval(e.operands[i], underscore));
        }
        return table;
      }
      case K::ScriptBlock:
        return PsValue::script_block(e);
      case K::Cast: {
        PsValue value = eval(e.operands[0], underscore);
        if (!iequals(e.text, "string")) {
          throw PsFailure{make_command_error("", "Unable to find type [" + e.text + "].", e.extent,
                                             "InvalidOperation", "RuntimeException", "TypeNotFound",
                                             e.text + ":TypeName")};
        }
        return PsValue::from_string(ps_to_string(value));
      }
      case K::Comparison:
        return PsValue::from_bool(
            ps_equals(eval(e.operands[0], underscore), eval(e.operands[1], underscore)));
      case K::And:
        for (const PsExpression& term : e.operands) {
          if (!ps_is_true(eval(term, underscore))) return PsValue::from_bool(false);
        }
        return PsValue::from_bool(true);
      case K::List: {
        std::vector<PsValue> items;
        for (const PsExpression& item : e.operands) items.push_back(eval(item, underscore));
        return PsValue::array(std::move(items));
      }
    }
    return PsValue::null();
  }

  std::vector<PsValue> run_statements(const std::vector<PsStatement>& statements,
                                      const PsValue* underscore) {
    std::vector<PsValue> out;
    for (const PsStatement& statement : statements) {
      for (PsValue& value : statement_or_error(statement, underscore))
        out.push_back(std::move(value));
    }
    return out;
  }

  // $ErrorActionPreference 'Stop' (and remote calls): an error ends everything.
  bool stops_on_error() const {
    if (remote_) return true;
    auto found = variables_.find("erroractionpreference");
    return found != variables_.end() && iequals(ps_to_string(found->second), "Stop");
  }

  // A statement; unless errors stop the script, an error ends only this statement: it goes to
  // the error stream and the statement gives no output (PowerShell's Continue).
  std::vector<PsValue> statement_or_error(const PsStatement& statement, const PsValue* underscore) {
    if (stops_on_error()) return run_statement(statement, underscore);
    try {
      return run_statement(statement, underscore);
    } catch (PsFailure& failure) {
      records_.push_back({std::move(failure.record), ""});
      ++errors_written_;
      return {};
    }
  }

  std::vector<PsValue> invoke(const PsCommand& command, std::vector<PsValue> input, bool has_input,
                              const PsValue* underscore) {
    const PsCmdletSpec* spec = find_cmdlet(command.name, admin_.version(), snapin_loaded_);
    // Exchange's remote endpoint offers the Exchange cmdlets and a few of PowerShell's own that
    // need no script; the others are not there at all.
    if (spec && remote_ && !spec->exchange && !iequals(spec->name, "Select-Object")) spec = nullptr;
    if (!spec) {
      PsErrorRecord record = make_command_error(
          command.name,
          "The term '" + command.name +
              "' is not recognized as the name of a cmdlet, function, script file, or operable "
              "program. Check the spelling of the name, or if a path was included, verify that "
              "the path is correct and try again.",
          command.name_extent, "ObjectNotFound", "CommandNotFoundException",
          "CommandNotFoundException");
      record.category =
          "ObjectNotFound: (" + command.name + ":String) [], CommandNotFoundException";
      throw PsFailure{std::move(record)};
    }
    PsCmdletContext ctx{admin_,    *spec, command.extent,  {}, std::move(input),
                        has_input, {},    &snapin_loaded_, {}};
    ctx.run_block = [this](const PsValue& block, const PsValue& item) {
      return run_statements(block.block->statements, &item);
    };
    ctx.on_warning = [this](std::string message) { records_.push_back({{}, std::move(message)}); };
    if (has_input && !spec->takes_input && !ctx.input.empty()) {
      ctx.fail(
          "The input object cannot be bound to any parameters for the command either "
          "because the command does not take pipeline input or the input and its "
          "properties do not match any of the parameters that take pipeline input.",
          "InvalidArgument", "ParameterBindingException", "InputObjectNotBound");
    }
    bind(ctx, command, underscore);
    return spec->handler(ctx);
  }

  // Binds the command's elements to the spec's parameters: named first, then positional,
  // then the mandatory check, converting each value to its parameter's type.
  void bind(PsCmdletContext& ctx, const PsCommand& command, const PsValue* underscore) {
    const PsCmdletSpec& spec = ctx.spec;
    auto fail_at = [&](PsExtent extent, std::string message, std::string_view id,
                       std::string_view category = "InvalidArgument",
                       std::string_view exception = "ParameterBindingException") {
      ctx.extent = extent;
      ctx.fail(std::move(message), category, exception, id);
    };
    std::vector<std::pair<const PsCommandElement*, PsValue>> positional;
    const auto& elements = command.elements;
    for (size_t i = 0; i < elements.size(); ++i) {
      const PsCommandElement& element = elements[i];
      if (!element.is_parameter) {
        positional.emplace_back(&element, eval(element.value[0], underscore));
        continue;
      }
      const PsParamSpec* found = &match_parameter(ctx, element.parameter, element.extent);
      if (ctx.has(found->name)) {
        fail_at(element.extent,
                "Cannot bind parameter because parameter '" + found->name +
                    "' is specified more than once. To provide multiple values to parameters "
                    "that can accept multiple values, use the array syntax. For example, "
                    "\"-parameter value1,value2,value3\".",
                "ParameterAlreadyBound");
      }
      PsValue value;
      if (element.colon && !element.value.empty()) {
        value = eval(element.value[0], underscore);
      } else if (found->type == PsParamType::Switch && !element.colon) {
        value = PsValue::from_bool(true);
      } else if (element.remoting_nil) {
        value = PsValue::null();
      } else if (!element.colon && i + 1 < elements.size() && !elements[i + 1].is_parameter) {
        value = eval(elements[++i].value[0], underscore);
      } else {
        fail_at(element.extent,
                "Missing an argument for parameter '" + found->name +
                    "'. Specify a parameter of type '" + found->type_name + "' and try again.",
                "MissingArgument");
      }
      ctx.args[found->name] = convert_argument(ctx, *found, std::move(value), element.extent);
    }
    std::vector<const PsParamSpec*> by_position;
    for (const PsParamSpec& p : spec.params) {
      if (p.position >= 0) by_position.push_back(&p);
    }
    std::sort(by_position.begin(), by_position.end(),
              [](const PsParamSpec* a, const PsParamSpec* b) { return a->position < b->position; });
    for (auto& [element, value] : positional) {
      auto free = std::find_if(by_position.begin(), by_position.end(),
                               [&](const PsParamSpec* p) { return !ctx.has(p->name); });
      if (free == by_position.end()) {
        fail_at(element->extent,
                "A positional parameter cannot be found that accepts argument '" +
                    ps_to_string(value) + "'.",
                "PositionalParameterNotFound");
      }
      ctx.args[(*free)->name] = convert_argument(ctx, **free, std::move(value), element->extent);
    }
    std::string missing;
    for (const PsParamSpec& p : spec.params) {
      if (p.mandatory && !ctx.has(p.name)) missing += (missing.empty() ? "" : " ") + p.name;
    }
    if (!missing.empty() && !(ctx.has_input && spec.takes_input)) {
      fail_at(command.extent,
              "Cannot process command because of one or more missing mandatory parameters: " +
                  missing + ".",
              "MissingMandatoryParameter");
    }
    ctx.extent = command.extent;
  }

  ExchangeAdmin& admin_;
  std::string_view source_;
  std::map<std::string, PsValue> variables_;
  bool snapin_loaded_ = false;
  bool remote_ = false;  // run_calls: the cmdlets of Exchange's remote endpoint only
  std::vector<PsStreamRecord> records_;
  size_t errors_written_ = 0;
};

}  // namespace

// Runs `work`; a failure (the lab's own, or anything thrown) becomes the error that ended it.
template <class Work>
void guarded(std::optional<PsErrorRecord>& error, Work work) {
  try {
    work();
  } catch (PsFailure& failure) {
    error = std::move(failure.record);
  } catch (const std::exception& e) {
    error = make_command_error("", e.what(), {0, 0}, "NotSpecified", "RuntimeException",
                               "RuntimeException");
  }
}

PsCallResult run_calls(ExchangeAdmin& admin, const std::vector<std::vector<PsCall>>& statements,
                       const std::vector<PsValue>& input) {
  PsCallResult result;
  Interpreter interpreter(admin, "");
  guarded(result.error, [&] { interpreter.run_calls(statements, input, result); });
  for (PsStreamRecord& record : interpreter.take_records())
    if (!record.error) result.warnings.push_back(std::move(record.warning));
  return result;
}

PsRunResult run_powershell(ExchangeAdmin& admin, std::string_view script) {
  PsRunResult result;
  PsParsed parsed = parse_powershell(script);
  if (parsed.error) {
    result.error = std::move(parsed.error);
    result.last_statement_failed = true;
    return result;
  }
  Interpreter interpreter(admin, script);
  guarded(result.error, [&] { interpreter.run(parsed.script, result); });
  result.records = interpreter.take_records();
  if (result.error) result.last_statement_failed = true;
  return result;
}

}  // namespace sd::lab
