// import: a spec and users CSV from live state (engine/import_session.h). Nothing is written
// over: the files must not exist yet.
#include <filesystem>

#include "base/atomic_file.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "engine/import_session.h"

namespace sd::cli {

int run_import(const ImportOptions& options, const Context& ctx) {
  namespace fs = std::filesystem;
  engine::ImportRequest request;
  request.spec = options.spec;
  request.out_dir = options.out_dir;
  request.out_name = fs::path(options.spec).filename().string();
  request.observed = options.observed;
  request.only = options.only;
  request.service_account = options.service_account;
  const std::string spec_path = join_path(options.out_dir, request.out_name);
  std::error_code ec;
  if (fs::exists(spec_path, ec)) {
    ctx.err << "syncdeploy: error: " << escape_controls(spec_path)
            << " exists; import never writes over a file: give another folder with -o\n";
    return kExitError;
  }
  engine::RuntimeWorld world = world_of(ctx);
  engine::ImportOutcome outcome = engine::import_deployment(world, request);
  if (outcome.ending == engine::ImportOutcome::Ending::Failed) {
    report(ctx, outcome.errors);
    return kExitError;
  }
  const ImportedSpec& imported = outcome.imported;
  std::string csv_path;
  if (!imported.csv_path.empty()) {
    csv_path = join_path(options.out_dir, imported.csv_path);
    if (fs::exists(csv_path, ec)) {
      ctx.err << "syncdeploy: error: " << escape_controls(csv_path)
              << " exists; import never writes over a file: give another folder with -o\n";
      return kExitError;
    }
  }
  fs::create_directories(fs::path(csv_path.empty() ? spec_path : csv_path).parent_path(), ec);
  // The users first: a spec is never left naming a CSV file that is not there.
  if (!csv_path.empty())
    if (Status written = write_file_atomically(csv_path, imported.csv); !written.ok()) {
      report(ctx, written.errors());
      return kExitError;
    }
  if (Status written = write_file_atomically(spec_path, imported.yaml); !written.ok()) {
    report(ctx, written.errors());
    return kExitError;
  }
  ctx.out << "Wrote " << escape_controls(spec_path);
  if (!csv_path.empty()) ctx.out << " and " << escape_controls(csv_path);
  ctx.out << " (" << imported.users << (imported.users == 1 ? " user, " : " users, ")
          << imported.links << (imported.links == 1 ? " folder link" : " folder links")
          << "). Plan it to see that nothing would change.\n";
  if (outcome.ending == engine::ImportOutcome::Ending::Partial) {
    ctx.err << "syncdeploy: warning: the import is incomplete; left out or to review (also "
               "written as comments at the end of the spec):\n";
    for (const std::string& line : imported.left_out)
      ctx.err << "  - " << escape_controls(line) << "\n";
    return kExitImportPartial;
  }
  return kExitOk;
}

}  // namespace sd::cli
