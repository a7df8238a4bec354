#include "engine/runtime_world.h"

#include <set>

#include "base/disk_files.h"
#include "base/process_env.h"
#include "base/text_checks.h"
#include "engine/live_paths.h"
#include "runtime/exchange/exchange_management.h"
#include "runtime/exchange/precondition_checks.h"
#include "runtime/local_secret_source.h"
#include "runtime/nexj/config_store.h"
#include "runtime/nexj/environment_file.h"

namespace sd::engine {
namespace {

class RuntimeNexj : public NexjSystems {
 public:
  RuntimeNexj(LivePaths paths, const Checkpoints& checkpoints)
      : paths_(std::move(paths)), checkpoints_(checkpoints) {}

  Status open() {
    environment_ = std::make_unique<EnvironmentFile>(paths_.environment_file, checkpoints_);
    Result<std::unique_ptr<ConfigStore>> store = open_config_store_for_reading(paths_.store);
    if (!store.ok()) return store.take_errors();
    store_ = std::move(store).value();
    return ok_status();
  }

  std::vector<LiveSystem*> all() override { return {environment_.get(), store_.get()}; }

  Status prepare_for_writing() override {
    // A fresh deployment's folders (env/, state/) are made, as the files in them will be.
    for (const std::string* file : {&paths_.environment_file, &paths_.store})
      if (Status made = create_folder_of(*file); !made.ok()) return made;
    Result<std::unique_ptr<ConfigStore>> store =
        open_config_store_for_writing(paths_.store, checkpoints_);
    if (!store.ok()) return store.take_errors();
    store_ = std::move(store).value();
    return ok_status();
  }

 private:
  LivePaths paths_;
  const Checkpoints& checkpoints_;
  std::unique_ptr<EnvironmentFile> environment_;
  std::unique_ptr<ConfigStore> store_;
};

}  // namespace

RuntimeWorld::RuntimeWorld(GetEnv get_env, Say progress, Checkpoints checkpoints,
                           ProgressUpdates updates, VariableArguments variables)
    : get_env_(get_env ? std::move(get_env) : GetEnv(process_env)),
      progress_(std::move(progress)),
      checkpoints_(std::move(checkpoints)),
      updates_(std::move(updates)),
      variables_(std::move(variables)),
      disk_(std::make_unique<DiskFiles>()) {}

RuntimeWorld::~RuntimeWorld() = default;

const SourceFiles& RuntimeWorld::files() const {
  return *disk_;
}

std::optional<std::string> RuntimeWorld::env(const std::string& name) const {
  return get_env_(name);
}

std::unique_ptr<SecretSource> RuntimeWorld::secrets_for(const std::string& spec_path) const {
  return std::make_unique<LocalSecretSource>(spec_path, get_env_);
}

void RuntimeWorld::progress(std::string_view line) {
  if (progress_) progress_(line);
}

void RuntimeWorld::apply_progress(size_t finished, size_t total, std::string_view system) {
  using std::chrono::steady_clock;
  const steady_clock::time_point now = steady_clock::now();
  if (finished == 0 && !system.empty()) {  // a run starts (apply may run two: Exchange, then NexJ)
    apply_started_ = apply_said_ = now;
    apply_shown_ = false;
    return;
  }
  const double seconds = std::chrono::duration<double>(now - apply_started_).count();
  if (system.empty()) {
    if (apply_shown_ && progress_)
      progress_("apply: " + std::to_string(finished) + " actions finished in " +
                std::to_string(static_cast<int64_t>(seconds + 0.5)) + " s");
    apply_shown_ = false;
    return;
  }
  if (!updates_.say || now - apply_said_ < updates_.interval) return;
  apply_said_ = now;
  apply_shown_ = true;
  std::string line = "apply: " + std::to_string(finished) + " of " + std::to_string(total) +
                     " actions done in " + std::to_string(static_cast<int64_t>(seconds)) + " s";
  if (seconds > 0 && finished > 0) {
    const double rate = static_cast<double>(finished) / seconds;
    // Exchange's batches go a few actions a second: tenths, not "0/s".
    const int64_t tenths = static_cast<int64_t>(rate * 10);
    line += ", " +
            (rate < 10 ? std::to_string(tenths / 10) + "." + std::to_string(tenths % 10)
                       : std::to_string(tenths / 10)) +
            "/s, about " +
            std::to_string(static_cast<int64_t>(static_cast<double>(total - finished) / rate) + 1) +
            " s left";
  }
  line += "; now writing to ";
  line += printable(system);  // a path or URL from the spec
  updates_.say(line);
}

Result<std::unique_ptr<NexjSystems>> RuntimeWorld::open_nexj(const LivePaths& paths) {
  auto nexj = std::make_unique<RuntimeNexj>(paths, checkpoints_);
  if (Status opened = nexj->open(); !opened.ok()) return opened.take_errors();
  return std::unique_ptr<NexjSystems>(std::move(nexj));
}

std::unique_ptr<LiveSystem> RuntimeWorld::open_exchange_management(const ExchangeAccess& access) {
  const Spec& spec = access.spec;
  return std::make_unique<ExchangeManagement>(
      spec.exchange.management.url, spec.exchange.version,
      management_channel_factory(spec, access.spec_path, access.secrets, access.connect_to,
                                 access.default_ca));
}

std::vector<PreconditionCheck> RuntimeWorld::check_preconditions(const ExchangeAccess& access) {
  return sd::check_preconditions(access.spec, access.spec_path, access.connect_to,
                                 access.default_ca);
}

Result<MailboxCheckReport> RuntimeWorld::ask_mailboxes(const ExchangeAccess& access,
                                                       const std::vector<MailboxToCheck>& users,
                                                       unsigned concurrency,
                                                       ObservedState& observed) {
  Result<std::map<std::string, EwsEndpoint>> endpoints =
      ews_endpoints(access.spec, access.spec_path, access.secrets, access.default_ca);
  if (!endpoints.ok()) return endpoints.take_errors();
  std::set<std::string> servers;
  for (auto& [target, e] : *endpoints) {
    e.connect_to = access.connect_to;
    e.scheduling.concurrency = concurrency;
    servers.insert(e.url);
    // A server whose TLS check failed is not asked: every request would fail the same way,
    // slowly (timeouts, retries), and its users are unknown for that reason.
    for (const PreconditionCheck& c : observed.checks)
      if (c.endpoint == e.url && c.status == PreconditionCheck::Status::Failed)
        e.unusable = "the TLS check of " + c.name + " failed: " + c.detail;
  }
  MailboxProgressReporting reporting;
  if (updates_.say) {
    reporting.interval = updates_.interval;
    reporting.report = [this](const MailboxProgress& now) { updates_.say(now.line()); };
  }
  return check_mailboxes(
      users, *endpoints, [](const EwsEndpoint& e) { return EwsClient::create(e); },
      concurrency * static_cast<unsigned>(std::max<size_t>(1, servers.size())), observed,
      reporting);
}

}  // namespace sd::engine
