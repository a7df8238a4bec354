// Variables: what differs between environments and is not secret (host names, URLs), so that
// dev and prod are one spec. The spec declares them under `variables:` (a default, or null when
// every run must give a value); any string of the spec may use them as `${var:NAME}`; a run
// gives values with `--var NAME=VALUE` and `--var-file FILE`. Pure: the CLI reads the files.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace sd {

struct Document;

// Values given for one run, by name. Later assignments win: a --var after a --var-file.
using VariableValues = std::map<std::string, std::string, std::less<>>;

// The values given, and which names a --var gave: a --var for a variable the spec does not
// declare is a mistake; a variable file may serve several specs, each taking its own.
struct GivenVariables {
  VariableValues values;
  std::vector<std::string> on_command_line;
};

// What the command line said: `NAME=VALUE` assignments and variable files (YAML mappings of
// names to strings), in the order given.
struct VariableInput {
  struct File {
    std::string path;
    std::string text;
  };
  std::vector<File> files;
  std::vector<std::string> assignments;
};

// The values of `input`: files first, then the assignments. Errors name the file:line:col or
// the assignment (`--var "x": expected NAME=VALUE`).
[[nodiscard]] Result<GivenVariables> read_variable_input(const VariableInput& input);

// Replaces every `${var:NAME}` in the strings of `doc` (except under `variables:`) with its
// value: given in `values`, else the declared default. Errors at the string's file:line:col: a
// reference to an undeclared variable, a variable without a value, a malformed reference, a
// variable in a secret reference (`${env:${var:X}}`, or a value that is one: secrets stay
// visible in the spec); and a --var for a variable the spec does not declare. The names and values
// used are added to `used` (they are part of the spec's digest: a plan made with other values is
// another plan).
[[nodiscard]] std::vector<Error> substitute_variables(Document& doc, const GivenVariables& given,
                                                      VariableValues& used);

}  // namespace sd
