// A JSON plan read back whole (`syncdeploy show PLANFILE`): everything the renderers show, so
// that a plan saved with `plan -out` renders again as text, Markdown or JSON without its spec,
// a secret or a live system. What apply reads of the same file is plan/saved_plan.h.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "plan/plan.h"

namespace sd {

// Reads a JSON plan of format 1.3 (docs/plan-format.md) into the Plan the renderers take. It is
// checked as apply checks it first (parse_saved_plan(): the format, the planId against the
// fingerprints), then each action's fingerprint against its kind, address and changes, and the
// summary against the actions: what renders is what was reviewed, and render_json() of the
// result gives back the file's bytes. The plan has no desired state; the object of each action
// is known by the fingerprint the file gives (ObservedResource::fingerprint) and the values its
// changes had before. Errors name `file` and the JSON path ("actions[3].changes[0].field: ...");
// any input, however broken, gives errors and never a crash, in memory bounded by the file's
// size (the actions are read one at a time).
[[nodiscard]] Result<Plan> read_plan_json(const std::string& file, std::string_view text);

}  // namespace sd
