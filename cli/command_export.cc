// export --powershell: the Exchange part of the plan as a script (engine/export_session.h).
#include "base/atomic_file.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "engine/export_session.h"

namespace sd::cli {

int run_export(const ExportOptions& options, const Context& ctx) {
  if (!options.powershell) {
    ctx.err << "syncdeploy: error: export needs a format: --powershell\n";
    return kExitError;
  }
  engine::RuntimeWorld world = world_of(ctx);
  engine::ExportOutcome exported =
      engine::export_exchange_script(world, {options.spec, options.observed});
  switch (exported.ending) {
    case engine::ExportOutcome::Ending::Failed:
      report(ctx, exported.errors);
      return kExitError;
    case engine::ExportOutcome::Ending::ExchangeOnline:
      ctx.err << "syncdeploy: error: export --powershell is for Exchange on premises; Exchange "
                 "Online has no throttling or ApplicationImpersonation cmdlets to run\n";
      return kExitError;
    case engine::ExportOutcome::Ending::Script:
      break;
  }
  if (options.out_file.empty()) {
    ctx.out << exported.script;
    return kExitOk;
  }
  if (Status written = write_file_atomically(options.out_file, exported.script); !written.ok()) {
    report(ctx, written.errors());
    return kExitError;
  }
  ctx.out << "Wrote the Exchange part of the plan to " << escape_controls(options.out_file)
          << ".\n";
  return kExitOk;
}

}  // namespace sd::cli
