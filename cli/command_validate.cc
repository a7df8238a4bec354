#include <ostream>

#include "base/text_checks.h"
#include "cli/commands.h"
#include "engine/loaded_input.h"

namespace sd::cli {

// Offline, like `terraform validate`: no secrets are read and no live system is asked.
int run_validate(const ValidateOptions& options, const Context& ctx) {
  engine::RuntimeWorld world = world_of(ctx);
  bool all_valid = true;
  for (const std::string& spec : options.specs) {
    Result<LoadedSpec> loaded = engine::validate_spec(world, spec);
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
