#include "cli/commands.h"
#include "compiler/compile.h"
#include "compiler/desired_state.h"
#include "compiler/observed_state.h"
#include "runtime/disk_files.h"
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

Result<Plan> compute_plan(const std::string& spec_path, const std::string& observed_path,
                          bool resolve, const Context& ctx) {
  DiskFiles disk;
  Result<LoadedSpec> loaded = load_spec(spec_path, disk);
  if (!loaded.ok()) return loaded.take_errors();

  SecretFingerprints fingerprints;
  if (resolve) {
    LocalSecretSource secrets(spec_path, ctx.env.get_env);
    Result<SecretFingerprints> resolved = resolve_secrets(loaded->spec, loaded->doc, secrets);
    if (!resolved.ok()) return resolved.take_errors();
    fingerprints = std::move(resolved).value();
  }

  ObservedState observed;
  if (!observed_path.empty()) {
    Result<std::string> text = disk.read(observed_path);
    if (!text.ok()) return text.take_errors();
    Result<ObservedState> parsed = parse_observed_state(observed_path, *text);
    if (!parsed.ok()) return parsed.take_errors();
    observed = std::move(parsed).value();
  }

  DesiredState desired = build_desired_state(loaded->spec, fingerprints);
  sd::PlanOptions plan_options;
  plan_options.prune = loaded->spec.users.prune;
  Plan plan = make_plan(std::move(desired), std::move(observed), plan_options);
  plan.spec_file = spec_path;
  plan.spec_digest = loaded->digest;
  return plan;
}

}  // namespace sd::cli
