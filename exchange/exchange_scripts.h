// The Exchange side of the spec (steps 1 and 2) as PowerShell: the script that reads it, the
// cmdlets each planned action runs, and the commented script `export --powershell` writes.
// Pure: text in, text out; runtime/exchange_management runs these over WinRS. The PowerShell
// is exactly the subset of docs/powershell-subset.md, rendered by exchange/powershell.h so
// that no name, identity, filter or secret can break out of its quotes.
//
// Resources (plan/resource_types.cc) and the cmdlets that serve them:
//   exchange.service_account/<identity>   Get-Mailbox -Filter (UPN) / New-Mailbox (create: true)
//   exchange.management_scope/<name>      Get-/New-/Set-ManagementScope
//   exchange.role_assignment/<name>       Get-/New-/Set-ManagementRoleAssignment (a changed
//                                         role or user: Remove, then New)
//   exchange.ad_permission/<id>/<right>   Get-/Add-ADPermission on every client access server
//                                         (ms-Exch-EPI-Impersonation) or mailbox database
//                                         (ms-Exch-EPI-May-Impersonate)
//   exchange.throttling_policy/<name>     Get-/New-/Set-ThrottlingPolicy, the version's set
//   exchange.throttling_association/<id>  Get-/Set-ThrottlingPolicyAssociation
// Objects the spec does not name are read (one Get per type) but never changed, unless its
// `remove:` list names them: then Remove-ManagementRoleAssignment, Remove-ManagementScope,
// Remove-ThrottlingPolicy, Remove-ADPermission on every server or database, or
// Set-ThrottlingPolicyAssociation -ThrottlingPolicy $null takes them away.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "exchange/powershell.h"
#include "plan/desired_state.h"
#include "plan/observed_state.h"
#include "plan/plan.h"
#include "spec/secrets.h"
#include "spec/spec.h"

namespace sd {

// True for the types this file serves (the exchange.* types).
[[nodiscard]] bool is_exchange_management_type(const ResourceType& type);

// One script that reads every exchange.* type `desired` has objects of: one query per type,
// each printing one line of JSON (docs/powershell-subset.md, "Query"), in a fixed order.
[[nodiscard]] std::string observe_script(const DesiredState& desired, ExchangeVersion version);

// Reads what observe_script printed: appends the present objects of each type, with the
// values compared by the fields' rules (identities as the spec writes them when the live
// object names the same user by alias, UPN or DOMAIN\alias; "Unlimited" as unlimited, and
// "" as unlimited on 2010 but not set, inheriting the default policy, from 2013). A missing or
// malformed line fails its type (into.failed_types, with the line number and what was wrong), never
// taken for "absent".
void read_observation(const DesiredState& desired, ExchangeVersion version,
                      std::string_view stdout_text, ObservedState& into);

// The script that carries out plan.actions[action] (a Create, Update or Remove of an exchange.*
// type):
// the header, then its cmdlets. Secrets are written from `secrets` by reference
// (ConvertTo-SecureString); a reference missing there is an error naming it.
[[nodiscard]] Result<std::string> action_script(const Plan& plan, uint32_t action,
                                                ExchangeVersion version,
                                                const SecretValues& secrets);

// One statement of an action: a cmdlet, or a cmdlet run for each object another returns (its
// PipelineProperty arguments read from each: `<for_each_of> | ForEach-Object { <cmdlet> }`).
struct ActionStep {
  ps::Cmdlet cmdlet;
  std::optional<ps::Cmdlet> for_each_of;
};

// The statements of action_script as values, for remote PowerShell, which sends commands and
// their parameters instead of script text. Secrets are SecretLiteral values from `secrets`.
[[nodiscard]] Result<std::vector<ActionStep>> action_steps(const Plan& plan, uint32_t action,
                                                           ExchangeVersion version,
                                                           const SecretValues& secrets);

// `syncdeploy export --powershell`: every Create/Update of an exchange.* type in plan order,
// each preceded by comments (the address, the reason, the changed fields with secrets
// hidden); secrets asked with Read-Host; unknown and blocked actions listed as comments that
// say why they are left out. A plan with no Exchange changes gives a script that says so.
// `management` decides how the script reaches Exchange: a remote PowerShell session to its URL
// (transport psrp), or the snap-in on the Exchange server (winrs); nullptr: the snap-in.
[[nodiscard]] std::string render_powershell(const Plan& plan, ExchangeVersion version,
                                            const Management* management = nullptr);

}  // namespace sd
