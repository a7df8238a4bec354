// The commands of the CLI. Each takes its parsed options and a Context, prints, and returns an
// exit code (cli.h). Parsing lives in cli.cc.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "cli/cli.h"
#include "plan/plan.h"
#include "spec/load_spec.h"
#include "spec/secrets.h"

namespace CLI {
class App;
}

namespace sd {
struct LiveSystems;
}

namespace sd::cli {

struct Context {
  std::ostream& out;
  std::ostream& err;
  const Environment& env;
};

// Prints errors to err, one per line (at most 100, then a count).
void report(const Context& ctx, const std::vector<Error>& errors);

struct ValidateOptions {
  std::vector<std::string> specs;
};
[[nodiscard]] int run_validate(const ValidateOptions& options, const Context& ctx);

enum class PlanFormat { Text, Json, Markdown };

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

struct PlanOptions {
  std::string spec;
  std::string observed;           // observed-state JSON; empty: read live state
  std::vector<std::string> only;  // address prefixes (--only)
  PlanFormat format = PlanFormat::Text;
  std::string out_file;  // -out: the JSON plan saved for review and a later apply
  bool detailed_exitcode = false;
  bool no_color = false;
  ExchangeReadOptions exchange;
};
[[nodiscard]] int run_plan(const PlanOptions& options, const Context& ctx);

struct GraphOptions {
  std::string spec;
  std::string observed;
  std::vector<std::string> only;
};
[[nodiscard]] int run_graph(const GraphOptions& options, const Context& ctx);

struct DiffOptions {
  std::string spec;
  std::vector<std::string> only;
  bool json = false;
  bool no_color = false;
  ExchangeReadOptions exchange;
};
[[nodiscard]] int run_diff(const DiffOptions& options, const Context& ctx);

struct ApplyOptions {
  std::string input;  // a spec, or a plan saved with plan -out
  std::vector<std::string> only;
  bool auto_approve = false;
  std::string journal;       // default: beside the store
  int64_t lock_timeout = 0;  // seconds to wait for another apply's lock
  bool no_color = false;
  ExchangeReadOptions exchange;
};
[[nodiscard]] int run_apply(const ApplyOptions& options, const Context& ctx);

struct ExportOptions {
  std::string spec;
  std::string observed;  // observed-state JSON; empty: read live state
  bool powershell = false;
  std::string out_file;  // empty: standard output
};
// `export --powershell`: the Exchange part of the plan as a script to review and run by hand.
[[nodiscard]] int run_export(const ExportOptions& options, const Context& ctx);

struct UnlockOptions {
  std::string spec;
  std::string lock_id;
  std::string journal;
};
[[nodiscard]] int run_force_unlock(const UnlockOptions& options, const Context& ctx);

// `lab` and its subcommands (command_lab.cc): defined on `app`, run by run_lab.
struct LabCommand;
[[nodiscard]] std::shared_ptr<LabCommand> define_lab(CLI::App& app);
[[nodiscard]] int run_lab(const LabCommand& command, const Context& ctx);

// A loaded spec with its secrets read: what every command that plans starts from.
struct LoadedInput {
  std::string spec_path;
  LoadedSpec loaded;
  SecretFingerprints fingerprints;
};
// Loads and validates the spec; reads its secrets when `secrets` is set (values kept there).
[[nodiscard]] Result<LoadedInput> load_input(const std::string& spec_path, bool read_secrets,
                                             SecretValues* secrets, const Context& ctx);

// The plan of `desired` (built from `input`) against `observed`, limited to `only`.
[[nodiscard]] Plan plan_against(const LoadedInput& input, DesiredState desired,
                                ObservedState observed, const std::vector<std::string>& only);

// Adds Exchange management (WinRM to exchange.management.url) to `systems`, with the
// management password from `secrets`, when `only` selects an exchange.* type. Nothing is
// opened until it is read. Not for Exchange Online. Errors: a malformed SYNCDEPLOY_CONNECT_TO.
[[nodiscard]] Status attach_exchange_management(LiveSystems& systems, const LoadedInput& input,
                                                const SecretValues& secrets,
                                                const std::vector<std::string>& only,
                                                const Context& ctx);

// What plan, diff and apply read beyond the live systems: the TLS preconditions, and the
// mailboxes of the users whose folder links need ids (only those `only` selects), into
// `observed`. Prints the EWS summary line (time spent throttled) to ctx.err when mailboxes were
// asked. Errors: a malformed SYNCDEPLOY_CONNECT_TO; everything Exchange answers is observed.
[[nodiscard]] Status read_exchange(const LoadedInput& input, const SecretValues& secrets,
                                   const DesiredState& desired,
                                   const std::vector<std::string>& only,
                                   const ExchangeReadOptions& options, ObservedState& observed,
                                   const Context& ctx);

enum class LiveRead { Never, FromFileOrLive };
// spec -> plan. Observed state: from `observed` (a file) when given; else, with
// LiveRead::FromFileOrLive, read from the live systems (read-only) and Exchange; else nothing
// exists.
[[nodiscard]] Result<Plan> compute_plan(const std::string& spec, const std::string& observed,
                                        const std::vector<std::string>& only, LiveRead live,
                                        bool read_secrets, const Context& ctx,
                                        const ExchangeReadOptions& exchange = {});

// The exit code for users that cannot sync when nothing else went wrong (cli.h).
[[nodiscard]] int exit_code_for(const PlanSummary& summary, int otherwise);

// True when color may be used on stdout (a terminal, no --no-color, no NO_COLOR).
[[nodiscard]] bool use_color(bool no_color, const Context& ctx);

}  // namespace sd::cli
