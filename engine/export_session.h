// `export --powershell`: the Exchange part of the plan (steps 1 and 2) as a commented script, for
// sites that forbid remote execution. The same renderer as apply's live path
// (exchange/exchange_scripts.h), so the reviewed script is what apply would have run.
#pragma once

#include <string>
#include <vector>

#include "engine/world.h"

namespace sd::engine {

struct ExportRequest {
  std::string spec;
  std::string observed;  // an observed-state file; empty: read Exchange management live
};

struct ExportOutcome {
  enum class Ending {
    Script,          // `script`
    Failed,          // `errors`
    ExchangeOnline,  // nothing to export: Exchange Online has no such cmdlets
  } ending = Ending::Failed;
  std::vector<Error> errors;
  std::string script;
};

[[nodiscard]] ExportOutcome export_exchange_script(World& world, const ExportRequest& request);

}  // namespace sd::engine
