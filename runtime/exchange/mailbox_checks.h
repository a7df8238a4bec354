// Asking Exchange about the users' mailboxes (which ones: plan/folder_links.h): one GetFolder as
// each user over EWS. The answers go into ObservedState::mailboxes, where the plan takes folder
// ids and blocked users from.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "plan/folder_links.h"
#include "plan/observed_state.h"
#include "plan/resource.h"
#include "runtime/exchange/ews_client.h"
#include "spec/secrets.h"
#include "spec/spec.h"

namespace sd {

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
  size_t endpoints_stopped = 0;     // not asked again after stalling (SchedulerOptions)
  http::SchedulerStats scheduling;  // summed over endpoints
  std::chrono::milliseconds elapsed{0};
  // "Exchange: asked 1000 mailboxes on 1 server in 2.31 s; 3 cannot sync; throttled 12 times,
  // 4.20 s spent throttled" (or "; not throttled"), then, when requests got no answer,
  // "; 16 requests got no answer (960.00 s waited on them in all); 1 server not asked again".
  [[nodiscard]] std::string summary() const;
};

// How far the mailbox checks are, for a progress line while they run.
struct MailboxProgress {
  size_t asked = 0;  // requests sent so far, retries left out (at most `total`)
  size_t total = 0;
  std::chrono::milliseconds elapsed{0}, throttled{0};
  // "Exchange: asked 1200 of 20000 mailboxes in 12 s (100/s); 0.60 s throttled; about 3 min
  // left" (no rate or time left before the first answers).
  [[nodiscard]] std::string line() const;
};

// Progress lines while the checks run: `report` every `interval` (none when it is empty).
struct MailboxProgressReporting {
  std::chrono::milliseconds interval{10'000};
  std::function<void(const MailboxProgress&)> report;
};

using EwsClientFactory =
    std::function<Result<std::unique_ptr<EwsClient>>(const EwsEndpoint& endpoint)>;

// How long asking `users` mailboxes through `concurrency` connections may take in all: 5
// minutes, plus 1 s per mailbox per connection (a real Exchange answers a GetFolder in well
// under 100 ms; 1,000 users through 8 connections: 7 min 5 s). Past it nothing more is sent.
[[nodiscard]] std::chrono::milliseconds mailbox_phase_budget(size_t users, unsigned concurrency);

// Asks every mailbox of `users` with `threads` requests at once at most (each endpoint's
// scheduler bounds its own share), and writes one MailboxObservation per address into
// `observed.mailboxes`. A user whose target has no endpoint, or whose endpoint cannot be opened,
// is Unknown with the reason; nothing here stops the other users. An endpoint whose
// scheduling.deadline is not set gets one from mailbox_phase_budget(): users not asked by then
// are Unknown, "not asked: ...". `progress` is told how far they are, from another thread.
[[nodiscard]] MailboxCheckReport check_mailboxes(
    const std::vector<MailboxToCheck>& users, const std::map<std::string, EwsEndpoint>& endpoints,
    const EwsClientFactory& open_client, unsigned threads, ObservedState& observed,
    const MailboxProgressReporting& progress = {});

}  // namespace sd
