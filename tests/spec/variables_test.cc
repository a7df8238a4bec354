#include "spec/variables.h"

#include <catch2/catch.hpp>

#include "base/disk_files.h"
#include "base/source_files.h"
#include "spec/load_spec.h"

using namespace sd;

namespace {

// examples/multi-environment.yaml: dev's values are its defaults; crm_host is made required.
std::string spec_text() {
  Result<std::string> text = DiskFiles().read("examples/multi-environment.yaml");
  REQUIRE(text.ok());
  std::string spec = *text;
  const std::string dev_crm = "  crm_host: crm.example.local\n";
  REQUIRE(spec.find(dev_crm) != std::string::npos);
  spec.replace(spec.find(dev_crm), dev_crm.size(), "  crm_host: null\n");
  return spec;
}

// `values` as --var gave them.
Result<LoadedSpec> load(const std::string& spec, const VariableValues& values) {
  MemoryFiles files;
  files.files["spec.yaml"] = spec;
  GivenVariables given{values, {}};
  for (const auto& [name, value] : values) given.on_command_line.push_back(name);
  return load_spec("spec.yaml", files, given);
}

std::string errors_of(const Result<LoadedSpec>& loaded) {
  std::string out;
  if (loaded.ok()) return out;
  for (const Error& e : loaded.errors()) out += e.format() + "\n";
  return out;
}

}  // namespace

TEST_CASE("variables: defaults, given values, and the digest that says which", "[variables]") {
  Result<LoadedSpec> dev = load(spec_text(), {{"crm_host", "crm.dev.example.local"}});
  INFO(errors_of(dev));
  REQUIRE(dev.ok());
  CHECK(dev->spec.exchange.servers.at(0).host == "exch01.example.local");
  CHECK(dev->spec.deployment == "dev-sync");
  CHECK(dev->spec.nexj.url == "https://crm.dev.example.local/nexj");

  Result<LoadedSpec> prod = load(spec_text(), {{"crm_host", "crm.example.com"},
                                               {"exchange_host", "exch01.prod.example.local"}});
  REQUIRE(prod.ok());
  CHECK(prod->spec.exchange.servers.at(0).host == "exch01.prod.example.local");
  CHECK(prod->spec.nexj.url == "https://crm.example.com/nexj");
  // The same file with other values is another spec: a plan made for one is not applied to
  // the other.
  CHECK(prod->digest != dev->digest);
  CHECK(load(spec_text(), {{"crm_host", "crm.dev.example.local"}})->digest == dev->digest);
}

TEST_CASE("variables: every wrong reference is named at its place", "[variables]") {
  std::string spec = spec_text();
  spec.replace(spec.find("${var:exchange_host}"), 20, "${var:exchange_hots}");
  CHECK(errors_of(load(spec, {{"colour", "x"}})) ==
        "spec.yaml: error: --var colour: the spec declares no variable colour (under "
        "variables:)\n"
        "spec.yaml:22:10: error: variable ${var:exchange_hots} is not declared: name it under "
        "variables: (with a default, or null) (exchange.management.url)\n"
        "spec.yaml:41:8: error: variable ${var:crm_host} has no value and no default: give --var "
        "crm_host=VALUE or a --var-file (nexj.url)\n");

  std::string malformed = spec_text();
  malformed.replace(malformed.find("${var:exchange_host}"), 20, "${var:exchange host}");
  CHECK(errors_of(load(malformed, {{"crm_host", "c"}})) ==
        "spec.yaml:22:10: error: malformed variable reference in "
        "\"http://${var:exchange host}/PowerShell/\": expected ${var:NAME}, NAME of letters, "
        "digits and _ (exchange.management.url)\n");

  // A value that makes a bad host is the schema's to name, at the reference.
  Result<LoadedSpec> bad_host = load(spec_text(), {{"crm_host", "crm host"}});
  REQUIRE_FALSE(bad_host.ok());
  CHECK(bad_host.errors().front().where.line == 41);
}

TEST_CASE("variables: a malformed declaration is named, and nothing is substituted",
          "[variables]") {
  std::string spec = spec_text();
  spec.replace(spec.find("  crm_host: null"), 16, "  crm_host: [1]");
  Result<LoadedSpec> loaded = load(spec, {});
  REQUIRE_FALSE(loaded.ok());
  CHECK(errors_of(loaded) ==
        "spec.yaml:16:13: error: a variable's default is a string, or null when every run must "
        "give a value (variables.crm_host)\n");
  spec.replace(spec.find("  environment: dev"), 17, "  9environment: dev");
  CHECK(errors_of(load(spec, {})) ==
        "spec.yaml:14:3: error: variable name \"9environment\": use letters, digits and _, not "
        "starting with a digit, at most 64 characters (variables.9environment)\n"
        "spec.yaml:16:13: error: a variable's default is a string, or null when every run must "
        "give a value (variables.crm_host)\n");
}

TEST_CASE("variable values: files first, then --var, and errors that say where", "[variables]") {
  VariableInput input;
  input.files.push_back({"dev.yaml", "crm_host: crm.dev\nexchange_host: exch.dev\n"});
  input.assignments = {"crm_host=crm.override", "empty="};
  Result<GivenVariables> values = read_variable_input(input);
  REQUIRE(values.ok());
  CHECK(values->on_command_line == std::vector<std::string>{"crm_host", "empty"});
  CHECK(values->values ==
        VariableValues{{"crm_host", "crm.override"}, {"empty", ""}, {"exchange_host", "exch.dev"}});

  input.files = {{"bad.yaml", "crm_host: 3\n9lives: x\n"}};
  input.assignments = {"no-equals", "=x"};
  Result<GivenVariables> wrong = read_variable_input(input);
  REQUIRE_FALSE(wrong.ok());
  std::string said;
  for (const Error& e : wrong.errors()) said += e.format() + "\n";
  CHECK(said ==
        "bad.yaml:1:11: error: the value of crm_host must be a string (quote it)\n"
        "bad.yaml:2:1: error: variable name \"9lives\": expected letters, digits and _ (not "
        "first)\n"
        "error: --var \"no-equals\": expected NAME=VALUE, NAME of letters, digits and _\n"
        "error: --var \"=x\": expected NAME=VALUE, NAME of letters, digits and _\n");
}

TEST_CASE("variables: a file may name variables the spec does not have, --var may not",
          "[variables]") {
  MemoryFiles files;
  files.files["spec.yaml"] = spec_text();
  GivenVariables from_file{{{"crm_host", "crm.test"}, {"other_spec_only", "x"}}, {}};
  CHECK(load_spec("spec.yaml", files, from_file).ok());
  from_file.on_command_line = {"other_spec_only"};
  Result<LoadedSpec> loaded = load_spec("spec.yaml", files, from_file);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.errors().front().message ==
        "--var other_spec_only: the spec declares no variable other_spec_only (under variables:)");
}

TEST_CASE("variables: secrets stay written in the spec", "[variables]") {
  std::string spec = spec_text();
  const std::string password = "password: ${env:EXCH_ADMIN_PASSWORD}";
  REQUIRE(spec.find(password) != std::string::npos);
  spec.replace(spec.find(password), password.size(), "password: ${env:${var:pw}}");
  CHECK(errors_of(load(spec, {{"crm_host", "c"}})) ==
        "spec.yaml:25:15: error: a secret reference cannot use a variable: write ${env:NAME} or "
        "${file:PATH} as it is (exchange.management.password)\n");
  spec.replace(spec.find("${env:${var:pw}}"), 16, "${var:pw}");
  spec.replace(spec.find("  crm_host: null"), 16, "  crm_host: null\n  pw: null");
  CHECK(errors_of(load(spec, {{"crm_host", "c"}, {"pw", "${env:OTHER}"}})) ==
        "spec.yaml:26:15: error: a variable's value cannot make a secret reference "
        "(\"${env:OTHER}\"): write it in the spec (exchange.management.password)\n");
}
