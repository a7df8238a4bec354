#include "base/disk_files.h"
#include "cli/commands.h"
#include "plan/desired_state.h"
#include "plan/observed_state.h"
#include "plan/selection.h"
#include "runtime/live_systems.h"
#include "runtime/local_secret_source.h"

namespace sd::cli {

void report(const Context& ctx, const std::vector<Error>& errors) {
  // A CSV with thousands of bad rows must not bury the first errors: they are the useful ones.
  constexpr size_t kMaxShown = 100;
  if (errors.size() <= kMaxShown) {
    ctx.err << format_all(errors);
    return;
  }
  ctx.err << format_all(std::vector<Error>(errors.begin(), errors.begin() + kMaxShown));
  ctx.err << "syncdeploy: " << errors.size() - kMaxShown << " more errors not shown ("
          << errors.size() << " in all)\n";
}

bool use_color(bool no_color, const Context& ctx) {
  // NO_COLOR (https://no-color.org): present and not empty disables color.
  if (no_color || !ctx.env.stdout_is_terminal) return false;
  std::optional<std::string> value = ctx.env.get_env("NO_COLOR");
  return !value || value->empty();
}

Result<LoadedInput> load_input(const std::string& spec_path, bool read_secrets,
                               SecretValues* secrets, const Context& ctx) {
  DiskFiles disk;
  Result<LoadedSpec> loaded = load_spec(spec_path, disk);
  if (!loaded.ok()) return loaded.take_errors();
  LoadedInput input{spec_path, std::move(loaded).value(), {}};
  if (read_secrets) {
    LocalSecretSource source(spec_path, ctx.env.get_env);
    Result<SecretFingerprints> resolved =
        resolve_secrets(input.loaded.spec, input.loaded.doc, source, secrets);
    if (!resolved.ok()) return resolved.take_errors();
    input.fingerprints = std::move(resolved).value();
  }
  return input;
}

Plan plan_against(const LoadedInput& input, DesiredState desired, ObservedState observed,
                  const std::vector<std::string>& only) {
  if (!only.empty()) {
    desired = select_desired(std::move(desired), only);
    observed = select_observed(std::move(observed), only);
  }
  sd::PlanOptions options;
  options.prune = input.loaded.spec.users.prune;
  Plan plan = make_plan(std::move(desired), std::move(observed), options);
  plan.spec_file = input.spec_path;
  plan.spec_digest = input.loaded.digest;
  plan.only = only;
  return plan;
}

int exit_code_for(const PlanSummary& summary, int otherwise) {
  return otherwise == kExitOk && summary.cannot_sync > 0 ? kExitUsersBlocked : otherwise;
}

Result<Plan> compute_plan(const std::string& spec_path, const std::string& observed_path,
                          const std::vector<std::string>& only, LiveRead live, bool read_secrets,
                          const Context& ctx, const ExchangeReadOptions& exchange) {
  Status prefixes = check_prefixes(only);
  if (!prefixes.ok()) return prefixes.take_errors();
  SecretValues secrets;
  Result<LoadedInput> input = load_input(spec_path, read_secrets, &secrets, ctx);
  if (!input.ok()) return input.take_errors();

  DesiredState desired = build_desired_state(input->loaded.spec, input->fingerprints);
  ObservedState observed;
  if (!observed_path.empty()) {
    Result<std::string> text = DiskFiles().read(observed_path);
    if (!text.ok()) return text.take_errors();
    Result<ObservedState> parsed = parse_observed_state(observed_path, *text);
    if (!parsed.ok()) return parsed.take_errors();
    observed = std::move(parsed).value();
  } else if (live == LiveRead::FromFileOrLive) {
    LivePaths paths = live_paths(input->loaded.spec, spec_path);
    Result<LiveSystems> systems = open_live_systems(paths);
    if (!systems.ok()) return systems.take_errors();
    if (read_secrets) {
      Status attached = attach_exchange_management(*systems, *input, secrets, only, ctx);
      if (!attached.ok()) return attached.take_errors();
    }
    std::vector<LiveSystem*> all = systems->all();
    observed = observe_all(all, desired);
    if (read_secrets) {
      Status read = read_exchange(*input, secrets, desired, only, exchange, observed, ctx);
      if (!read.ok()) return read.take_errors();
    }
  }
  return plan_against(*input, std::move(desired), std::move(observed), only);
}

}  // namespace sd::cli
