// A plan read back from a file (`syncdeploy plan -out FILE`, then `apply FILE`): only what
// apply needs to check the plan against the live systems (design decision 5). The rest of the
// JSON plan is for people and tools and is not read back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "plan/plan.h"

namespace sd {

// The JSON plan format written by `plan --json`/`-out` and the only one apply reads
// (docs/plan-format.md).
inline constexpr std::string_view kPlanFormatVersion = "1.3";

struct SavedAction {
  uint32_t index;
  std::string address;
  ActionKind kind;
  std::string observed_fingerprint;  // observed_fingerprint(): "absent", "unknown" or sha256:…
  std::string fingerprint;           // action_fingerprint()
  bool cannot_sync = false;          // "cannotSync": blocked because the user cannot sync
  bool filled_at_apply = false;      // "folderIdAtApply": its folder id is asked during apply
};

struct SavedPlan {
  std::string format;   // "1.3"
  std::string plan_id;  // plan_id(); checked against the fingerprints when read
  std::string deployment;
  std::string spec_file;
  std::string spec_digest;
  std::vector<std::string> only;
  std::vector<SavedAction> actions;
  // "applyable": false when the plan said it cannot be applied (a failed precondition, an
  // object it could not read, a blocked action, made --without-secrets): apply refuses it.
  bool applyable = true;
};

// Reads a JSON plan of format 1.3 (docs/plan-format.md). Errors name `file` and the JSON path
// ("actions[3].action: ..."); any input, however broken, gives errors and never a crash.
[[nodiscard]] Result<SavedPlan> parse_saved_plan(const std::string& file, std::string_view text);

// A cheap look, not a parse: true when `text` starts (after white space) as a JSON object and
// has a "format_version" key near the start. Tells a plan file from a YAML spec on the command
// line; parse_saved_plan() decides whether it is a good one.
[[nodiscard]] bool looks_like_saved_plan(std::string_view text);

// What apply keeps of a plan it showed and was told to go ahead with: the same as reading
// back its JSON form, without the round trip.
[[nodiscard]] SavedPlan saved_plan_of(const Plan& plan);

}  // namespace sd
