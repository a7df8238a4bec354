// export --powershell: the Exchange part of the plan (steps 1 and 2) as a commented script, for
// sites that forbid remote execution. The same renderer as apply's live path
// (compiler/exchange_scripts.h), so the reviewed script is what apply would have run.
#include <sstream>

#include "base/atomic_file.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "exchange/exchange_scripts.h"

namespace sd::cli {
namespace {

// When Exchange management could not be read, the script is written as if nothing of it
// existed: a site without remote access gets the whole setup, said plainly at the top.
std::string assume_absent(Plan& plan) {
  std::string reason;
  for (auto it = plan.observed.failed_types.begin(); it != plan.observed.failed_types.end();) {
    if (it->first.starts_with("exchange.")) {
      if (reason.empty()) reason = it->second;
      it = plan.observed.failed_types.erase(it);
    } else {
      ++it;
    }
  }
  if (reason.empty()) return {};
  sd::PlanOptions options;
  std::string spec_file = plan.spec_file, digest = plan.spec_digest;
  std::vector<std::string> only = plan.only;
  plan = make_plan(std::move(plan.desired), std::move(plan.observed), options);
  plan.spec_file = std::move(spec_file);
  plan.spec_digest = std::move(digest);
  plan.only = std::move(only);
  return reason;
}

}  // namespace

int run_export(const ExportOptions& options, const Context& ctx) {
  if (!options.powershell) {
    ctx.err << "syncdeploy: error: export needs a format: --powershell\n";
    return kExitError;
  }
  Result<LoadedInput> input = load_input(options.spec, false, nullptr, ctx);
  if (!input.ok()) {
    report(ctx, input.errors());
    return kExitError;
  }
  const ExchangeVersion version = input->loaded.spec.exchange.version;
  if (version == ExchangeVersion::ExchangeOnline) {
    ctx.err << "syncdeploy: error: export --powershell is for Exchange on premises; Exchange "
               "Online has no throttling or ApplicationImpersonation cmdlets to run\n";
    return kExitError;
  }
  // Only the Exchange side: the mailboxes are not asked, NexJ is not read.
  const std::vector<std::string> only = {"exchange"};
  // A site that runs the script by hand may not give this machine the secrets WinRM needs:
  // then Exchange is not read, and the script is written as for a fresh Exchange.
  std::string no_secrets;
  if (Result<LoadedInput> with_secrets = load_input(options.spec, true, nullptr, ctx);
      !with_secrets.ok())
    no_secrets = "its secrets could not be read: " + with_secrets.errors().front().message;
  Result<Plan> plan = compute_plan(options.spec, options.observed, only, LiveRead::FromFileOrLive,
                                   no_secrets.empty(), ctx, ExchangeReadOptions{});
  if (!plan.ok()) {
    report(ctx, plan.errors());
    return kExitError;
  }
  std::string unread = assume_absent(*plan);
  if (!unread.empty() && !no_secrets.empty()) unread = no_secrets;
  // The reason may quote a server's answer: nothing in it may end the comment line, neither a
  // control character nor the line separators PowerShell also breaks lines at.
  unread = escape_controls(unread);
  for (const char* separator : {"\xE2\x80\xA8", "\xE2\x80\xA9", "\xC2\x85"})
    for (size_t at; (at = unread.find(separator)) != std::string::npos;)
      unread.replace(at, std::string_view(separator).size(), "?");
  std::ostringstream script;
  if (!unread.empty())
    script << "# Exchange management could not be read (" << unread << "),\n"
           << "# so this script makes every object the spec names, as if none existed. Where\n"
           << "# one exists already, its New- cmdlet stops the script: review before running.\n";
  script << render_powershell(*plan, version);
  if (options.out_file.empty()) {
    ctx.out << script.str();
    return kExitOk;
  }
  if (Status written = write_file_atomically(options.out_file, script.str()); !written.ok()) {
    report(ctx, written.errors());
    return kExitError;
  }
  ctx.out << "Wrote the Exchange part of the plan to " << escape_controls(options.out_file)
          << ".\n";
  return kExitOk;
}

}  // namespace sd::cli
