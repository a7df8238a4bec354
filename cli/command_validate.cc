#include <ostream>

#include "base/disk_files.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "spec/load_spec.h"

namespace sd::cli {

// Offline, like `terraform validate`: no secrets are read and no live system is asked.
int run_validate(const ValidateOptions& options, const Context& ctx) {
  DiskFiles disk;
  bool all_valid = true;
  for (const std::string& spec : options.specs) {
    Result<LoadedSpec> loaded = load_spec(spec, disk);
    if (!loaded.ok()) {
      report(ctx, loaded.errors());
      all_valid = false;
      continue;
    }
    const Spec& s = loaded->spec;
    ctx.out << escape_controls(spec) << ": valid (deployment " << s.deployment << ", "
            << s.exchange.servers.size() << " server(s), " << s.nexj.targets.size()
            << " target(s), " << s.users.list.size() << " user(s))\n";
  }
  return all_valid ? kExitOk : kExitError;
}

}  // namespace sd::cli
