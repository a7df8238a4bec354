// A spec loaded and validated, with its secrets read: what every command that plans starts
// from.
#pragma once

#include <string>

#include "engine/world.h"
#include "spec/load_spec.h"
#include "spec/secrets.h"

namespace sd::engine {

struct LoadedInput {
  std::string spec_path;
  LoadedSpec loaded;
  SecretFingerprints fingerprints;
};

// Loads and validates the spec; reads its secrets when `read_secrets` is set (their values
// kept in `secrets` when given).
[[nodiscard]] Result<LoadedInput> load_input(World& world, const std::string& spec_path,
                                             bool read_secrets, SecretValues* secrets);

// Only loads and validates (`validate`: offline, no secret is read).
[[nodiscard]] Result<LoadedSpec> validate_spec(World& world, const std::string& spec_path);

}  // namespace sd::engine
