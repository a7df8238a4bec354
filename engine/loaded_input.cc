#include "engine/loaded_input.h"

namespace sd::engine {

Result<LoadedInput> load_input(World& world, const std::string& spec_path, bool read_secrets,
                               SecretValues* secrets) {
  Result<LoadedSpec> loaded = load_spec(spec_path, world.files());
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
  return load_spec(spec_path, world.files());
}

}  // namespace sd::engine
