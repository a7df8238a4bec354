#include "engine/exchange_reads.h"

#include "plan/folder_links.h"
#include "plan/plan.h"
#include "plan/selection.h"

namespace sd::engine {
namespace {

// How this machine reaches Exchange, from the environment.
Result<ExchangeAccess> access_of(World& world, const LoadedInput& input,
                                 const SecretValues& secrets) {
  ExchangeAccess access{input.loaded.spec, input.spec_path, secrets, {}, {}};
  if (std::optional<std::string> text = world.env("SYNCDEPLOY_CONNECT_TO");
      text && !text->empty()) {
    Result<std::vector<http::ConnectTo>> parsed = http::parse_connect_to(*text);
    if (!parsed.ok()) return parsed.take_errors();
    access.connect_to = std::move(parsed).value();
  }
  // OpenSSL reads SSL_CERT_FILE for its default roots; it is read here through the world
  // instead, so that it is explicit (and injectable in tests).
  access.default_ca = world.env("SSL_CERT_FILE").value_or("");
  return access;
}

// Whether the plan will change what decides if mailboxes can be impersonated, or how fast
// they may be asked: the service account, impersonation, throttling (any Exchange object the
// selection takes in). Then the mailboxes are asked at apply time, after those changes, not
// now (their answers would be stale).
bool exchange_changes_pending(const DesiredState& desired, const ObservedState& observed,
                              const std::vector<std::string>& only) {
  if (!selects_exchange(only)) return false;  // e.g. --only nexj: Exchange stays as it is
  static const std::vector<std::string> kExchange = {"exchange"};
  Plan plan = make_plan(select_desired(desired, kExchange), select_observed(observed, kExchange),
                        sd::PlanOptions{});
  for (const Action& a : plan.actions)
    if ((a.kind == ActionKind::Create || a.kind == ActionKind::Update ||
         a.kind == ActionKind::Remove) &&
        selects(only, *a.type, a.name))
      return true;
  return false;
}

}  // namespace

bool selects_exchange(const std::vector<std::string>& only) {
  for (const ResourceType* type : all_resource_types())
    if (type->side == Side::Exchange && selects_type(only, *type)) return true;
  return false;
}

Result<std::unique_ptr<LiveSystem>> open_exchange_management(World& world, const LoadedInput& input,
                                                             const SecretValues& secrets,
                                                             const std::vector<std::string>& only) {
  const Spec& spec = input.loaded.spec;
  // A plan limited to the NexJ side does not open a remote shell.
  if (!selects_exchange(only)) return std::unique_ptr<LiveSystem>();
  // Exchange Online has no WinRM remote shell (remote PowerShell was retired there).
  if (spec.exchange.version == ExchangeVersion::ExchangeOnline)
    return std::unique_ptr<LiveSystem>();
  if (spec.exchange.management.url.empty()) return std::unique_ptr<LiveSystem>();
  Result<ExchangeAccess> access = access_of(world, input, secrets);
  if (!access.ok()) return access.take_errors();
  return world.open_exchange_management(*access);
}

Status read_exchange(World& world, const LoadedInput& input, const SecretValues& secrets,
                     const DesiredState& desired, const std::vector<std::string>& only,
                     const ExchangeReadOptions& options, ObservedState& observed) {
  Result<ExchangeAccess> access = access_of(world, input, secrets);
  if (!access.ok()) return access.take_errors();
  observed.checks = world.check_preconditions(*access);

  if (!selects_type(only, types::kFolderLink)) return ok_status();
  if (!options.after_exchange_changes && exchange_changes_pending(desired, observed, only)) {
    PreconditionCheck deferred;
    deferred.name = "EWS mailboxes";
    deferred.detail =
        "asked during apply, once the service account, impersonation and throttling changes "
        "above are made";
    observed.checks.push_back(std::move(deferred));
    observed.mailboxes_deferred = true;
    return ok_status();
  }
  observed.index();
  std::vector<MailboxToCheck> users =
      mailboxes_to_check(desired, observed, options.refresh, only, options.always_ask);
  if (users.empty()) return ok_status();
  Result<MailboxCheckReport> report =
      world.ask_mailboxes(*access, users, options.concurrency, observed);
  if (!report.ok()) return report.take_errors();
  world.progress(report->summary());
  return ok_status();
}

}  // namespace sd::engine
