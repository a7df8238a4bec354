// Everything the engine does to the world, behind one interface passed in: reading files and
// secrets, opening the live systems, asking Exchange. Production passes RuntimeWorld
// (engine/runtime_world.h), which wires the runtime; the engine's tests pass fakes, so plan and
// apply (two phases, recovery, saved plans) are tested without a disk, a network or stdout.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/checkpoints.h"
#include "base/error.h"
#include "base/source_files.h"
#include "engine/live_paths.h"
#include "plan/observed_state.h"
#include "runtime/exchange/mailbox_checks.h"
#include "runtime/http/https_url.h"
#include "runtime/live_system.h"
#include "spec/secrets.h"
#include "spec/spec.h"

namespace sd::engine {

// The NexJ side of a deployment (the environment file and the configuration store) as the
// world opened it: for reading first, then, before apply writes, for writing.
class NexjSystems {
 public:
  virtual ~NexjSystems() = default;
  [[nodiscard]] virtual std::vector<LiveSystem*> all() = 0;
  // Makes the folders of a fresh deployment and reopens the store for writing (creating and
  // migrating it when needed). The environment file keeps what it observed, so that it can
  // refuse to write over a file that changed since.
  [[nodiscard]] virtual Status prepare_for_writing() = 0;
};

// The spec's variables as the command line gave them: `--var NAME=VALUE` and `--var-file FILE`
// (spec/variables.h), in order; the files are read through World::files().
struct VariableArguments {
  std::vector<std::string> assignments;
  std::vector<std::string> files;
};

// What reaching Exchange takes: the spec (servers, management endpoint, CA file), the secrets'
// values, and how this machine reaches the hosts (SYNCDEPLOY_CONNECT_TO, the default roots).
struct ExchangeAccess {
  const Spec& spec;
  const std::string& spec_path;
  const SecretValues& secrets;
  std::vector<http::ConnectTo> connect_to;
  std::string default_ca;  // SSL_CERT_FILE's value, or empty for the system roots
};

class World {
 public:
  virtual ~World() = default;

  // The spec, its user lists, saved plans and observed-state files.
  [[nodiscard]] virtual const SourceFiles& files() const = 0;
  // The values of the spec's variables this run was given (none by default).
  [[nodiscard]] virtual const VariableArguments& variables() const {
    static const VariableArguments kNone;
    return kNone;
  }
  // An environment variable: SYNCDEPLOY_CONNECT_TO, SSL_CERT_FILE.
  [[nodiscard]] virtual std::optional<std::string> env(const std::string& name) const = 0;
  // Where the spec's `${env:...}` and `${file:...}` secrets are read from.
  [[nodiscard]] virtual std::unique_ptr<SecretSource> secrets_for(
      const std::string& spec_path) const = 0;
  // Crash points inside apply (the crash tests); none in production.
  [[nodiscard]] virtual const Checkpoints& checkpoints() const = 0;
  // One line of progress (the CLI prints it on standard error), e.g. what asking the
  // mailboxes took.
  virtual void progress(std::string_view line) = 0;
  // Progress of apply's writes (ExecutionHooks::progress): `finished` of `total` actions, and the
  // live system the next batch goes to ("" at the end). The world decides how often to show it;
  // by default it shows nothing.
  virtual void apply_progress(size_t /*finished*/, size_t /*total*/, std::string_view /*system*/) {}

  // The environment file and the configuration store, opened for reading: nothing is created
  // or changed, and a missing file reads as empty (a fresh deployment). Errors name the file.
  [[nodiscard]] virtual Result<std::unique_ptr<NexjSystems>> open_nexj(const LivePaths& paths) = 0;
  // Exchange management (steps 1 and 2) over the spec's management endpoint; nothing is opened
  // until it is read.
  [[nodiscard]] virtual std::unique_ptr<LiveSystem> open_exchange_management(
      const ExchangeAccess& access) = 0;
  // The TLS preconditions: the NexJ URL and every EWS endpoint probed.
  [[nodiscard]] virtual std::vector<PreconditionCheck> check_preconditions(
      const ExchangeAccess& access) = 0;
  // Asks Exchange about `users`' mailboxes (at most `concurrency` requests in flight per
  // server) and writes the answers into `observed.mailboxes`; endpoints whose TLS check in
  // `observed.checks` failed are not asked. Errors: the spec's endpoints cannot be set up
  // (a secret missing); everything Exchange answers is observed.
  [[nodiscard]] virtual Result<MailboxCheckReport> ask_mailboxes(
      const ExchangeAccess& access, const std::vector<MailboxToCheck>& users, unsigned concurrency,
      ObservedState& observed) = 0;
};

}  // namespace sd::engine
