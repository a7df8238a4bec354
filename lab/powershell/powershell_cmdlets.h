// The cmdlets the lab's PowerShell knows (docs/powershell-subset.md, "Cmdlets and
// parameters"): each with exactly its parameters (the throttling ones by Exchange version),
// their types, which are mandatory or positional, and what the cmdlet does. The interpreter
// binds arguments by these specs; handlers fail by throwing PsFailure, which the interpreter
// catches at its boundary.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lab/exchange/exchange_admin.h"
#include "lab/powershell/powershell_error_record.h"
#include "lab/powershell/powershell_values.h"

namespace sd::lab {

struct PsFailure {
  PsErrorRecord record;
};

enum class PsParamType {
  String,       // a string, or $null
  Switch,       // present, or -Name:$true/$false
  Bool,         // $true/$false, 1/0
  Secure,       // a SecureString
  Limit,        // an EWS limit: a number, or unlimited ('Unlimited' on 2013+, $null on 2010)
  Choice,       // one of `choices` (an enumeration)
  ScriptBlock,  // { ... }
  Any,          // anything (Select-Object -Property, ConvertTo-Json -InputObject)
};

struct PsParamSpec {
  std::string name;
  PsParamType type = PsParamType::String;
  bool mandatory = false;
  int position = -1;  // -1: named only
  std::vector<std::string> choices;
  std::string type_name = "System.String";  // as PowerShell names it in binding errors
};

class PsCmdletContext;
using PsCmdletHandler = std::function<std::vector<PsValue>(PsCmdletContext&)>;

struct PsCmdletSpec {
  std::string name;
  std::string class_name;  // for FullyQualifiedErrorId, e.g. Microsoft.PowerShell.Commands.X
  bool exchange = false;   // needs the Exchange snap-in
  bool takes_input = false;
  std::vector<PsParamSpec> params;
  PsCmdletHandler handler;
};

// What a running cmdlet sees.
class PsCmdletContext {
 public:
  ExchangeAdmin& admin;
  const PsCmdletSpec& spec;
  PsExtent extent;                      // the command in the script (for errors)
  std::map<std::string, PsValue> args;  // bound parameters by their spec name
  std::vector<PsValue> input;           // pipeline input
  bool has_input = false;
  // Runs a script block with $_ bound to `item`; its output.
  std::function<std::vector<PsValue>(const PsValue& block, const PsValue& item)> run_block;
  bool* snapin_loaded = nullptr;
  // Writes to the warning stream (the script goes on).
  std::function<void(std::string)> on_warning;

  [[nodiscard]] bool has(const std::string& name) const { return args.count(name) != 0; }
  [[nodiscard]] PsValue arg(const std::string& name) const;
  // The string a String parameter was given ("" when absent or $null).
  [[nodiscard]] std::string text(const std::string& name) const;
  [[noreturn]] void fail(std::string message, std::string_view category, std::string_view exception,
                         std::string_view error_id, std::string_view target = ":") const;
  // An error ExchangeAdmin returned, with the exception Exchange would name for it.
  [[noreturn]] void fail_admin(const std::vector<Error>& errors) const;
  // ExchangeAdmin's "couldn't be found" for `identity`.
  [[noreturn]] void fail_not_found(const std::string& identity) const;
  void warn(std::string message) const {
    if (on_warning) on_warning(std::move(message));
  }
  // What a Remove-* cmdlet does before it changes anything: it asks, unless -Confirm:$false,
  // and a non-interactive shell cannot ask (PowerShell's NonInteractive error).
  void require_no_confirmation() const;
};

// The cmdlet named `name` (without case; or one of PowerShell's aliases `where`, `?`,
// `select`, `%`) for this version, or nullptr. Exchange cmdlets are only found once the
// snap-in is loaded.
[[nodiscard]] const PsCmdletSpec* find_cmdlet(std::string_view name, LabExchangeVersion version,
                                              bool snapin_loaded);

// The tables, by kind (powershell_core_cmdlets.cc, exchange_cmdlets.cc,
// exchange_removal_cmdlets.cc).
[[nodiscard]] std::vector<PsCmdletSpec> core_cmdlets(LabExchangeVersion version);
[[nodiscard]] std::vector<PsCmdletSpec> exchange_cmdlets(LabExchangeVersion version);
[[nodiscard]] std::vector<PsCmdletSpec> exchange_removal_cmdlets(LabExchangeVersion version);

// A cmdlet's parameter, with the .NET type name PowerShell's errors print; `position` 0 is the
// first positional one ([-Identity]), -1 none.
[[nodiscard]] PsParamSpec cmdlet_param(std::string name, PsParamType type = PsParamType::String,
                                       bool mandatory = false, int position = -1);

}  // namespace sd::lab
