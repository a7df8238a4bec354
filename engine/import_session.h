// `syncdeploy import`: a spec (and a users CSV) from what the live systems hold, so that a site
// set up by hand comes under management without writing its spec by hand. Reads only: nothing
// live is changed. The written spec is validated before it is returned.
#pragma once

#include <string>
#include <vector>

#include "engine/world.h"
#include "render/import_spec.h"

namespace sd::engine {

struct ImportRequest {
  // The spec to start from: where Exchange management, the environment file and the store are,
  // how to sign in, which secrets. What it says of the rest is replaced by what is live.
  std::string spec;
  std::string out_dir;            // where the written spec will be (its relative paths follow)
  std::string out_name;           // the written spec's file name
  std::string observed;           // an observed-state file instead of the live systems
  std::vector<std::string> only;  // the types imported (--only); the rest is the start's own
  std::string service_account;    // the account to start from instead of the spec's
};

struct ImportOutcome {
  enum class Ending {
    Written,  // `imported`, complete
    Partial,  // `imported`, with what it could not say in `imported.left_out`
    Failed,   // `errors`
  } ending = Ending::Failed;
  std::vector<Error> errors;
  ImportedSpec imported;
};

[[nodiscard]] ImportOutcome import_deployment(World& world, const ImportRequest& request);

}  // namespace sd::engine
