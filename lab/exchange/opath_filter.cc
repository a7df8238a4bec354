#include "lab/exchange/opath_filter.h"

#include <fmt/format.h>

#include <optional>

#include "base/text_checks.h"

namespace sd::lab {

struct OpathFilter::Node {
  enum class Kind { And, Or, Not, Compare };
  enum class Op { Eq, Ne, Like, NotLike };
  Kind kind = Kind::Compare;
  std::shared_ptr<const Node> left, right;  // Not: left only
  std::string property;                     // canonical spelling
  Op op = Op::Eq;
  std::optional<std::string> value;  // nullopt: $null
};

namespace {

using Node = OpathFilter::Node;

// Deeper nesting than this is refused rather than risking the stack.
constexpr int kMaxFilterDepth = 64;

constexpr std::string_view kFixedProperties[] = {"Name",
                                                 "Alias",
                                                 "UserPrincipalName",
                                                 "PrimarySmtpAddress",
                                                 "SamAccountName",
                                                 "RecipientTypeDetails",
                                                 "DistinguishedName",
                                                 "Database",
                                                 "MemberOfGroup"};

std::vector<std::string> make_attributes() {
  std::vector<std::string> out = {"City",
                                  "Company",
                                  "Department",
                                  "Office",
                                  "Title",
                                  "StateOrProvince",
                                  "CountryOrRegion",
                                  "PostalCode",
                                  "StreetAddress",
                                  "Phone",
                                  "Manager",
                                  "DisplayName",
                                  "FirstName",
                                  "LastName",
                                  "Notes"};
  for (int i = 1; i <= 15; ++i) out.push_back("CustomAttribute" + std::to_string(i));
  return out;
}

struct Token {
  enum class Kind { End, Word, Operator, Value, Null, Open, Close };
  Kind kind = Kind::End;
  std::string text;     // Word: the name; Operator: lower case without '-'; Value: the value
  size_t position = 0;  // 1-based
};

class OpathParser {
 public:
  explicit OpathParser(std::string_view text) : text_(text) {}

  Result<std::shared_ptr<const Node>> parse() {
    if (Status s = advance(); !s.ok()) return s.take_errors();
    if (token_.kind == Token::Kind::End) return std::shared_ptr<const Node>{};
    Result<std::shared_ptr<const Node>> root = parse_or(0);
    if (!root.ok()) return root;
    if (token_.kind != Token::Kind::End) return syntax_error(token_.position);
    return root;
  }

 private:
  Error syntax_error(size_t position) const {
    return make_error(
        fmt::format("Invalid filter syntax. For a description of the filter "
                    "parameter syntax see the command help. \"{}\" at position {}.",
                    text_, position));
  }

  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
  static bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  }

  // Reads the next token into token_.
  Status advance() {
    while (at_ < text_.size() && is_space(text_[at_])) ++at_;
    token_ = Token{};
    token_.position = at_ + 1;
    if (at_ == text_.size()) return ok_status();
    char c = text_[at_];
    if (c == '(' || c == ')') {
      token_.kind = c == '(' ? Token::Kind::Open : Token::Kind::Close;
      ++at_;
      return ok_status();
    }
    if (c == '\'' || c == '"') {
      std::string value;
      for (size_t i = at_ + 1; i < text_.size(); ++i) {
        if (text_[i] != c) {
          value.push_back(text_[i]);
        } else if (i + 1 < text_.size() && text_[i + 1] == c) {
          value.push_back(c);  // a doubled quote is one quote
          ++i;
        } else {
          token_.kind = Token::Kind::Value;
          token_.text = std::move(value);
          at_ = i + 1;
          return ok_status();
        }
      }
      return syntax_error(token_.position);  // the quote is never closed
    }
    if (c == '$') {
      size_t end = at_ + 1;
      while (end < text_.size() && is_word_char(text_[end])) ++end;
      std::string word = to_lower_ascii(text_.substr(at_ + 1, end - at_ - 1));
      if (word == "true" || word == "false") {
        token_.kind = Token::Kind::Value;
        token_.text = word == "true" ? "True" : "False";
      } else if (word == "null") {
        token_.kind = Token::Kind::Null;
      } else {
        return syntax_error(token_.position);  // other variables are not expanded
      }
      at_ = end;
      return ok_status();
    }
    if (c == '-') {
      size_t end = at_ + 1;
      while (end < text_.size() && is_word_char(text_[end]) && text_[end] != '-') ++end;
      token_.kind = Token::Kind::Operator;
      token_.text = to_lower_ascii(text_.substr(at_ + 1, end - at_ - 1));
      at_ = end;
      return ok_status();
    }
    if (is_word_char(c)) {
      size_t end = at_;
      while (end < text_.size() && is_word_char(text_[end])) ++end;
      token_.kind = Token::Kind::Word;
      token_.text = std::string(text_.substr(at_, end - at_));
      at_ = end;
      return ok_status();
    }
    return syntax_error(token_.position);
  }

  using NodeResult = Result<std::shared_ptr<const Node>>;

  NodeResult binary(Node::Kind kind, std::shared_ptr<const Node> left,
                    std::shared_ptr<const Node> right) {
    auto node = std::make_shared<Node>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return std::shared_ptr<const Node>(std::move(node));
  }

  NodeResult parse_or(int depth) {
    NodeResult left = parse_and(depth);
    if (!left.ok()) return left;
    std::shared_ptr<const Node> node = *left;
    while (token_.kind == Token::Kind::Operator && token_.text == "or") {
      if (Status s = advance(); !s.ok()) return s.take_errors();
      NodeResult right = parse_and(depth);
      if (!right.ok()) return right;
      node = *binary(Node::Kind::Or, node, *right);
    }
    return node;
  }

  NodeResult parse_and(int depth) {
    NodeResult left = parse_unary(depth);
    if (!left.ok()) return left;
    std::shared_ptr<const Node> node = *left;
    while (token_.kind == Token::Kind::Operator && token_.text == "and") {
      if (Status s = advance(); !s.ok()) return s.take_errors();
      NodeResult right = parse_unary(depth);
      if (!right.ok()) return right;
      node = *binary(Node::Kind::And, node, *right);
    }
    return node;
  }

  NodeResult parse_unary(int depth) {
    if (depth > kMaxFilterDepth) return syntax_error(token_.position);
    if (token_.kind == Token::Kind::Operator && token_.text == "not") {
      if (Status s = advance(); !s.ok()) return s.take_errors();
      NodeResult inner = parse_unary(depth + 1);
      if (!inner.ok()) return inner;
      return binary(Node::Kind::Not, *inner, nullptr);
    }
    if (token_.kind == Token::Kind::Open) {
      if (Status s = advance(); !s.ok()) return s.take_errors();
      NodeResult inner = parse_or(depth + 1);
      if (!inner.ok()) return inner;
      if (token_.kind != Token::Kind::Close) return syntax_error(token_.position);
      if (Status s = advance(); !s.ok()) return s.take_errors();
      return inner;
    }
    return parse_comparison();
  }

  NodeResult parse_comparison() {
    if (token_.kind != Token::Kind::Word) return syntax_error(token_.position);
    auto node = std::make_shared<Node>();
    node->property = canonical_property(token_.text);
    if (node->property.empty())
      return make_error(
          fmt::format("'{}' is not a recognized filterable property. For more information about "
                      "filterable properties, see the command help. \"{}\" at position {}.",
                      token_.text, text_, token_.position));
    if (Status s = advance(); !s.ok()) return s.take_errors();
    if (token_.kind != Token::Kind::Operator) return syntax_error(token_.position);
    const std::string& op = token_.text;
    if (op == "eq") {
      node->op = Node::Op::Eq;
    } else if (op == "ne") {
      node->op = Node::Op::Ne;
    } else if (op == "like") {
      node->op = Node::Op::Like;
    } else if (op == "notlike") {
      node->op = Node::Op::NotLike;
    } else {
      return syntax_error(token_.position);
    }
    if (Status s = advance(); !s.ok()) return s.take_errors();
    if (token_.kind == Token::Kind::Value) {
      node->value = token_.text;
    } else if (token_.kind == Token::Kind::Word && is_number(token_.text)) {
      node->value = token_.text;
    } else if (token_.kind != Token::Kind::Null) {
      return syntax_error(token_.position);
    }
    if (Status s = advance(); !s.ok()) return s.take_errors();
    return std::shared_ptr<const Node>(std::move(node));
  }

  static bool is_number(std::string_view word) {
    return !word.empty() && word.find_first_not_of("0123456789") == std::string_view::npos;
  }

  static std::string canonical_property(std::string_view name) {
    for (std::string_view p : kFixedProperties)
      if (iequals(p, name)) return std::string(p);
    return canonical_attribute(name);
  }

  std::string_view text_;
  size_t at_ = 0;
  Token token_;
};

// The property's value on the recipient; "" when not set.
std::string property_value(const LabRecipient& r, const std::string& property) {
  if (property == "Name") return r.name;
  if (property == "Alias") return r.alias;
  if (property == "UserPrincipalName") return r.upn;
  if (property == "PrimarySmtpAddress") return r.primary_smtp;
  if (property == "SamAccountName") return r.sam_account_name;
  if (property == "RecipientTypeDetails") return r.recipient_type_details;
  if (property == "DistinguishedName") return r.distinguished_name;
  if (property == "Database") return r.database;
  for (const auto& [key, value] : r.attributes)
    if (iequals(key, property)) return value;
  return {};
}

bool compare(const Node& node, const std::string& actual) {
  const std::string wanted = node.value.value_or("");
  switch (node.op) {
    case Node::Op::Eq:
      return iequals(actual, wanted);
    case Node::Op::Ne:
      return !iequals(actual, wanted);
    case Node::Op::Like:
      return like_match(actual, wanted);
    case Node::Op::NotLike:
      return !like_match(actual, wanted);
  }
  return false;
}

bool evaluate(const Node& node, const LabRecipient& r) {
  switch (node.kind) {
    case Node::Kind::And:
      return evaluate(*node.left, r) && evaluate(*node.right, r);
    case Node::Kind::Or:
      return evaluate(*node.left, r) || evaluate(*node.right, r);
    case Node::Kind::Not:
      return !evaluate(*node.left, r);
    case Node::Kind::Compare:
      break;
  }
  if (node.property != "MemberOfGroup") return compare(node, property_value(r, node.property));
  // A multi-valued property: -eq/-like hold when some group matches, -ne/-notlike when none.
  bool positive = node.op == Node::Op::Eq || node.op == Node::Op::Like;
  if (!node.value || node.value->empty()) return r.member_of.empty() == positive;
  Node as_positive = node;
  as_positive.op =
      node.op == Node::Op::Eq || node.op == Node::Op::Ne ? Node::Op::Eq : Node::Op::Like;
  bool any = false;
  for (const std::string& group : r.member_of) any = any || compare(as_positive, group);
  return any == positive;
}

}  // namespace

const std::vector<std::string>& filterable_attributes() {
  static const std::vector<std::string> attributes = make_attributes();
  return attributes;
}

std::string canonical_attribute(std::string_view name) {
  for (const std::string& a : filterable_attributes())
    if (iequals(a, name)) return a;
  return {};
}

bool like_match(std::string_view text, std::string_view pattern) {
  // Greedy glob with one backtrack point: linear enough for filters.
  size_t t = 0, p = 0, star = std::string_view::npos, resume = 0;
  auto same = [](char a, char b) { return to_lower_ascii(a) == to_lower_ascii(b); };
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && same(pattern[p], text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<OpathFilter> OpathFilter::parse(std::string_view text) {
  Result<std::shared_ptr<const Node>> root = OpathParser(text).parse();
  if (!root.ok()) return root.take_errors();
  OpathFilter filter;
  filter.text_ = std::string(text);
  filter.root_ = std::move(*root);
  return filter;
}

bool OpathFilter::matches(const LabRecipient& recipient) const {
  return !root_ || evaluate(*root_, recipient);
}

}  // namespace sd::lab
