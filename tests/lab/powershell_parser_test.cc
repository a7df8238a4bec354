#include "lab/powershell/powershell_parser.h"

#include <catch2/catch.hpp>

#include "lab/powershell/powershell_error_record.h"

namespace sd::lab {
namespace {

PsScript parse_ok(std::string_view script) {
  PsParsed parsed = parse_powershell(script);
  INFO(script);
  if (parsed.error) FAIL(parsed.error->message);
  return std::move(parsed.script);
}

std::vector<std::string> parse_error(std::string_view script) {
  PsParsed parsed = parse_powershell(script);
  INFO(script);
  REQUIRE(parsed.error);
  return error_record_lines(*parsed.error, script);
}

const PsCommand& command_of(const PsStatement& statement, size_t index = 0) {
  REQUIRE(statement.pipeline.size() > index);
  REQUIRE(statement.pipeline[index].command);
  return *statement.pipeline[index].command;
}

TEST_CASE("the script header: an assignment, a snap-in, comments skipped", "[ps-parser]") {
  PsScript script = parse_ok(
      "# Exchange step 1\r\n$ErrorActionPreference = 'Stop'\r\n"
      "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\r\n");
  REQUIRE(script.statements.size() == 2);
  CHECK(script.statements[0].assigned_variable == "ErrorActionPreference");
  CHECK(script.statements[0].pipeline[0].expression[0].text == "Stop");
  const PsCommand& snapin = command_of(script.statements[1]);
  CHECK(snapin.name == "Add-PSSnapin");
  REQUIRE(snapin.elements.size() == 1);
  CHECK_FALSE(snapin.elements[0].is_parameter);
  CHECK(snapin.elements[0].value[0].text == "Microsoft.Exchange.Management.PowerShell.SnapIn");
}

TEST_CASE("parameters: -Name value, -Switch, -Name:value", "[ps-parser]") {
  PsScript script =
      parse_ok("Remove-ManagementRoleAssignment -Identity 'a b' -Confirm:$false -Verbose");
  const PsCommand& command = command_of(script.statements[0]);
  REQUIRE(command.elements.size() == 4);
  CHECK(command.elements[0].parameter == "Identity");
  CHECK(command.elements[1].value[0].text == "a b");
  CHECK(command.elements[2].parameter == "Confirm");
  CHECK(command.elements[2].colon);
  CHECK(command.elements[2].value[0].kind == PsExpression::Kind::Variable);
  CHECK(command.elements[2].value[0].text == "false");
  CHECK(command.elements[3].parameter == "Verbose");
  CHECK(command.elements[3].value.empty());
}

TEST_CASE("the query: ConvertTo-Json over @( pipeline with ForEach, Where and Select )",
          "[ps-parser]") {
  PsScript script = parse_ok(
      "ConvertTo-Json -Compress -InputObject @(Get-ExchangeServer | ForEach-Object { "
      "Get-ADPermission -Identity $_.DistinguishedName -User 'nexj-sync' } | Where-Object { "
      "$_.ExtendedRights -eq 'ms-Exch-EPI-Impersonation' -and $_.Deny -eq $false } | "
      "Select-Object @{n='Identity';e={[string]$_.Identity}}, @{n='User';e={[string]$_.User}})");
  const PsCommand& json = command_of(script.statements[0]);
  CHECK(json.name == "ConvertTo-Json");
  const PsExpression& array = json.elements[2].value[0];
  REQUIRE(array.kind == PsExpression::Kind::ArrayExpression);
  REQUIRE(array.statements.size() == 1);
  const PsStatement& inner = array.statements[0];
  REQUIRE(inner.pipeline.size() == 4);
  const PsExpression& loop = command_of(inner, 1).elements[0].value[0];
  REQUIRE(loop.kind == PsExpression::Kind::ScriptBlock);
  const PsCommand& get = command_of(loop.statements[0]);
  CHECK(get.elements[1].value[0].text == "_");
  CHECK(get.elements[1].value[0].members == std::vector<std::string>{"DistinguishedName"});
  const PsExpression& where =
      command_of(inner, 2).elements[0].value[0].statements[0].pipeline[0].expression[0];
  REQUIRE(where.kind == PsExpression::Kind::And);
  CHECK(where.operands.size() == 2);
  CHECK(where.operands[0].kind == PsExpression::Kind::Comparison);
  const PsExpression& properties = command_of(inner, 3).elements[0].value[0];
  REQUIRE(properties.kind == PsExpression::Kind::List);
  REQUIRE(properties.operands.size() == 2);
  const PsExpression& first = properties.operands[0];
  REQUIRE(first.kind == PsExpression::Kind::Hashtable);
  CHECK(first.keys == std::vector<std::string>{"n", "e"});
  CHECK(first.operands[1].kind == PsExpression::Kind::ScriptBlock);
  CHECK(first.operands[1].statements[0].pipeline[0].expression[0].kind == PsExpression::Kind::Cast);
}

TEST_CASE("single quotes: doubled quotes, typographic quotes, nothing else special",
          "[ps-parser]") {
  auto value = [](std::string_view script) {
    PsScript parsed = parse_ok(script);
    return command_of(parsed.statements[0]).elements[1].value[0].text;
  };
  CHECK(value("New-Mailbox -Name 'O''Brien'") == "O'Brien");
  CHECK(value("New-Mailbox -Name 'a\u2019\u2019b'") == "a\u2019b");
  CHECK(value("New-Mailbox -Name 'a\u2018 -Alias 'b'") == "a");  // U+2018 ends the string
  CHECK(value("New-Mailbox -Name 'a\u2018''") == "a'");          // U+2018 then ': a doubled quote
  CHECK(value("New-Mailbox -Name \u201Bx'") == "x");             // and U+201B opens one
  CHECK(value("New-Mailbox -Name '$(Remove-Mailbox x) `n $env:PATH'") ==
        "$(Remove-Mailbox x) `n $env:PATH");
  CHECK(value("New-Mailbox -Name '# not a comment'") == "# not a comment");
}

TEST_CASE("a hostile value, quoted as the renderer quotes it, stays one argument", "[ps-parser]") {
  PsScript script = parse_ok("New-Mailbox -Name 'x''; Remove-Mailbox -Identity ''y'\n");
  REQUIRE(script.statements.size() == 1);
  const PsCommand& command = command_of(script.statements[0]);
  REQUIRE(command.elements.size() == 2);
  CHECK(command.elements[1].value[0].text == "x'; Remove-Mailbox -Identity 'y");
  // Unescaped, the same text is two statements (the second a command of its own).
  PsScript broken = parse_ok("New-Mailbox -Name 'x'; Remove-Mailbox -Identity 'y'\n");
  REQUIRE(broken.statements.size() == 2);
  CHECK(command_of(broken.statements[1]).name == "Remove-Mailbox");
}

TEST_CASE("parser errors carry PowerShell's message, position and ErrorId", "[ps-parser]") {
  CHECK(parse_error("Add-PSSnapin x\nNew-Mailbox -Name 'abc\n") ==
        std::vector<std::string>{
            "At line:2 char:19", "+ New-Mailbox -Name 'abc", "+                   ~~~~",
            "The string is missing the terminator: '.",
            "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException",
            "    + FullyQualifiedErrorId : TerminatorExpectedAtEndOfString"});
  CHECK(parse_error("Get-ExchangeServer | ForEach-Object { Get-Mailbox") ==
        std::vector<std::string>{
            "At line:1 char:37", "+ Get-ExchangeServer | ForEach-Object { Get-Mailbox",
            "+                                     ~",
            "Missing closing '}' in statement block or type definition.",
            "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException",
            "    + FullyQualifiedErrorId : MissingEndCurlyBrace"});
  auto message_and_id = [](std::string_view script) {
    std::vector<std::string> lines = parse_error(script);
    return lines[3] + " | " + lines[5].substr(lines[5].find(": ") + 2);
  };
  CHECK(message_and_id("Get-Mailbox )") ==
        "Unexpected token ')' in expression or statement. | UnexpectedToken");
  CHECK(message_and_id("Select-Object a,") ==
        "Missing argument in parameter list. | MissingArgument");
  CHECK(message_and_id("Get-Mailbox |") ==
        "An empty pipe element is not allowed. | EmptyPipeElement");
  CHECK(message_and_id("Get-Mailbox | 'x'") ==
        "Expressions are only allowed as the first element of a pipeline. | "
        "ExpressionsMustBeFirstInPipeline");
  CHECK(message_and_id("ConvertTo-Json -InputObject @(Get-Mailbox") ==
        "Missing closing ')' in subexpression. | MissingEndParenthesisInSubexpression");
  CHECK(message_and_id("New-Mailbox -Password (ConvertTo-SecureString -String 'x'") ==
        "Missing closing ')' in expression. | MissingEndParenthesisInExpression");
  CHECK(message_and_id("Select-Object @{n='a' e={1}}") ==
        "Unexpected token 'e' in expression or statement. | UnexpectedToken");
  CHECK(message_and_id("Select-Object @{n}") ==
        "Missing '=' operator after key in hash literal. | MissingEqualsInHashLiteral");
  CHECK(message_and_id("Select-Object @{n='a'") ==
        "Missing closing '}' in hash literal. | MissingEndCurlyBrace");
  CHECK(message_and_id("Where-Object { $_.A -eq }") ==
        "You must provide a value expression following the '-eq' operator. | "
        "ExpectedValueExpression");
  CHECK(message_and_id("Where-Object { $_.A -eq 'x' -and }") ==
        "You must provide a value expression following the '-and' operator. | "
        "ExpectedValueExpression");
  CHECK(message_and_id("Where-Object { $_.A -or 'x' }") ==
        "Unexpected token '-or' in expression or statement. | UnexpectedToken");
  CHECK(message_and_id("Get-Mailbox -Filter \"Name -eq $x\"") ==
        "Expandable strings are outside the lab's PowerShell subset: use single quotes. | "
        "ExpandableStringNotSupported");
  CHECK(message_and_id("Get-Mailbox > out.txt") ==
        "Unexpected token '>' in expression or statement. | UnexpectedToken");
  CHECK(
      message_and_id("Select-Object @{n='a';e={[string$_.A}}") ==
      "Missing ] at end of attribute or type literal. | EndSquareBracketExpectedAtEndOfAttribute");
}

TEST_CASE("positions count CRLF line endings and characters, not bytes", "[ps-parser]") {
  std::vector<std::string> lines = parse_error("Add-PSSnapin x\r\nNew-Mailbox -Name '\u00e9' )");
  CHECK(lines[0] == "At line:2 char:23");
  CHECK(lines[2] == "+                       ~");
}

TEST_CASE("every prefix of a script parses or fails cleanly, deep nesting is refused",
          "[ps-parser]") {
  std::string script =
      "$ErrorActionPreference = 'Stop'\nConvertTo-Json -Compress -InputObject @(Get-Mailbox "
      "-Filter 'UPN -eq ''a\u2019\u2019''' | ForEach-Object { Get-ADPermission -Identity $_.X } | "
      "Where-Object { $_.A -eq 'x' -and $_.B -eq $false } | Select-Object "
      "@{n='N';e={[string]$_.N}}, Name)\nNew-Mailbox -Password (ConvertTo-SecureString -String "
      "'p' -AsPlainText -Force) -Confirm:$false\n";
  size_t errors = 0;
  for (size_t length = 0; length <= script.size(); ++length) {
    PsParsed parsed = parse_powershell(std::string_view(script).substr(0, length));
    if (parsed.error) {
      ++errors;
      CHECK_FALSE(error_record_lines(*parsed.error, script.substr(0, length)).empty());
    }
  }
  CHECK(errors > 0);
  CHECK_FALSE(parse_powershell(script).error);
  std::string deep = "Get-Mailbox " + std::string(5000, '(') + "'x'" + std::string(5000, ')');
  PsParsed nested = parse_powershell(deep);
  REQUIRE(nested.error);
  CHECK(nested.error->message == "The script is nested too deeply.");
}

}  // namespace
}  // namespace sd::lab
