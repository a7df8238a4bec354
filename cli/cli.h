// The command line: parses arguments, runs a command, prints, and returns the exit code.
// main() only calls run(); tests call it in-process with their own streams and environment.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "base/checkpoints.h"

namespace sd::cli {

// Exit codes, the same for every command (docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,       // nothing to do, or done
  kExitError = 1,    // an error; nothing was changed
  kExitChanges = 2,  // changes pending or drift found (plan --detailed-exitcode, diff)
  kExitPartial = 3,  // apply: some actions failed or were skipped; the others were done
  kExitStale = 4,    // apply PLANFILE: steps refused because live state changed since the plan
  // Some users cannot sync (no mailbox, or impersonation denied): their folder links are blocked
  // and listed with the reason; everything else was planned (plan) or done (apply).
  kExitUsersBlocked = 5,
  // import: the spec was written, but something live could not be said in it (listed, and
  // written in it as comments): a pipeline must not take it for a whole import.
  kExitImportPartial = 6,
};

struct Environment {
  std::function<std::optional<std::string>(const std::string&)> get_env;  // default ::getenv
  bool stdout_is_terminal = false;
  // Progress lines on a terminal are redrawn in place, once a second (or every
  // `progress_interval` if that is shorter); elsewhere (CI logs) a plain line every
  // `progress_interval`.
  bool stderr_is_terminal = false;
  std::chrono::milliseconds progress_interval{10'000};
  // apply's confirmation: asked only when standard input is a terminal.
  std::istream* in = nullptr;
  bool stdin_is_terminal = false;
  // Crash points inside apply, for the crash tests; none in production.
  Checkpoints checkpoints;
};

[[nodiscard]] int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                      const Environment& env);

}  // namespace sd::cli
