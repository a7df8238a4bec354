// What the Exchange admin objects do to the lab's EWS (exchange-protocols.md §1.1, §2):
//
// Impersonation: an account may impersonate a mailbox when an enabled ApplicationImpersonation
// role assignment names it and either has no custom scope or its scope's recipient filter
// matches the mailbox (and the mailbox lies under the scope's RecipientRoot, when set); or
// when it holds ms-Exch-EPI-Impersonation on every client access server and
// ms-Exch-EPI-May-Impersonate on the mailbox's database (the 2007-style rights).
//
// Throttling: the policy associated with the account (else an Organization-scoped policy, else
// the lab's default policy). Limits the policy leaves unset come from an Organization policy,
// then from the default. EwsMaxConcurrency: a number is the limit on requests in flight,
// Unlimited lifts it. The budget (the lab's burst and recharge, counted in requests) is lifted
// when EwsMaxBurst, EwsRechargeRate and EwsCutoffBalance are all Unlimited (2010:
// EWSPercentTimeInCAS is Unlimited); numbers there keep the default budget, since the lab does
// not measure time spent. Both lifted: nullopt, the same as the old `throttling: unlimited`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lab/exchange/exchange_admin_rules.h"
#include "lab/exchange/opath_filter.h"
#include "lab/state/lab_state.h"

namespace sd::lab {

using ScopeFilters = std::unordered_map<std::string, OpathFilter>;  // by lower-case scope name

// A stored filter that does not parse (never expected: it was checked when set) is left out,
// and an assignment bound to that scope then allows nothing.
[[nodiscard]] ScopeFilters compile_scope_filters(const AdminObjects& objects);

[[nodiscard]] bool rbac_allows_impersonation(const AdminObjects& objects,
                                             const ScopeFilters& filters, std::string_view alias,
                                             const LabRecipient& target);
[[nodiscard]] bool extended_rights_allow_impersonation(const AdminObjects& objects,
                                                       std::string_view alias,
                                                       const LabRecipient& target);
// nullopt: not throttled at all.
[[nodiscard]] std::optional<ThrottlingPolicy> admin_throttling(const AdminObjects& objects,
                                                               std::string_view alias,
                                                               const ThrottlingPolicy& base);

}  // namespace sd::lab
