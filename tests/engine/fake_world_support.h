// A World for the engine's tests: the spec and saved plans in memory, the NexJ side and Exchange
// management as in-memory live systems that do what the actions say, Exchange's mailboxes
// answering with made-up folder ids, and a log of what was done in what order. The journal and
// its lock are real SQLite files in a temporary folder (where live_paths puts them).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/apply_session.h"
#include "engine/world.h"

namespace sd::test {

// Objects of the types one side manages, kept as the live system would hold them.
class FakeSystem : public LiveSystem {
 public:
  FakeSystem(Side side, std::vector<std::string>& log) : side_(side), log_(log) {}
  std::string describe() const override;
  bool manages(const ResourceType& type) const override { return type.side == side_; }
  void observe(const DesiredState& desired, ObservedState& into) override;
  std::vector<ActionResult> apply(const Plan& plan, std::span<const uint32_t> actions,
                                  const SecretValues& secrets) override;

  // address -> values (one per field of the type)
  std::map<std::string, std::pair<const ResourceType*, std::vector<Value>>> objects;
  std::set<std::string> fail_on;  // addresses whose actions fail
  bool unreadable = false;        // observe marks every managed type failed

 private:
  Side side_;
  std::vector<std::string>& log_;
};

class FakeWorld : public engine::World {
 public:
  // The spec `spec_file` (a file of the repository) copied into a temporary folder.
  explicit FakeWorld(const std::string& spec_file);
  ~FakeWorld() override;

  const std::string& spec_path() const { return spec_path_; }
  // A file the engine reads (a saved plan), in memory.
  void put_file(const std::string& path, std::string text) { files_.files[path] = std::move(text); }

  const SourceFiles& files() const override { return files_; }
  std::optional<std::string> env(const std::string&) const override { return std::nullopt; }
  std::unique_ptr<SecretSource> secrets_for(const std::string& spec_path) const override;
  const Checkpoints& checkpoints() const override { return checkpoints_; }
  void progress(std::string_view line) override { log.push_back("progress: " + std::string(line)); }

  Result<std::unique_ptr<engine::NexjSystems>> open_nexj(const engine::LivePaths& paths) override;
  std::unique_ptr<LiveSystem> open_exchange_management(const engine::ExchangeAccess&) override;
  std::vector<PreconditionCheck> check_preconditions(const engine::ExchangeAccess&) override;
  Result<MailboxCheckReport> ask_mailboxes(const engine::ExchangeAccess&,
                                           const std::vector<MailboxToCheck>& users,
                                           unsigned concurrency, ObservedState& observed) override;

  // What happened, in order: "nexj apply nexj.target/EXCH01 create", "exchange apply ...",
  // "mailboxes asked: 3", "progress: ...".
  std::vector<std::string> log;
  FakeSystem nexj{Side::Nexj, log};
  FakeSystem exchange{Side::Exchange, log};
  // Mailboxes that cannot sync, by email; the rest answer Ok with ids "<folder>-of-<email>".
  std::set<std::string> no_mailbox;
  bool tls_fails = false;  // the NexJ URL's TLS check fails
  // Until the Exchange side was applied, mailboxes cannot be asked (they would be refused).
  bool mailboxes_need_exchange_side = true;

 private:
  std::string dir_;
  std::string spec_path_;
  MemoryFiles files_;
  Checkpoints checkpoints_;
};

// Records what apply says and answers its confirmation as told.
struct RecordingConversation : engine::ApplyConversation {
  Answer answer = Answer::Yes;
  std::vector<std::string> said;
  void resuming(const InterruptedRun& run) override;
  void not_in_plan(size_t count, bool saved_plan) override;
  void nothing_to_do(NothingToDo why, const Plan& plan, size_t already_done) override;
  void applying_saved_plan(const std::string& plan_file, const std::string& plan_id, size_t to_do,
                           size_t already_done, size_t refused) override;
  void showing_plan(const Plan& plan) override;
  Answer confirm(const Plan& plan, size_t changes) override;
  void starting() override { said.push_back("starting"); }
  void exchange_side_done(size_t changed) override;
  void warning(const std::string& text) override { said.push_back("warning: " + text); }
};

}  // namespace sd::test
