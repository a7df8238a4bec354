// The lab's PowerShell: parses a script of the subset (docs/powershell-subset.md) and runs it
// against ExchangeAdmin. Errors follow $ErrorActionPreference: with 'Stop' (what the renderer
// always sets) the first error ends the script; otherwise (PowerShell's default, Continue, as
// in hand-written scripts such as NexJ's) an error ends the statement it happened in (at the
// top level or inside a script block), is written to the error stream, and the script goes on
// with the next statement. Top-level output that is text (ConvertTo-Json's line, strings,
// numbers, booleans) is printed; objects are not formatted (the subset never prints them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lab/exchange/exchange_admin.h"
#include "lab/powershell/powershell_error_record.h"
#include "lab/powershell/powershell_values.h"

namespace sd::lab {

// One record of the error or warning stream, in the order written.
struct PsStreamRecord {
  std::optional<PsErrorRecord> error;  // an error that ended its statement only (Continue)
  std::string warning;                 // else a warning's message
};

struct PsRunResult {
  std::vector<std::string> output_lines;  // printed before the end or the error
  std::vector<PsStreamRecord> records;    // errors the script went on after, and warnings
  std::optional<PsErrorRecord> error;     // the error that ended the script
  bool last_statement_failed = false;     // $? false at the end: powershell.exe exits 1
};

[[nodiscard]] PsRunResult run_powershell(ExchangeAdmin& admin, std::string_view script);

// A command as remote PowerShell sends it: a name and parameters that are values, bound as a
// script's would be (named, positional when `name` is empty, a switch when `is_switch`).
struct PsCallArgument {
  std::string name;
  PsValue value;
  bool is_switch = false;
};
struct PsCall {
  std::string command;
  std::vector<PsCallArgument> arguments;
};

struct PsCallResult {
  std::vector<PsValue> output;         // every object, as objects (nothing is printed)
  std::vector<std::string> warnings;   // the warning stream
  std::optional<PsErrorRecord> error;  // the error that ended the run
};

// Runs statements of calls (each statement a pipeline) in a session where the Exchange
// cmdlets are loaded, as Exchange's remote PowerShell endpoint runs them: no script is parsed,
// so no value can become code. `input` goes into the first command of the first statement.
// The first error ends the run.
[[nodiscard]] PsCallResult run_calls(ExchangeAdmin& admin,
                                     const std::vector<std::vector<PsCall>>& statements,
                                     const std::vector<PsValue>& input);

}  // namespace sd::lab
