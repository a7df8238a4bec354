// The World of production: files from the disk, secrets from the environment and files, the
// NexJ side through runtime/nexj, Exchange through runtime/exchange and the one HTTPS client.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "engine/world.h"

namespace sd::engine {

// Lines that say how far long work is while it runs (asking the mailboxes), every `interval`;
// each says all there is, so that a terminal may show only the last.
struct ProgressUpdates {
  std::function<void(std::string_view line)> say;
  std::chrono::milliseconds interval{10'000};
};

class RuntimeWorld : public World {
 public:
  using GetEnv = std::function<std::optional<std::string>(const std::string&)>;
  using Say = std::function<void(std::string_view line)>;
  // `get_env` reads the environment (default: the process's); `progress` gets progress lines.
  // `variables`: the values of the spec's variables the command line gave.
  RuntimeWorld(GetEnv get_env, Say progress, Checkpoints checkpoints = {},
               ProgressUpdates updates = {}, VariableArguments variables = {});
  ~RuntimeWorld() override;

  const SourceFiles& files() const override;
  const VariableArguments& variables() const override { return variables_; }
  std::optional<std::string> env(const std::string& name) const override;
  std::unique_ptr<SecretSource> secrets_for(const std::string& spec_path) const override;
  const Checkpoints& checkpoints() const override { return checkpoints_; }
  void progress(std::string_view line) override;
  // A running line at most every ProgressUpdates::interval ("apply: 40000 of 300000 actions
  // done, ..."), and a final line when one was shown.
  void apply_progress(size_t finished, size_t total, std::string_view system) override;

  Result<std::unique_ptr<NexjSystems>> open_nexj(const LivePaths& paths) override;
  std::unique_ptr<LiveSystem> open_exchange_management(const ExchangeAccess& access) override;
  std::vector<PreconditionCheck> check_preconditions(const ExchangeAccess& access) override;
  Result<MailboxCheckReport> ask_mailboxes(const ExchangeAccess& access,
                                           const std::vector<MailboxToCheck>& users,
                                           unsigned concurrency, ObservedState& observed) override;

 private:
  GetEnv get_env_;
  Say progress_;
  Checkpoints checkpoints_;
  ProgressUpdates updates_;
  VariableArguments variables_;
  std::unique_ptr<SourceFiles> disk_;
  std::chrono::steady_clock::time_point apply_started_, apply_said_;
  bool apply_shown_ = false;  // a running line of this run was shown
};

}  // namespace sd::engine
