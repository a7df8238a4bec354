#include "engine/plan_session.h"

#include <filesystem>

#include "base/sqlite_database.h"
#include "engine/observe.h"
#include "plan/adoption.h"
#include "plan/desired_state.h"
#include "plan/observed_state.h"
#include "plan/plan_reader.h"
#include "plan/saved_plan.h"
#include "plan/selection.h"
#include "runtime/journal.h"
#include "spec/spec_warnings.h"

namespace sd::engine {

Plan plan_against(const LoadedInput& input, DesiredState desired, ObservedState observed,
                  const std::vector<std::string>& only) {
  if (!only.empty()) {
    desired = select_desired(std::move(desired), only);
    observed = select_observed(std::move(observed), only);
  }
  // What the spec asks for that works but is weak (basic authentication) is said with the
  // checks, first: it holds whatever the live systems answer.
  std::vector<PreconditionCheck> warnings;
  for (SpecWarning& w : spec_warnings(input.loaded.spec))
    warnings.push_back(
        {PreconditionCheck::Status::Warning, std::move(w.subject), std::move(w.detail), ""});
  observed.checks.insert(observed.checks.begin(), warnings.begin(), warnings.end());
  sd::PlanOptions options;
  options.prune = input.loaded.spec.users.prune;
  Plan plan = make_plan(std::move(desired), std::move(observed), options);
  plan.spec_file = input.spec_path;
  plan.spec_digest = input.loaded.digest;
  plan.only = only;
  return plan;
}

namespace {

// Whether an apply of the deployment ever ended, by its journal beside the store (read only;
// none yet: never). A journal that cannot be read says yes: adoption is only a label, and a
// plan must not claim a first time it cannot know.
bool applied_before(const LivePaths& paths, const std::string& deployment) {
  std::error_code ec;
  if (!std::filesystem::exists(paths.journal, ec)) return false;
  Result<std::unique_ptr<SqlDatabase>> db = open_sqlite(paths.journal, SqlOpenMode::ReadOnly);
  if (!db.ok()) return true;
  Result<bool> applied = deployment_applied(**db, deployment);
  return !applied.ok() || *applied;
}

// The check of a plan made without secrets: failed, so that the plan cannot be applied, and
// saying which secret fields it did not compare.
PreconditionCheck without_secrets_check(const DesiredState& desired) {
  size_t fields = 0;
  for (const Resource& r : desired.resources)
    for (const Value& v : r.values)
      if (std::holds_alternative<SecretValue>(v)) ++fields;
  PreconditionCheck check;
  check.status = PreconditionCheck::Status::Failed;
  check.name = kWithoutSecretsCheck;
  check.detail = "not read (--without-secrets): " + std::to_string(fields) +
                 (fields == 1 ? " secret field is" : " secret fields are") +
                 " not compared, Exchange is not read and no mailbox is asked; plan again with the "
                 "secrets to apply";
  return check;
}

}  // namespace

Result<Plan> plan_deployment(World& world, const PlanRequest& request) {
  Status prefixes = check_prefixes(request.only);
  if (!prefixes.ok()) return prefixes.take_errors();
  SecretValues secrets;
  Result<LoadedInput> input = load_input(world, request.spec, request.read_secrets, &secrets);
  if (!input.ok()) return input.take_errors();

  DesiredState desired = build_desired_state(input->loaded.spec, input->fingerprints);
  ObservedState observed;
  if (!request.observed.empty()) {
    Result<std::string> text = world.files().read(request.observed);
    if (!text.ok()) return text.take_errors();
    Result<ObservedState> parsed = parse_observed_state(request.observed, *text);
    if (!parsed.ok()) return parsed.take_errors();
    observed = std::move(parsed).value();
  } else if (request.live == LiveRead::FromFileOrLive) {
    LivePaths paths = live_paths(input->loaded.spec, request.spec);
    Result<std::unique_ptr<NexjSystems>> nexj = world.open_nexj(paths);
    if (!nexj.ok()) return nexj.take_errors();
    std::vector<LiveSystem*> all = (*nexj)->all();
    std::unique_ptr<LiveSystem> exchange;
    if (request.read_secrets) {
      Result<std::unique_ptr<LiveSystem>> opened =
          open_exchange_management(world, *input, secrets, request.only);
      if (!opened.ok()) return opened.take_errors();
      exchange = std::move(opened).value();
      if (exchange) all.push_back(exchange.get());
    }
    observed = observe_all(
        all, desired,
        request.say_without_secrets ? kExchangeNotReadWithoutSecrets : kExchangeNotRead);
    if (request.read_secrets) {
      Status read =
          read_exchange(world, *input, secrets, desired, request.only, request.exchange, observed);
      if (!read.ok()) return read.take_errors();
    }
  }
  // Whatever the observed state came from, a plan whose secrets were not read cannot be applied.
  if (request.say_without_secrets) observed.checks.push_back(without_secrets_check(desired));
  Plan plan = plan_against(*input, std::move(desired), std::move(observed), request.only);
  if (request.observed.empty() && request.live == LiveRead::FromFileOrLive &&
      !applied_before(live_paths(input->loaded.spec, request.spec), plan.deployment))
    mark_adoption(plan);
  return plan;
}

Result<Plan> load_saved_plan(const World& world, const std::string& path) {
  Result<std::string> text = world.files().read(path);
  if (!text.ok()) return text.take_errors();
  // A spec, or any other file: said plainly rather than as a JSON syntax error at line 1.
  if (!looks_like_saved_plan(*text))
    return make_error("not a saved plan: show reads the JSON plan that plan -out writes",
                      Location{path});
  return read_plan_json(path, *text);
}

}  // namespace sd::engine
