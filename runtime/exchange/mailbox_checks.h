// Which users' mailboxes to ask Exchange about, and asking them: for each user of the spec whose
// folder links need ids (a link to make, a link without a folder id, a link moving to another
// mailbox, or everything with --refresh), one GetFolder as that user over EWS. The answers go
// into ObservedState::mailboxes, where the plan takes folder ids and blocked users from.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "plan/observed_state.h"
#include "plan/resource.h"
#include "runtime/exchange/ews_client.h"
#include "spec/secrets.h"
#include "spec/spec.h"

namespace sd {

// One user to ask: the address, the target their links name, and the folders to resolve.
struct MailboxToCheck {
  std::string email;   // as the spec writes it
  std::string target;  // nexj.target name
  std::vector<std::string> folders;
};

// The users whose links need folder ids, in spec order, one entry per address, counting only the
// links `only` selects (all with no prefixes). `always_ask`: link names (login/folder, sorted)
// whose users are asked even when their ids are known (a saved plan made with --refresh changes
// them). `observed` must be indexed. Pure.
[[nodiscard]] std::vector<MailboxToCheck> mailboxes_to_check(
    const DesiredState& desired, const ObservedState& observed, bool refresh,
    std::span<const std::string> only = {}, std::span<const std::string> always_ask = {});

// The EWS endpoint of each target name, from the spec: the target's server's ewsUrl, the service
// account's UPN and password (its secret's value), exchange.caFile (relative to the spec; else
// `default_ca_file`, which stands for the system roots: SSL_CERT_FILE's value, or empty).
[[nodiscard]] Result<std::map<std::string, EwsEndpoint>> ews_endpoints(
    const Spec& spec, const std::string& spec_path, const SecretValues& secrets,
    const std::string& default_ca_file = {});

struct MailboxCheckReport {
  size_t asked = 0;        // mailboxes asked
  size_t cannot_sync = 0;  // no mailbox, or impersonation denied
  size_t failed = 0;       // the check itself failed
  size_t endpoints = 0;
  http::SchedulerStats scheduling;  // summed over endpoints
  std::chrono::milliseconds elapsed{0};
  // "Exchange: asked 1000 mailboxes on 1 server in 2.31 s; 3 cannot sync; throttled 12 times,
  // 4.20 s spent throttled" (or "; not throttled").
  [[nodiscard]] std::string summary() const;
};

using EwsClientFactory =
    std::function<Result<std::unique_ptr<EwsClient>>(const EwsEndpoint& endpoint)>;

// Asks every mailbox of `users` with `threads` requests at once at most (each endpoint's
// scheduler bounds its own share), and writes one MailboxObservation per address into
// `observed.mailboxes`. A user whose target has no endpoint, or whose endpoint cannot be opened,
// is Unknown with the reason; nothing here stops the other users.
[[nodiscard]] MailboxCheckReport check_mailboxes(
    const std::vector<MailboxToCheck>& users, const std::map<std::string, EwsEndpoint>& endpoints,
    const EwsClientFactory& open_client, unsigned threads, ObservedState& observed);

}  // namespace sd
