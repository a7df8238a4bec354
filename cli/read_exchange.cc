// Reads the Exchange side a plan needs: Exchange management (over WinRM), TLS preconditions
// and the users' mailboxes.
#include <set>

#include "cli/commands.h"
#include "plan/selection.h"
#include "runtime/exchange/exchange_management.h"
#include "runtime/exchange/mailbox_checks.h"
#include "runtime/exchange/precondition_checks.h"
#include "runtime/live_systems.h"

namespace sd::cli {
namespace {

struct Connection {
  std::vector<http::ConnectTo> connect_to;
  std::string default_ca;
};

Result<Connection> connection_of(const Context& ctx) {
  Connection c;
  if (std::optional<std::string> text = ctx.env.get_env("SYNCDEPLOY_CONNECT_TO");
      text && !text->empty()) {
    Result<std::vector<http::ConnectTo>> parsed = http::parse_connect_to(*text);
    if (!parsed.ok()) return parsed.take_errors();
    c.connect_to = std::move(parsed).value();
  }
  // OpenSSL reads SSL_CERT_FILE for its default roots; it is read here through the CLI's
  // environment instead, so that it is explicit (and injectable in tests).
  c.default_ca = ctx.env.get_env("SSL_CERT_FILE").value_or("");
  return c;
}

// Whether the plan will change what decides if mailboxes can be impersonated, or how fast
// they may be asked: the service account, impersonation, throttling (any Exchange object the
// selection takes in). Then the mailboxes are asked at apply time, after those changes, not
// now (their answers would be stale).
// Whether the selection takes in any Exchange-management object (steps 1 and 2).
bool selects_exchange(const std::vector<std::string>& only) {
  for (const ResourceType* type : all_resource_types())
    if (type->name.starts_with("exchange.") && selects_type(only, *type)) return true;
  return false;
}

bool exchange_changes_pending(const DesiredState& desired, const ObservedState& observed,
                              const std::vector<std::string>& only) {
  if (!selects_exchange(only)) return false;  // e.g. --only nexj: Exchange stays as it is
  static const std::vector<std::string> kExchange = {"exchange"};
  Plan plan = make_plan(select_desired(desired, kExchange), select_observed(observed, kExchange),
                        sd::PlanOptions{});
  for (const Action& a : plan.actions)
    if ((a.kind == ActionKind::Create || a.kind == ActionKind::Update) &&
        selects(only, *a.type, a.name))
      return true;
  return false;
}

}  // namespace

Status attach_exchange_management(LiveSystems& systems, const LoadedInput& input,
                                  const SecretValues& secrets, const std::vector<std::string>& only,
                                  const Context& ctx) {
  const Spec& spec = input.loaded.spec;
  // A plan limited to the NexJ side does not open a remote shell.
  if (!selects_exchange(only)) return ok_status();
  // Exchange Online has no WinRM remote shell (remote PowerShell was retired there).
  if (spec.exchange.version == ExchangeVersion::ExchangeOnline) return ok_status();
  if (spec.exchange.management.url.empty()) return ok_status();
  Result<Connection> c = connection_of(ctx);
  if (!c.ok()) return c.take_errors();
  systems.exchange = std::make_unique<ExchangeManagement>(
      spec.exchange.management.url, spec.exchange.version,
      winrs_shell_factory(spec, input.spec_path, secrets, c->connect_to, c->default_ca));
  return ok_status();
}

Status read_exchange(const LoadedInput& input, const SecretValues& secrets,
                     const DesiredState& desired, const std::vector<std::string>& only,
                     const ExchangeReadOptions& options, ObservedState& observed,
                     const Context& ctx) {
  Result<Connection> connection = connection_of(ctx);
  if (!connection.ok()) return connection.take_errors();
  const std::vector<http::ConnectTo>& connect_to = connection->connect_to;
  const std::string& default_ca = connection->default_ca;
  const Spec& spec = input.loaded.spec;
  observed.checks = check_preconditions(spec, input.spec_path, connect_to, default_ca);

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
  Result<std::map<std::string, EwsEndpoint>> endpoints =
      ews_endpoints(spec, input.spec_path, secrets, default_ca);
  if (!endpoints.ok()) return endpoints.take_errors();
  std::set<std::string> servers;
  for (auto& [target, e] : *endpoints) {
    e.connect_to = connect_to;
    e.scheduling.concurrency = options.concurrency;
    servers.insert(e.url);
    // A server whose TLS check failed is not asked: every request would fail the same way,
    // slowly (timeouts, retries), and its users are unknown for that reason.
    for (const PreconditionCheck& c : observed.checks)
      if (c.endpoint == e.url && c.status == PreconditionCheck::Status::Failed)
        e.unusable = "the TLS check of " + c.name + " failed: " + c.detail;
  }
  MailboxCheckReport report = check_mailboxes(
      users, *endpoints, [](const EwsEndpoint& e) { return EwsClient::create(e); },
      options.concurrency * static_cast<unsigned>(std::max<size_t>(1, servers.size())), observed);
  ctx.err << report.summary() << "\n";
  return ok_status();
}

}  // namespace sd::cli
