// The commands of the CLI. Each takes its parsed options and a Context, prints, and returns an
// exit code (cli.h). Parsing lives in cli.cc.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "cli/cli.h"
#include "engine/exchange_reads.h"
#include "engine/runtime_world.h"
#include "plan/plan.h"
#include "render/render.h"

namespace CLI {
class App;
}

namespace sd::cli {

struct Context {
  std::ostream& out;
  std::ostream& err;
  const Environment& env;
  // The spec's variables as given (--var, --var-file); none when null.
  const engine::VariableArguments* variables = nullptr;
};

// Prints errors to err, one per line (at most 100, then a count).
void report(const Context& ctx, const std::vector<Error>& errors);

struct ValidateOptions {
  std::vector<std::string> specs;
};
[[nodiscard]] int run_validate(const ValidateOptions& options, const Context& ctx);

enum class PlanFormat { Text, Json, Markdown };

using engine::ExchangeReadOptions;

struct PlanOptions {
  std::string spec;
  std::string observed;           // observed-state JSON; empty: read live state
  std::vector<std::string> only;  // address prefixes (--only)
  PlanFormat format = PlanFormat::Text;
  std::string out_file;  // -out: the JSON plan saved for review and a later apply
  bool detailed_exitcode = false;
  bool no_color = false;
  bool verbose = false;  // every field of every action, folder links one by one
  // No secret is read and Exchange is not asked (a pull request nobody trusts yet): the plan
  // says it cannot be applied, everything else is planned.
  bool without_secrets = false;
  ExchangeReadOptions exchange;
};
[[nodiscard]] int run_plan(const PlanOptions& options, const Context& ctx);

struct ShowOptions {
  std::string plan_file;  // a plan saved with plan -out
  PlanFormat format = PlanFormat::Text;
  bool no_color = false;
  bool verbose = false;
};
// `show PLANFILE`: the saved plan rendered again from the file alone (no spec, secret or live
// system). 0 when rendered, 1 when the file cannot be read or is not a plan of this format.
[[nodiscard]] int run_show(const ShowOptions& options, const Context& ctx);

// The plan as text (in `style`), JSON or Markdown: what plan and show print.
void render_plan(const Plan& plan, PlanFormat format, const TextStyle& style, std::ostream& out);

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
  bool verbose = false;  // the whole plan before asking, however large
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

struct ImportOptions {
  std::string spec;               // the spec to start from (connections, secret references)
  std::string out_dir;            // where to write the spec and its users CSV
  std::string observed;           // observed-state JSON; empty: read live state
  std::vector<std::string> only;  // the types to import; the rest is the start spec's
  std::string service_account;    // the account to start from instead of the spec's
};
// `import`: a spec and users CSV written from live state (engine/import_session.h).
[[nodiscard]] int run_import(const ImportOptions& options, const Context& ctx);

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

// The world of the commands: the process's (or the test's) environment, progress lines on
// ctx.err, the crash tests' checkpoints.
[[nodiscard]] engine::RuntimeWorld world_of(const Context& ctx);

// The exit code for users that cannot sync when nothing else went wrong (cli.h).
[[nodiscard]] int exit_code_for(const PlanSummary& summary, int otherwise);

// True when color may be used on stdout (a terminal, no --no-color, no NO_COLOR).
[[nodiscard]] bool use_color(bool no_color, const Context& ctx);
// The text style of plan and show: colors as use_color() says, every field with --verbose.
[[nodiscard]] TextStyle text_style(bool no_color, bool verbose, const Context& ctx);

}  // namespace sd::cli
