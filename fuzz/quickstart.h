// The quickstart's desired state (examples/quickstart.yaml, secrets unresolved), loaded once:
// what the observed-state and saved-plan targets plan against.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "base/disk_files.h"
#include "plan/desired_state.h"
#include "spec/load_spec.h"

namespace sd::fuzz {

inline const DesiredState& quickstart_desired() {
  static const DesiredState desired = [] {
    Result<LoadedSpec> loaded =
        load_spec(SYNCDEPLOY_SOURCE_DIR "/examples/quickstart.yaml", DiskFiles());
    if (!loaded.ok()) {
      std::fputs(format_all(loaded.errors()).c_str(), stderr);
      std::abort();
    }
    return build_desired_state(loaded->spec, {});
  }();
  return desired;
}

}  // namespace sd::fuzz
