// Parameter binding as PowerShell 5.1 does it for one argument: which parameter a `-Name`
// names, and the argument converted to that parameter's type. Both fail by throwing PsFailure
// with PowerShell's own record (ParameterBindingException and its kin), pointing at `extent`.
#pragma once

#include <string_view>

#include "lab/powershell/powershell_cmdlets.h"

namespace sd::lab {

// The parameter `name` (without the dash, any case) names: the one of that name, else the one
// parameter whose name starts with it (`-extendedRight` is -ExtendedRights). A prefix two of
// the cmdlet's parameters share is ambiguous ("Possible matches include: -A -B", PowerShell's
// common parameters listed too). PowerShell prefers the cmdlet's own parameter when a prefix also
// fits common ones; a common parameter itself (-ErrorAction, -WhatIf, ...) is outside the
// lab's subset and not found, as is a name no parameter starts with (NamedParameterNotFound).
[[nodiscard]] const PsParamSpec& match_parameter(PsCmdletContext& ctx, std::string_view name,
                                                 PsExtent extent);

// `value` as parameter `p` takes it: a one-item array unwrapped, strings, switches and
// booleans, secure strings, EWS limits (canonical "Unlimited" or digits; $null is unlimited on
// 2010 and clears the limit on 2013+, whose limits are nullable), enumerations, script blocks.
// $null for a mandatory string parameter is PowerShell's "because it is null" error.
[[nodiscard]] PsValue convert_argument(PsCmdletContext& ctx, const PsParamSpec& p, PsValue value,
                                       PsExtent extent);

}  // namespace sd::lab
