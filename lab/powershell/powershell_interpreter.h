// The lab's PowerShell: parses a script of the subset (docs/powershell-subset.md) and runs it
// against ExchangeAdmin. Every error is terminating: the first one ends the script, whatever
// $ErrorActionPreference says (the renderer always sets 'Stop'; a non-terminating mode that
// carries on after a failed write is not something the lab wants to imitate). Top-level output
// that is text (ConvertTo-Json's line, strings, numbers, booleans) is printed; objects are not
// formatted (the subset never prints them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lab/exchange/exchange_admin.h"
#include "lab/powershell/powershell_error_record.h"

namespace sd::lab {

struct PsRunResult {
  std::vector<std::string> output_lines;  // printed before the end or the error
  std::optional<PsErrorRecord> error;     // the error that ended the script
};

[[nodiscard]] PsRunResult run_powershell(ExchangeAdmin& admin, std::string_view script);

}  // namespace sd::lab
