// The spec as a whole: YAML text (spec/document.h) through the schema, the typed reader, the
// users CSV it names and the semantic rules (load_spec), then, when it is valid, the desired
// state and a plan against nothing observed. Any text must give errors or a plan, never a
// crash, a hang or unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/source_files.h"
#include "plan/desired_state.h"
#include "plan/plan.h"
#include "spec/load_spec.h"

namespace {

// A user list the spec may name (`users.csv`), so that valid specs reach the CSV reader and
// the rules that join both lists.
constexpr const char* kUsersCsv =
    "login,email,target,folders\n"
    "abaker,anna.baker@acme.com,,\n"
    "bito,ben.ito@acme.com,EXCH01,calendar;tasks\n"
    "\"c,q\",\"carla \"\"q\"\"@acme.com\",EXCH02,contacts\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sd::MemoryFiles files;
  files.files["spec.yaml"] = std::string(reinterpret_cast<const char*>(data), size);
  files.files["users.csv"] = kUsersCsv;
  files.files["users/advisors.csv"] = kUsersCsv;
  sd::Result<sd::LoadedSpec> loaded = sd::load_spec("spec.yaml", files);
  if (!loaded.ok()) {
    for (const sd::Error& error : loaded.errors()) (void)error.format();
    return 0;
  }
  // Secrets unresolved, as `graph` plans: fingerprints would cost 100,000 PBKDF2 rounds each.
  sd::DesiredState desired = sd::build_desired_state(loaded->spec, {});
  sd::Plan plan = sd::make_plan(std::move(desired), sd::ObservedState{}, {});
  (void)plan;
  return 0;
}
