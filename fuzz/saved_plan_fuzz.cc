// Saved plans (`apply FILE`, plan/saved_plan.h; `show FILE`, plan/plan_reader.h): JSON plans of
// format 1.3 that may have been edited, truncated or swapped. Any text gives errors naming the
// file and the JSON path, or a plan that apply then matches against a fresh plan of the
// quickstart (plan/saved_plan_match.h) and that show reads whole with the same planId; nothing
// crashes, hangs or grows without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/quickstart.h"
#include "plan/observed_state.h"
#include "plan/plan.h"
#include "plan/plan_identity.h"
#include "plan/plan_reader.h"
#include "plan/saved_plan.h"
#include "plan/saved_plan_match.h"

namespace {

const sd::Plan& quickstart_plan() {
  static const sd::Plan plan =
      sd::make_plan(sd::fuzz::quickstart_desired(), sd::ObservedState{}, {});
  return plan;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)sd::looks_like_saved_plan(text);
  sd::Result<sd::SavedPlan> saved = sd::parse_saved_plan("plan.json", text);
  if (!saved.ok()) {
    for (const sd::Error& error : saved.errors()) (void)error.format();
    return 0;
  }
  // What show reads of the same text is either refused or the plan apply would check.
  sd::Result<sd::Plan> whole = sd::read_plan_json("plan.json", text);
  if (whole.ok() && sd::plan_id(*whole) != saved->plan_id) __builtin_trap();
  auto match = sd::match_saved_plan(*saved, quickstart_plan());
  if (!match.ok())
    for (const sd::Error& error : match.errors()) (void)error.format();
  return 0;
}
