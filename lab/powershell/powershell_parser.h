// The syntax tree of the PowerShell subset (docs/powershell-subset.md) and its parser. The
// whole script is parsed before anything runs, as PowerShell does, so a syntax error anywhere
// means nothing is executed; the error is PowerShell's ParserError ("At line:N char:M", the
// message, the ErrorId).
//
// Grammar (one statement per line or per ';'):
//   statement   := '$'name '=' pipeline | pipeline
//   pipeline    := (command | expression) ('|' command)*
//   command     := bareword (('-'name[':'] | argument))*
//   argument    := primary (',' primary)*           a list when commas join values
//   expression  := comparison ('-and' comparison)*
//   comparison  := unary ('-eq' unary)*
//   unary       := '[' type ']' unary | primary
//   primary     := 'string' | number | $var(.Member)* | @( statements )(.Member)*
//                | $( statements )(.Member)* | ( pipeline )(.Member)* | @{ key = statement; ... }
//                | { statements }
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lab/powershell/powershell_error_record.h"

namespace sd::lab {

struct PsStatement;

struct PsExpression {
  enum class Kind {
    String,           // text: the value ('quoted' or a bareword argument)
    Number,           // text: the digits
    Variable,         // text: the name; members: the .Member chain
    ArrayExpression,  // @( statements ); members: a .Member chain after it
    SubExpression,    // $( statements ); members as above
    Parenthesized,    // ( pipeline ): statements holds exactly one; members as above
    Hashtable,        // keys[i] = operands[i]
    ScriptBlock,      // { statements }
    Cast,             // text: the type name; operands: the value
    Comparison,       // text: the operator ("eq"); operands: left, right
    And,              // operands: the terms
    List,             // a, b, c (command arguments)
  };
  Kind kind = Kind::String;
  PsExtent extent;
  std::string text;
  std::vector<std::string> members;
  std::vector<std::string> keys;
  std::vector<PsExpression> operands;
  std::vector<PsStatement> statements;
};

// One element after a command name: a -Parameter (with its :value if written so) or a value.
struct PsCommandElement {
  bool is_parameter = false;
  std::string parameter;            // without the dash
  bool colon = false;               // -Name:value
  std::vector<PsExpression> value;  // the value (at most one)
  // Sent over remote PowerShell with <Nil/> as its value: PowerShell binds a named parameter
  // with its value always (CommandParameter.ToCommandParameterInternal), so this is $null for
  // a parameter that takes one, and present for a switch.
  bool remoting_nil = false;
  PsExtent extent;
};

struct PsCommand {
  std::string name;
  PsExtent name_extent;
  PsExtent extent;  // from the name to the end of the last element
  std::vector<PsCommandElement> elements;
};

// A pipeline element: a command, or (first element only) an expression.
struct PsPipelineElement {
  std::optional<PsCommand> command;
  std::vector<PsExpression> expression;  // exactly one when command is empty
};

struct PsStatement {
  PsExtent extent;
  std::optional<std::string> assigned_variable;  // `$name = <pipeline>`
  std::vector<PsPipelineElement> pipeline;
};

struct PsScript {
  std::vector<PsStatement> statements;
};

struct PsParsed {
  PsScript script;
  std::optional<PsErrorRecord> error;  // a ParserError: then `script` is empty
};

[[nodiscard]] PsParsed parse_powershell(std::string_view source);

}  // namespace sd::lab
