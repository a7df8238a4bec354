#include "lab/powershell/powershell_parser.h"

#include <algorithm>

#include "base/text_checks.h"
#include "lab/powershell/powershell_lexer.h"

namespace sd::lab {
namespace {

struct ParseFailure {
  PsErrorRecord record;
};

bool ends_statement(PsTokenKind kind) {
  return kind == PsTokenKind::NewLine || kind == PsTokenKind::Semicolon ||
         kind == PsTokenKind::EndOfInput || kind == PsTokenKind::RParen ||
         kind == PsTokenKind::RBrace;
}

bool starts_primary(PsTokenKind kind) {
  switch (kind) {
    case PsTokenKind::String:
    case PsTokenKind::Number:
    case PsTokenKind::Variable:
    case PsTokenKind::AtParen:
    case PsTokenKind::DollarParen:
    case PsTokenKind::LParen:
    case PsTokenKind::AtBrace:
    case PsTokenKind::LBrace:
    case PsTokenKind::TypeLiteral:
      return true;
    default:
      return false;
  }
}

class Parser {
 public:
  Parser(std::string_view source, const std::vector<PsToken>& tokens)
      : source_(source), tokens_(tokens) {}

  PsScript script() {
    PsScript out;
    out.statements = statements(PsTokenKind::EndOfInput);
    if (peek().kind != PsTokenKind::EndOfInput) unexpected(peek());
    return out;
  }

 private:
  const PsToken& peek(size_t ahead = 0) const {
    return tokens_[std::min(index_ + ahead, tokens_.size() - 1)];
  }
  const PsToken& take() {
    const PsToken& token = peek();
    if (index_ < tokens_.size() - 1) ++index_;
    last_end_ = token.extent.end;
    return token;
  }
  void skip_newlines() {
    while (peek().kind == PsTokenKind::NewLine) take();
  }

  [[noreturn]] void fail(std::string message, std::string id, PsExtent extent) const {
    throw ParseFailure{make_parser_error(std::move(message), std::move(id), extent)};
  }
  [[noreturn]] void unexpected(const PsToken& token) const {
    fail("Unexpected token '" + token_text(source_, token) + "' in expression or statement.",
         "UnexpectedToken", token.extent);
  }

  // Statements up to (not including) `closer` or the end of input.
  std::vector<PsStatement> statements(PsTokenKind closer) {
    std::vector<PsStatement> out;
    while (true) {
      while (peek().kind == PsTokenKind::NewLine || peek().kind == PsTokenKind::Semicolon) take();
      PsTokenKind kind = peek().kind;
      if (kind == closer || kind == PsTokenKind::EndOfInput) return out;
      if (kind == PsTokenKind::RParen || kind == PsTokenKind::RBrace) unexpected(peek());
      out.push_back(statement());
      if (!ends_statement(peek().kind)) unexpected(peek());
    }
  }

  PsStatement statement() {
    PsStatement out;
    out.extent.begin = peek().extent.begin;
    if (peek().kind == PsTokenKind::Variable && peek().members.empty() &&
        peek(1).kind == PsTokenKind::Equals) {
      out.assigned_variable = take().value;
      const PsToken& equals = take();
      skip_newlines();
      if (ends_statement(peek().kind)) {
        fail("You must provide a value expression on the right-hand side of the '=' operator.",
             "ExpectedValueExpression", equals.extent);
      }
    }
    out.pipeline = pipeline();
    out.extent.end = last_end_;
    return out;
  }

  std::vector<PsPipelineElement> pipeline() {
    std::vector<PsPipelineElement> out;
    PsPipelineElement first;
    if (peek().kind == PsTokenKind::Bareword) {
      first.command = command();
    } else if (starts_primary(peek().kind)) {
      first.expression.push_back(expression());
    } else {
      unexpected(peek());
    }
    out.push_back(std::move(first));
    while (peek().kind == PsTokenKind::Pipe) {
      const PsToken& pipe = take();
      skip_newlines();
      PsPipelineElement element;
      if (peek().kind == PsTokenKind::Bareword) {
        element.command = command();
      } else if (starts_primary(peek().kind)) {
        fail("Expressions are only allowed as the first element of a pipeline.",
             "ExpressionsMustBeFirstInPipeline", peek().extent);
      } else {
        fail("An empty pipe element is not allowed.", "EmptyPipeElement", pipe.extent);
      }
      out.push_back(std::move(element));
    }
    return out;
  }

  PsCommand command() {
    PsCommand out;
    const PsToken& name = take();
    out.name = name.value;
    out.name_extent = name.extent;
    out.extent = name.extent;
    while (!ends_statement(peek().kind) && peek().kind != PsTokenKind::Pipe) {
      if (!peek().space_before) unexpected(peek());
      PsCommandElement element;
      if (peek().kind == PsTokenKind::Parameter) {
        const PsToken& parameter = take();
        element.is_parameter = true;
        element.parameter = parameter.value;
        element.colon = parameter.colon;
        element.extent = parameter.extent;
        if (parameter.colon && !ends_statement(peek().kind) && peek().kind != PsTokenKind::Pipe) {
          element.value.push_back(argument());
        }
      } else {
        element.value.push_back(argument());
        element.extent = element.value.back().extent;
      }
      out.elements.push_back(std::move(element));
      out.extent.end = last_end_;
    }
    return out;
  }

  PsExpression argument() {
    PsExpression first = primary(true);
    if (peek().kind != PsTokenKind::Comma) return first;
    PsExpression list;
    list.kind = PsExpression::Kind::List;
    list.extent.begin = first.extent.begin;
    list.operands.push_back(std::move(first));
    while (peek().kind == PsTokenKind::Comma) {
      const PsToken& comma = take();
      skip_newlines();
      if (!starts_primary(peek().kind) && peek().kind != PsTokenKind::Bareword) {
        fail("Missing argument in parameter list.", "MissingArgument", comma.extent);
      }
      list.operands.push_back(primary(true));
    }
    list.extent.end = last_end_;
    return list;
  }

  PsExpression expression() {
    PsExpression first = comparison();
    if (!is_operator("and")) return first;
    PsExpression all;
    all.kind = PsExpression::Kind::And;
    all.extent.begin = first.extent.begin;
    all.operands.push_back(std::move(first));
    while (is_operator("and")) {
      all.operands.push_back(operand_after(take()));
    }
    all.extent.end = last_end_;
    return all;
  }

  PsExpression comparison() {
    PsExpression left = unary();
    while (is_operator("eq")) {
      PsExpression compared;
      compared.kind = PsExpression::Kind::Comparison;
      compared.text = "eq";
      compared.extent.begin = left.extent.begin;
      const PsToken& op = take();
      compared.operands.push_back(std::move(left));
      skip_newlines();
      if (!starts_primary(peek().kind)) value_expected(op);
      compared.operands.push_back(unary());
      compared.extent.end = last_end_;
      left = std::move(compared);
    }
    return left;
  }

  PsExpression operand_after(const PsToken& op) {
    skip_newlines();
    if (!starts_primary(peek().kind)) value_expected(op);
    return comparison();
  }

  [[noreturn]] void value_expected(const PsToken& op) const {
    fail("You must provide a value expression following the '" + token_text(source_, op) +
             "' operator.",
         "ExpectedValueExpression", op.extent);
  }

  bool is_operator(std::string_view name) const {
    return peek().kind == PsTokenKind::Parameter && !peek().colon && iequals(peek().value, name);
  }

  PsExpression unary() {
    if (peek().kind != PsTokenKind::TypeLiteral) return primary(false);
    const PsToken& type = take();
    if (!starts_primary(peek().kind)) unexpected(type);
    PsExpression cast;
    cast.kind = PsExpression::Kind::Cast;
    cast.text = type.value;
    cast.extent.begin = type.extent.begin;
    cast.operands.push_back(unary());
    cast.extent.end = last_end_;
    return cast;
  }

  // A value. In a command's arguments (`in_command`) a bareword is a string.
  PsExpression primary(bool in_command) {
    const PsToken& token = peek();
    // Bounded nesting: a hostile script must not exhaust the lab's stack.
    if (depth_ >= kMaxDepth) {
      fail("The script is nested too deeply.", "ScriptTooComplicated", token.extent);
    }
    ++depth_;
    struct Leave {
      size_t& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    PsExpression out;
    out.extent = token.extent;
    switch (token.kind) {
      case PsTokenKind::Bareword:
        if (!in_command) unexpected(token);
        [[fallthrough]];
      case PsTokenKind::String:
        out.kind = PsExpression::Kind::String;
        out.text = take().value;
        break;
      case PsTokenKind::Number:
        out.kind = PsExpression::Kind::Number;
        out.text = take().value;
        break;
      case PsTokenKind::Variable:
        out.kind = PsExpression::Kind::Variable;
        out.text = token.value;
        out.members = take().members;
        break;
      case PsTokenKind::AtParen:
      case PsTokenKind::DollarParen:
        out.kind = token.kind == PsTokenKind::AtParen ? PsExpression::Kind::ArrayExpression
                                                      : PsExpression::Kind::SubExpression;
        take();
        out.statements = statements(PsTokenKind::RParen);
        if (peek().kind != PsTokenKind::RParen) {
          fail("Missing closing ')' in subexpression.", "MissingEndParenthesisInSubexpression",
               token.extent);
        }
        take();
        break;
      case PsTokenKind::LParen: {
        out.kind = PsExpression::Kind::Parenthesized;
        take();
        skip_newlines();
        if (peek().kind == PsTokenKind::RParen) {
          fail("An expression was expected after '('.", "ExpectedExpression", token.extent);
        }
        out.statements.push_back(statement());
        skip_newlines();
        if (peek().kind != PsTokenKind::RParen) {
          if (peek().kind != PsTokenKind::EndOfInput) unexpected(peek());
          fail("Missing closing ')' in expression.", "MissingEndParenthesisInExpression",
               token.extent);
        }
        take();
        break;
      }
      case PsTokenKind::LBrace:
        out.kind = PsExpression::Kind::ScriptBlock;
        take();
        out.statements = statements(PsTokenKind::RBrace);
        if (peek().kind != PsTokenKind::RBrace) {
          fail("Missing closing '}' in statement block or type definition.", "MissingEndCurlyBrace",
               token.extent);
        }
        take();
        break;
      case PsTokenKind::AtBrace:
        hashtable(out);
        break;
      default:
        unexpected(token);
    }
    if (out.kind == PsExpression::Kind::Parenthesized ||
        out.kind == PsExpression::Kind::SubExpression ||
        out.kind == PsExpression::Kind::ArrayExpression) {
      while (peek().kind == PsTokenKind::Member) out.members.push_back(take().value);
    }
    out.extent.end = last_end_;
    return out;
  }

  void hashtable(PsExpression& out) {
    const PsToken& open = take();
    out.kind = PsExpression::Kind::Hashtable;
    while (true) {
      while (peek().kind == PsTokenKind::NewLine || peek().kind == PsTokenKind::Semicolon) take();
      if (peek().kind == PsTokenKind::RBrace) {
        take();
        return;
      }
      if (peek().kind == PsTokenKind::EndOfInput) {
        fail("Missing closing '}' in hash literal.", "MissingEndCurlyBrace", open.extent);
      }
      const PsToken& key = peek();
      if (key.kind != PsTokenKind::Bareword && key.kind != PsTokenKind::String &&
          key.kind != PsTokenKind::Number) {
        unexpected(key);
      }
      take();
      if (peek().kind != PsTokenKind::Equals) {
        fail("Missing '=' operator after key in hash literal.", "MissingEqualsInHashLiteral",
             key.extent);
      }
      const PsToken& equals = take();
      skip_newlines();
      if (ends_statement(peek().kind)) {
        fail("Missing statement after '=' in hash literal.", "MissingStatementInHashLiteral",
             equals.extent);
      }
      PsStatement value = statement();
      out.keys.push_back(key.value);
      if (value.pipeline.size() == 1 && !value.pipeline[0].command) {
        out.operands.push_back(std::move(value.pipeline[0].expression[0]));
      } else {
        PsExpression wrapped;
        wrapped.kind = PsExpression::Kind::Parenthesized;
        wrapped.extent = value.extent;
        wrapped.statements.push_back(std::move(value));
        out.operands.push_back(std::move(wrapped));
      }
      PsTokenKind after = peek().kind;
      if (after != PsTokenKind::Semicolon && after != PsTokenKind::NewLine &&
          after != PsTokenKind::RBrace) {
        if (after == PsTokenKind::EndOfInput) {
          fail("Missing closing '}' in hash literal.", "MissingEndCurlyBrace", open.extent);
        }
        unexpected(peek());
      }
    }
  }

  std::string_view source_;
  const std::vector<PsToken>& tokens_;
  size_t index_ = 0;
  size_t last_end_ = 0;
  size_t depth_ = 0;
  static constexpr size_t kMaxDepth = 100;
};

}  // namespace

PsParsed parse_powershell(std::string_view source) {
  PsParsed out;
  try {
    PsLexed lexed = lex_powershell(source);
    if (lexed.error) {
      out.error = std::move(lexed.error);
      return out;
    }
    out.script = Parser(source, lexed.tokens).script();
  } catch (const ParseFailure& failure) {
    out.error = failure.record;
  } catch (const std::exception& e) {  // bad_alloc and the like: still an answer, not a crash
    out.error = make_parser_error(e.what(), "InternalParserError", {0, 0});
  }
  return out;
}

}  // namespace sd::lab
