// The commands of the CLI. Each takes its parsed options and a Context, prints, and returns an
// exit code (cli.h). Parsing lives in cli.cc.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "compiler/error.h"
#include "compiler/plan.h"

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

struct PlanOptions {
  std::string spec;
  std::string observed;  // observed-state JSON; empty: plan as if nothing exists yet
  PlanFormat format = PlanFormat::Text;
  std::string out_file;  // -out: the JSON plan saved for review and a later apply
  bool detailed_exitcode = false;
  bool no_color = false;
};
[[nodiscard]] int run_plan(const PlanOptions& options, const Context& ctx);

struct GraphOptions {
  std::string spec;
  std::string observed;
};
[[nodiscard]] int run_graph(const GraphOptions& options, const Context& ctx);

// spec (+ observed) -> plan. `resolve_secrets` false skips reading secrets (graph needs none).
[[nodiscard]] Result<Plan> compute_plan(const std::string& spec, const std::string& observed,
                                        bool resolve_secrets, const Context& ctx);

}  // namespace sd::cli
