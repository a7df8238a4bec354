// What every command shares: how errors are listed, when color is used, the exit code of
// users that cannot sync, and the world the commands run in.
#include <algorithm>
#include <ostream>

#include "cli/commands.h"

namespace sd::cli {

void report(const Context& ctx, const std::vector<Error>& errors) {
  // A CSV with thousands of bad rows must not bury the first errors: they are the useful ones.
  constexpr size_t kMaxShown = 100;
  if (errors.size() <= kMaxShown) {
    ctx.err << format_all(errors);
    return;
  }
  ctx.err << format_all(std::vector<Error>(errors.begin(), errors.begin() + kMaxShown));
  ctx.err << "syncdeploy: " << errors.size() - kMaxShown << " more errors not shown ("
          << errors.size() << " in all)\n";
}

bool use_color(bool no_color, const Context& ctx) {
  // NO_COLOR (https://no-color.org): present and not empty disables color.
  if (no_color || !ctx.env.stdout_is_terminal) return false;
  std::optional<std::string> value = ctx.env.get_env("NO_COLOR");
  return !value || value->empty();
}

TextStyle text_style(bool no_color, bool verbose, const Context& ctx) {
  return TextStyle{use_color(no_color, ctx), verbose ? PlanDetail::Full : PlanDetail::Grouped};
}

int exit_code_for(const PlanSummary& summary, int otherwise) {
  return otherwise == kExitOk && summary.cannot_sync > 0 ? kExitUsersBlocked : otherwise;
}

engine::RuntimeWorld world_of(const Context& ctx) {
  // On a terminal the running line is redrawn in place ("\r", then erase to the end of the
  // line) and the next final line takes its place; elsewhere each is a line of its own.
  const bool terminal = ctx.env.stderr_is_terminal;
  engine::ProgressUpdates updates;
  updates.interval = terminal ? std::min(std::chrono::milliseconds(1000), ctx.env.progress_interval)
                              : ctx.env.progress_interval;
  updates.say = [&ctx, terminal](std::string_view line) {
    if (terminal)
      ctx.err << "\r\x1b[K" << line << std::flush;
    else
      ctx.err << line << "\n" << std::flush;
  };
  return engine::RuntimeWorld(
      ctx.env.get_env,
      [&ctx, terminal](std::string_view line) {
        ctx.err << (terminal ? "\r\x1b[K" : "") << line << "\n";
      },
      ctx.env.checkpoints, std::move(updates),
      ctx.variables ? *ctx.variables : engine::VariableArguments{});
}

}  // namespace sd::cli
