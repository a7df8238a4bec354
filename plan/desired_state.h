// Spec -> desired resources with their dependencies (step order is in the resource types).
#pragma once

#include "plan/resource.h"
#include "spec/secrets.h"
#include "spec/spec.h"

namespace sd {

// `spec` must have passed check_semantics(). Secret fields carry their reference and the
// fingerprint from `fingerprints` ("" when not resolved, e.g. for `graph`).
[[nodiscard]] DesiredState build_desired_state(const Spec& spec,
                                               const SecretFingerprints& fingerprints);

}  // namespace sd
