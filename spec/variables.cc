#include "spec/variables.h"

#include <set>

#include "base/text_checks.h"
#include "spec/document.h"

namespace sd {
namespace {

using nlohmann::json;

constexpr std::string_view kOpen = "${var:";

bool is_variable_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

using Declared = std::map<std::string, const json*, std::less<>>;

// The declared variables: name -> default (nullptr: none). A declaration that is not a name
// with a string or null is an error at it: the references cannot be judged without it.
Declared declared_in(const Document& doc, std::vector<Error>& errors) {
  Declared declared;
  const json& root = doc.root;
  auto it = root.is_object() ? root.find("variables") : root.end();
  if (!root.is_object() || it == root.end()) return declared;
  if (!it->is_object()) {
    errors.push_back(make_error("variables: expected a mapping of names to their defaults",
                                doc.locate("/variables"), "variables"));
    return declared;
  }
  for (const auto& [name, value] : it->items()) {
    const std::string pointer = pointer_append("/variables", name);
    if (!is_variable_name(name))
      errors.push_back(make_error("variable name " + quoted(name, 80) +
                                      ": use letters, digits and _, not starting with a digit, "
                                      "at most 64 characters",
                                  doc.locate_key(pointer), human_path(pointer)));
    else if (!value.is_string() && !value.is_null())
      errors.push_back(
          make_error("a variable's default is a string, or null when every run "
                     "must give a value",
                     doc.locate(pointer), human_path(pointer)));
    else
      declared.emplace(name, value.is_string() ? &value : nullptr);
  }
  return declared;
}

class Substitution {
 public:
  Substitution(const Document& doc, const VariableValues& values, const Declared& declared,
               VariableValues& used)
      : doc_(doc), values_(values), declared_(declared), used_(used) {}

  void walk(json& node, const std::string& pointer) {
    if (node.is_string()) {
      std::string& text = node.get_ref<std::string&>();
      if (text.find(kOpen) != std::string::npos) text = substituted(text, pointer);
    } else if (node.is_object()) {
      for (auto& [key, child] : node.items()) {
        if (pointer.empty() && key == "variables") continue;  // declarations, not uses
        walk(child, pointer_append(pointer, key));
      }
    } else if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) walk(node[i], pointer_append(pointer, i));
    }
  }

  std::vector<Error> take_errors() { return std::move(errors_); }

 private:
  std::string substituted(std::string_view text, const std::string& pointer) {
    // A secret reference names its secret in the spec itself, where a reviewer sees it.
    if (names_secret(text)) {
      fail(pointer,
           "a secret reference cannot use a variable: write ${env:NAME} or ${file:PATH} as it is");
      return std::string(text);
    }
    std::string out;
    size_t at = 0;
    while (true) {
      size_t open = text.find(kOpen, at);
      if (open == std::string_view::npos) break;
      out.append(text.substr(at, open - at));
      size_t close = text.find('}', open + kOpen.size());
      std::string_view name = close == std::string_view::npos
                                  ? std::string_view()
                                  : text.substr(open + kOpen.size(), close - open - kOpen.size());
      if (close == std::string_view::npos || !is_variable_name(name)) {
        fail(pointer, "malformed variable reference in " + quoted(text, 80) +
                          ": expected ${var:NAME}, NAME of letters, digits and _");
        return std::string(text);
      }
      out.append(value_of(name, pointer));
      at = close + 1;
    }
    out.append(text.substr(at));
    if (names_secret(out)) {
      fail(pointer, "a variable's value cannot make a secret reference (" + quoted(out, 80) +
                        "): write it in the spec");
      return std::string(text);
    }
    return out;
  }

  static bool names_secret(std::string_view text) {
    return text.find("${env:") != std::string_view::npos ||
           text.find("${file:") != std::string_view::npos;
  }

  std::string value_of(std::string_view name, const std::string& pointer) {
    auto declared = declared_.find(name);
    if (declared == declared_.end()) {
      fail(pointer, "variable ${var:" + std::string(name) +
                        "} is not declared: name it under variables: (with a default, or null)");
      return {};
    }
    std::string value;
    if (auto given = values_.find(name); given != values_.end()) {
      value = given->second;
    } else if (declared->second) {
      value = declared->second->get<std::string>();
    } else {
      fail(pointer, "variable ${var:" + std::string(name) +
                        "} has no value and no default: give --var " + std::string(name) +
                        "=VALUE or a --var-file");
      return {};
    }
    used_.insert_or_assign(std::string(name), value);
    return value;
  }

  void fail(const std::string& pointer, std::string message) {
    errors_.push_back(make_error(std::move(message), doc_.locate(pointer), human_path(pointer)));
  }

  const Document& doc_;
  const VariableValues& values_;
  const Declared& declared_;
  VariableValues& used_;
  std::vector<Error> errors_;
};

// One `NAME=VALUE` of --var.
Status assign(std::string_view assignment, GivenVariables& given) {
  size_t equals = assignment.find('=');
  std::string_view name = assignment.substr(0, equals);
  if (equals == std::string_view::npos || !is_variable_name(name))
    return make_error("--var " + quoted(assignment, 80) +
                      ": expected NAME=VALUE, NAME of letters, digits and _");
  given.values.insert_or_assign(std::string(name), std::string(assignment.substr(equals + 1)));
  given.on_command_line.emplace_back(name);
  return ok_status();
}

// A --var-file: a YAML mapping of names to strings.
Status read_file(const VariableInput::File& file, VariableValues& values) {
  Result<Document> doc = parse_yaml(file.path, file.text);
  if (!doc.ok()) return doc.take_errors();
  if (!doc->root.is_object())
    return make_error("a variable file is a mapping of names to strings (NAME: value)",
                      doc->locate(""));
  std::vector<Error> errors;
  for (const auto& [name, value] : doc->root.items()) {
    std::string pointer = pointer_append("", name);
    if (!is_variable_name(name))
      errors.push_back(make_error(
          "variable name " + quoted(name, 80) + ": expected letters, digits and _ (not first)",
          doc->locate_key(pointer)));
    else if (!value.is_string())
      errors.push_back(make_error("the value of " + name + " must be a string (quote it)",
                                  doc->locate(pointer)));
    else
      values.insert_or_assign(name, value.get<std::string>());
  }
  if (!errors.empty()) {
    sort_and_dedupe(errors);  // in the file's order, not the names'
    return errors;
  }
  return ok_status();
}

}  // namespace

Result<GivenVariables> read_variable_input(const VariableInput& input) {
  GivenVariables given;
  std::vector<Error> errors;
  for (const VariableInput::File& file : input.files)
    if (Status read = read_file(file, given.values); !read.ok())
      for (const Error& e : read.errors()) errors.push_back(e);
  for (const std::string& assignment : input.assignments)
    if (Status assigned = assign(assignment, given); !assigned.ok())
      for (const Error& e : assigned.errors()) errors.push_back(e);
  if (!errors.empty()) return errors;
  return given;
}

std::vector<Error> substitute_variables(Document& doc, const GivenVariables& given,
                                        VariableValues& used) {
  std::vector<Error> declarations;
  const Declared declared = declared_in(doc, declarations);
  if (!declarations.empty()) return declarations;
  Substitution substitution(doc, given.values, declared, used);
  substitution.walk(doc.root, "");
  std::vector<Error> errors = substitution.take_errors();
  for (const std::string& name : given.on_command_line)
    if (!declared.contains(name))
      errors.push_back(make_error(
          "--var " + name + ": the spec declares no variable " + name + " (under variables:)",
          Location{doc.file, 0, 0}));
  return errors;
}

}  // namespace sd
