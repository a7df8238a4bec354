// The observed-state file (`plan --observed FILE`, plan/observed_state.h): JSON as
// docs/observed-state-format.md describes. Any text gives errors naming the file and the JSON
// path, or a state that round-trips through its JSON form and plans against the quickstart's
// desired state; nothing crashes, hangs or grows without bound.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/quickstart.h"
#include "plan/observed_state.h"
#include "plan/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sd::Result<sd::ObservedState> observed = sd::parse_observed_state("observed.json", text);
  if (!observed.ok()) {
    for (const sd::Error& error : observed.errors()) (void)error.format();
    return 0;
  }
  // What the parser accepted, the writer writes, and the parser reads back the same.
  const std::string json = sd::observed_state_to_json(*observed);
  sd::Result<sd::ObservedState> back = sd::parse_observed_state("again.json", json);
  if (!back.ok()) {
    std::fprintf(stderr, "the written state does not read back:\n%s%s\n",
                 sd::format_all(back.errors()).c_str(), json.c_str());
    std::abort();
  }
  if (sd::observed_state_to_json(*back) != json) {
    std::fprintf(stderr, "the state changed on its way back:\n%s\n", json.c_str());
    std::abort();
  }
  sd::Plan plan = sd::make_plan(sd::fuzz::quickstart_desired(), std::move(*observed), {});
  (void)plan;
  return 0;
}
