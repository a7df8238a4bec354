// Reads the Exchange side a plan needs: TLS preconditions and the users' mailboxes.
#include <set>

#include "cli/commands.h"
#include "compiler/selection.h"
#include "runtime/mailbox_checks.h"
#include "runtime/precondition_checks.h"

namespace sd::cli {

Status read_exchange(const LoadedInput& input, const SecretValues& secrets,
                     const DesiredState& desired, const std::vector<std::string>& only,
                     const ExchangeReadOptions& options, ObservedState& observed,
                     const Context& ctx) {
  std::vector<http::ConnectTo> connect_to;
  if (std::optional<std::string> text = ctx.env.get_env("SYNCDEPLOY_CONNECT_TO");
      text && !text->empty()) {
    Result<std::vector<http::ConnectTo>> parsed = http::parse_connect_to(*text);
    if (!parsed.ok()) return parsed.take_errors();
    connect_to = std::move(parsed).value();
  }
  // OpenSSL reads SSL_CERT_FILE for its default roots; it is read here through the CLI's
  // environment instead, so that it is explicit (and injectable in tests).
  const std::string default_ca = ctx.env.get_env("SSL_CERT_FILE").value_or("");
  const Spec& spec = input.loaded.spec;
  observed.checks = check_preconditions(spec, input.spec_path, connect_to, default_ca);

  if (!selects_type(only, types::kFolderLink)) return ok_status();
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
