#include "lab/powershell/powershell_interpreter.h"

#include <algorithm>
#include <map>

#include "base/text_checks.h"
#include "lab/powershell/powershell_cmdlets.h"
#include "lab/powershell/powershell_parser.h"
#include "lab/powershell/powershell_values.h"

namespace sd::lab {
namespace {

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

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

class Interpreter {
 public:
  Interpreter(ExchangeAdmin& admin, std::string_view source) : admin_(admin), source_(source) {}

  void run(const PsScript& script, PsRunResult& result) {
    for (const PsStatement& statement : script.statements) {
      for (const PsValue& value : run_statement(statement, nullptr)) print(value, result);
    }
  }

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
    for (const std::string& member : expression.members) value = value.property(member);
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
        return PsValue::array(run_statements(e.statements, underscore));
      case K::SubExpression:
      case K::Parenthesized:
        return collapse(run_statements(e.statements, underscore));
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
      for (PsValue& value : run_statement(statement, underscore)) out.push_back(std::move(value));
    }
    return out;
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
    PsCmdletContext ctx{admin_,    *spec, command.extent, {}, std::move(input),
                        has_input, {},    &snapin_loaded_};
    ctx.run_block = [this](const PsValue& block, const PsValue& item) {
      return run_statements(block.block->statements, &item);
    };
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
      auto found = std::find_if(spec.params.begin(), spec.params.end(), [&](const PsParamSpec& p) {
        return iequals(p.name, element.parameter);
      });
      if (found == spec.params.end()) {
        fail_at(
            element.extent,
            "A parameter cannot be found that matches parameter name '" + element.parameter + "'.",
            "NamedParameterNotFound");
      }
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
      } else if (!element.colon && i + 1 < elements.size() && !elements[i + 1].is_parameter) {
        value = eval(elements[++i].value[0], underscore);
      } else {
        fail_at(element.extent,
                "Missing an argument for parameter '" + found->name +
                    "'. Specify a parameter of type '" + found->type_name + "' and try again.",
                "MissingArgument");
      }
      ctx.args[found->name] = convert(ctx, *found, std::move(value), element.extent);
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
      ctx.args[(*free)->name] = convert(ctx, **free, std::move(value), element->extent);
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

  PsValue convert(PsCmdletContext& ctx, const PsParamSpec& p, PsValue value, PsExtent extent) {
    using K = PsValue::Kind;
    auto transformation_error = [&](const std::string& detail) {
      ctx.extent = extent;
      ctx.fail("Cannot process argument transformation on parameter '" + p.name + "'. " + detail,
               "InvalidData", "ParameterBindingArgumentTransformationException",
               "ParameterArgumentTransformationError");
    };
    if (value.kind == K::Array && value.items.size() == 1 && p.type != PsParamType::Any) {
      value = value.items[0];
    }
    switch (p.type) {
      case PsParamType::Any:
        return value;
      case PsParamType::String:
        if (value.kind == K::Array || value.kind == K::ScriptBlock || value.kind == K::Hashtable) {
          ctx.extent = extent;
          ctx.fail("Cannot convert '" + ps_type_name(value) +
                       "' to the type 'System.String' "
                       "required by parameter '" +
                       p.name + "'. Specified method is not supported.",
                   "InvalidArgument", "ParameterBindingException", "CannotConvertArgument");
        }
        return value.is_null() ? value : PsValue::from_string(ps_to_string(value));
      case PsParamType::Secure:
        if (value.kind != K::SecureString) {
          // The value itself is left out: it is meant to be a password.
          transformation_error("Cannot convert the value of type \"" + ps_type_name(value) +
                               "\" to type \"System.Security.SecureString\".");
        }
        return value;
      case PsParamType::Switch:
      case PsParamType::Bool:
        if (value.kind == K::Bool) return value;
        if (value.kind == K::Number) return PsValue::from_bool(value.number != 0);
        transformation_error("Cannot convert value \"" + ps_type_name(value) +
                             "\" to type \"System.Boolean\". Boolean parameters accept only "
                             "Boolean values and numbers, such as $True, $False, 1 or 0.");
        return value;  // not reached: the error is thrown
      case PsParamType::Limit:
        return convert_limit(p, value, transformation_error);
      case PsParamType::Choice: {
        std::string text = ps_to_string(value);
        for (const std::string& choice : p.choices) {
          if (iequals(choice, text)) return PsValue::from_string(choice);
        }
        bool numeric =
            std::find(p.choices.begin(), p.choices.end(), "Unlimited") != p.choices.end();
        if (numeric && all_digits(text)) return PsValue::from_string(text);
        std::string names;
        for (const std::string& choice : p.choices) names += (names.empty() ? "" : ", ") + choice;
        ctx.extent = extent;
        ctx.fail("Cannot bind parameter '" + p.name + "'. Cannot convert value \"" + text +
                     "\" to type \"" + p.type_name +
                     "\". Error: \"Unable to match the identifier "
                     "name " +
                     text +
                     " to a valid enumerator name. Specify one of the following "
                     "enumerator names and try again: " +
                     names + "\"",
                 "InvalidArgument", "ParameterBindingException", "CannotConvertArgumentNoMessage");
      }
      case PsParamType::ScriptBlock:
        if (value.kind != K::ScriptBlock) {
          ctx.extent = extent;
          ctx.fail("Cannot bind parameter '" + p.name + "'. Cannot convert the \"" +
                       ps_to_string(value) + "\" value of type \"" + ps_type_name(value) +
                       "\" to type \"System.Management.Automation.ScriptBlock\".",
                   "InvalidArgument", "ParameterBindingException",
                   "CannotConvertArgumentNoMessage");
        }
        return value;
    }
    return value;
  }

  // An EWS limit, canonical: "Unlimited" or the decimal number. 2013+ types them
  // Unlimited<UInt32> (a number or 'Unlimited'); 2010 UInt32 where $null means unlimited.
  template <class Fail>
  PsValue convert_limit(const PsParamSpec& p, const PsValue& value, Fail& fail) {
    bool legacy = admin_.version() == LabExchangeVersion::Exchange2010;
    if (value.is_null()) {
      if (legacy) return PsValue::from_string("Unlimited");
      fail("Cannot convert null to type \"" + p.type_name + "\".");
    }
    std::string text = ps_to_string(value);
    if (!legacy && iequals(text, "Unlimited")) return PsValue::from_string("Unlimited");
    if (!all_digits(text)) {
      fail("Cannot convert value \"" + text + "\" to type \"" + p.type_name +
           "\". Error: \"Input string was not in a correct format.\"");
    }
    if (text.size() > 10 || std::stoull(text) > 4294967295ULL) {
      fail("Cannot convert value \"" + text + "\" to type \"" + p.type_name +
           "\". Error: \"Value was either too large or too small for a UInt32.\"");
    }
    return PsValue::from_string(std::to_string(std::stoull(text)));
  }

  ExchangeAdmin& admin_;
  std::string_view source_;
  std::map<std::string, PsValue> variables_;
  bool snapin_loaded_ = false;
  bool remote_ = false;  // run_calls: the cmdlets of Exchange's remote endpoint only
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
  guarded(result.error, [&] { Interpreter(admin, "").run_calls(statements, input, result); });
  return result;
}

PsRunResult run_powershell(ExchangeAdmin& admin, std::string_view script) {
  PsRunResult result;
  PsParsed parsed = parse_powershell(script);
  if (parsed.error) {
    result.error = std::move(parsed.error);
    return result;
  }
  guarded(result.error, [&] { Interpreter(admin, script).run(parsed.script, result); });
  return result;
}

}  // namespace sd::lab
