// What plan, diff and apply read of Exchange beyond the live systems: Exchange management
// (over WinRM), the TLS preconditions, and the mailboxes of the users whose folder links need
// ids.
#pragma once

#include <string>
#include <vector>

#include "engine/loaded_input.h"
#include "engine/world.h"
#include "plan/desired_state.h"
#include "plan/observed_state.h"

namespace sd::engine {

// How plan, diff and apply ask Exchange about the users' mailboxes.
struct ExchangeReadOptions {
  bool refresh = false;      // --refresh: ask every mailbox again, even where folder ids are known
  unsigned concurrency = 8;  // --ews-concurrency: EWS requests in flight per server
  // Folder links (login/folder, sorted) whose users are asked even when their ids are known:
  // the links a saved plan changes, so that a plan made with --refresh is applied as made.
  std::vector<std::string> always_ask;
  // Set by apply once it has made the Exchange-side changes: the mailboxes are asked now.
  bool after_exchange_changes = false;
};

// Whether the selection takes in any Exchange-management object (steps 1 and 2).
[[nodiscard]] bool selects_exchange(const std::vector<std::string>& only);

// Exchange management (WinRM to exchange.management.url) with the management password from
// `secrets`, when `only` selects an exchange.* type and the spec names an endpoint (not for
// Exchange Online); else nothing. Nothing is opened until it is read. Errors: a malformed
// SYNCDEPLOY_CONNECT_TO.
[[nodiscard]] Result<std::unique_ptr<LiveSystem>> open_exchange_management(
    World& world, const LoadedInput& input, const SecretValues& secrets,
    const std::vector<std::string>& only);

// The TLS preconditions, and the mailboxes of the users whose folder links need ids (only those
// `only` selects), into `observed`. Says what asking the mailboxes took as progress. When the
// plan will change the account, impersonation or throttling, the mailboxes are left for apply
// (ObservedState::mailboxes_deferred) unless `options.after_exchange_changes`. Errors: a
// malformed SYNCDEPLOY_CONNECT_TO; everything Exchange answers is observed.
[[nodiscard]] Status read_exchange(World& world, const LoadedInput& input,
                                   const SecretValues& secrets, const DesiredState& desired,
                                   const std::vector<std::string>& only,
                                   const ExchangeReadOptions& options, ObservedState& observed);

}  // namespace sd::engine
