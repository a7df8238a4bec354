// `force-unlock`: removes the apply lock of a dead holder, named by its ID so that a typo
// cannot break a live one.
#pragma once

#include <string>
#include <vector>

#include "engine/world.h"

namespace sd::engine {

struct UnlockRequest {
  std::string spec;
  std::string lock_id;
  std::string journal;  // default: beside the store
};

struct UnlockOutcome {
  enum class Ending {
    Unlocked,
    NotLocked,  // there is no journal at `journal`
    Failed,     // `errors`
  } ending = Ending::Failed;
  std::vector<Error> errors;
  std::string deployment;
  std::string journal;
};

[[nodiscard]] UnlockOutcome unlock_deployment(World& world, const UnlockRequest& request);

}  // namespace sd::engine
