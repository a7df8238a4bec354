#include "engine/export_session.h"

#include <sstream>

#include "base/text_checks.h"
#include "engine/loaded_input.h"
#include "engine/plan_session.h"
#include "exchange/exchange_scripts.h"

namespace sd::engine {
namespace {

// When Exchange management could not be read, the script is written as if nothing of it
// existed: a site without remote access gets the whole setup, said plainly at the top.
std::string assume_absent(Plan& plan) {
  std::string reason;
  for (auto it = plan.observed.failed_types.begin(); it != plan.observed.failed_types.end();) {
    const ResourceType* type = find_resource_type(it->first);
    if (type && type->side == Side::Exchange) {
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

ExportOutcome export_failed(std::vector<Error> errors) {
  ExportOutcome out;
  out.errors = std::move(errors);
  return out;
}

}  // namespace

ExportOutcome export_exchange_script(World& world, const ExportRequest& request) {
  Result<LoadedInput> input = load_input(world, request.spec, false, nullptr);
  if (!input.ok()) return export_failed(input.take_errors());
  const ExchangeVersion version = input->loaded.spec.exchange.version;
  if (version == ExchangeVersion::ExchangeOnline) {
    ExportOutcome out;
    out.ending = ExportOutcome::Ending::ExchangeOnline;
    return out;
  }
  // A site that runs the script by hand may not give this machine the secrets WinRM needs:
  // then Exchange is not read, and the script is written as for a fresh Exchange.
  std::string no_secrets;
  if (Result<LoadedInput> with_secrets = load_input(world, request.spec, true, nullptr);
      !with_secrets.ok())
    no_secrets = "its secrets could not be read: " + with_secrets.errors().front().message;
  // Only the Exchange side: the mailboxes are not asked, NexJ is not read.
  PlanRequest plan_request;
  plan_request.spec = request.spec;
  plan_request.observed = request.observed;
  plan_request.only = {"exchange"};
  plan_request.read_secrets = no_secrets.empty();
  Result<Plan> plan = plan_deployment(world, plan_request);
  if (!plan.ok()) return export_failed(plan.take_errors());
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
  script << render_powershell(*plan, version, &input->loaded.spec.exchange.management);
  ExportOutcome out;
  out.ending = ExportOutcome::Ending::Script;
  out.script = script.str();
  return out;
}

}  // namespace sd::engine
