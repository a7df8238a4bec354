#include "engine/loaded_input.h"

namespace sd::engine {

namespace {

// The values of the spec's variables: the --var-file files read, then the --var assignments.
Result<GivenVariables> variable_values(const World& world) {
  const VariableArguments& given = world.variables();
  VariableInput input;
  for (const std::string& path : given.files) {
    Result<std::string> text = world.files().read(path);
    if (!text.ok()) return text.take_errors();
    input.files.push_back({path, std::move(text).value()});
  }
  input.assignments = given.assignments;
  return read_variable_input(input);
}

Result<LoadedSpec> load_with_variables(const World& world, const std::string& spec_path) {
  Result<GivenVariables> values = variable_values(world);
  if (!values.ok()) return values.take_errors();
  return load_spec(spec_path, world.files(), *values);
}

}  // namespace

Result<LoadedInput> load_input(World& world, const std::string& spec_path, bool read_secrets,
                               SecretValues* secrets) {
  Result<LoadedSpec> loaded = load_with_variables(world, spec_path);
  if (!loaded.ok()) return loaded.take_errors();
  LoadedInput input{spec_path, std::move(loaded).value(), {}};
  if (read_secrets) {
    std::unique_ptr<SecretSource> source = world.secrets_for(spec_path);
    Result<SecretFingerprints> resolved =
        resolve_secrets(input.loaded.spec, *input.loaded.doc, *source, secrets);
    if (!resolved.ok()) return resolved.take_errors();
    input.fingerprints = std::move(resolved).value();
  }
  return input;
}

Result<LoadedSpec> validate_spec(World& world, const std::string& spec_path) {
  return load_with_variables(world, spec_path);
}

}  // namespace sd::engine
