#include "tests/engine/fake_world_support.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sd::test {

std::string FakeSystem::describe() const {
  return side_ == Side::Nexj ? "the fake NexJ side" : "the fake Exchange management";
}

void FakeSystem::observe(const DesiredState&, ObservedState& into) {
  if (unreadable) {
    for (const ResourceType* type : all_resource_types())
      if (manages(*type)) into.failed_types.emplace(std::string(type->name), "access denied");
    return;
  }
  for (const auto& [address, object] : objects) {
    ObservedResource r;
    r.type = object.first;
    r.name = address.substr(address.find('/') + 1);
    r.values = object.second;
    into.resources.push_back(std::move(r));
  }
}

std::vector<ActionResult> FakeSystem::apply(const Plan& plan, std::span<const uint32_t> actions,
                                            const SecretValues&) {
  std::vector<ActionResult> results;
  for (uint32_t i : actions) {
    const Action& a = plan.actions[i];
    const std::string address = a.address();
    log_.push_back(std::string(side_ == Side::Nexj ? "nexj" : "exchange") + " " +
                   std::string(to_string(a.kind)) + " " + address);
    if (fail_on.count(address)) {
      results.push_back({false, "refused by the fake"});
      continue;
    }
    auto& object = objects[address];
    object.first = a.type;
    std::vector<Value>& values = object.second;
    values.resize(a.type->fields.size());
    if (a.kind == ActionKind::Disable) {
      values[static_cast<size_t>(a.type->enabled_field)] = false;
    } else {
      for (const FieldChange& c : a.changes) values[c.field] = c.after;
    }
    // What a live system reads back of a secret is its fingerprint, not the reference.
    for (Value& v : values)
      if (auto* secret = std::get_if<SecretValue>(&v)) secret->reference.clear();
    results.push_back({});
  }
  return results;
}

namespace {

class FakeNexj : public engine::NexjSystems {
 public:
  explicit FakeNexj(FakeSystem& system) : system_(system) {}
  std::vector<LiveSystem*> all() override { return {&system_}; }
  Status prepare_for_writing() override { return ok_status(); }

 private:
  FakeSystem& system_;
};

// Every secret of the examples has the value "<variable name>-value".
class FakeSecrets : public SecretSource {
 public:
  Result<std::string> read(const SecretRef& ref) const override { return ref.name + "-value"; }
};

}  // namespace

FakeWorld::FakeWorld(const std::string& spec_file) {
  char pattern[] = "/tmp/sd-engine-XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  dir_ = pattern;
  spec_path_ = dir_ + "/" + std::filesystem::path(spec_file).filename().string();
  std::ifstream in(spec_file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  REQUIRE(in.good());
  files_.files[spec_path_] = text.str();
}

FakeWorld::~FakeWorld() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<SecretSource> FakeWorld::secrets_for(const std::string&) const {
  return std::make_unique<FakeSecrets>();
}

Result<std::unique_ptr<engine::NexjSystems>> FakeWorld::open_nexj(const engine::LivePaths&) {
  return std::unique_ptr<engine::NexjSystems>(std::make_unique<FakeNexj>(nexj));
}

std::unique_ptr<LiveSystem> FakeWorld::open_exchange_management(const engine::ExchangeAccess&) {
  // A view of the one fake Exchange, which outlives every apply.
  struct View : LiveSystem {
    explicit View(FakeSystem& system) : s(system) {}
    std::string describe() const override { return s.describe(); }
    bool manages(const ResourceType& type) const override { return s.manages(type); }
    void observe(const DesiredState& d, ObservedState& into) override { s.observe(d, into); }
    std::vector<ActionResult> apply(const Plan& p, std::span<const uint32_t> a,
                                    const SecretValues& v) override {
      return s.apply(p, a, v);
    }
    FakeSystem& s;
  };
  return std::make_unique<View>(exchange);
}

std::vector<PreconditionCheck> FakeWorld::check_preconditions(const engine::ExchangeAccess&) {
  PreconditionCheck nexj_url;
  nexj_url.name = "TLS of nexj.url (crm.example.local)";
  nexj_url.endpoint = "https://crm.example.local/nexj";
  nexj_url.status = tls_fails ? PreconditionCheck::Status::Failed : PreconditionCheck::Status::Ok;
  nexj_url.detail = tls_fails ? "certificate verify failed" : "verified";
  return {nexj_url};
}

Result<MailboxCheckReport> FakeWorld::ask_mailboxes(const engine::ExchangeAccess&,
                                                    const std::vector<MailboxToCheck>& users,
                                                    unsigned, ObservedState& observed) {
  log.push_back("mailboxes asked: " + std::to_string(users.size()));
  MailboxCheckReport report;
  report.asked = users.size();
  // Impersonation is what the Exchange side makes: without it every mailbox refuses.
  const bool impersonation = !mailboxes_need_exchange_side || !exchange.objects.empty();
  for (const MailboxToCheck& user : users) {
    MailboxObservation answer;
    if (no_mailbox.count(user.email)) {
      answer.status = MailboxObservation::Status::CannotSync;
      answer.reason = "no such mailbox (ErrorNonExistentMailbox)";
      ++report.cannot_sync;
    } else if (!impersonation) {
      answer.status = MailboxObservation::Status::CannotSync;
      answer.reason = "impersonation denied (ErrorImpersonateUserDenied)";
      ++report.cannot_sync;
    } else {
      answer.status = MailboxObservation::Status::Ok;
      for (const std::string& folder : user.folders)
        answer.folder_ids[folder] = folder + "-of-" + user.email;
    }
    std::string key = user.email;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    observed.mailboxes[key] = std::move(answer);
  }
  return report;
}

void RecordingConversation::resuming(const InterruptedRun& run) {
  said.push_back("resuming plan " + run.plan_id + ": " + std::to_string(run.finished) + " of " +
                 std::to_string(run.action_count));
}

void RecordingConversation::not_in_plan(size_t count, bool saved_plan) {
  said.push_back("not in the " + std::string(saved_plan ? "saved plan" : "plan") + ": " +
                 std::to_string(count));
}

void RecordingConversation::nothing_to_do(NothingToDo why, const Plan&, size_t already_done) {
  said.push_back(why == NothingToDo::NoChanges ? "no changes"
                 : why == NothingToDo::NothingElse
                     ? "nothing else"
                     : "nothing left: " + std::to_string(already_done));
}

void RecordingConversation::applying_saved_plan(const std::string&, const std::string&,
                                                size_t to_do, size_t already_done, size_t refused) {
  said.push_back("saved plan: " + std::to_string(to_do) + " to do, " +
                 std::to_string(already_done) + " already done, " + std::to_string(refused) +
                 " refused");
}

void RecordingConversation::showing_plan(const Plan& plan) {
  said.push_back("plan: " + std::to_string(plan.summary.create) + " create, " +
                 std::to_string(plan.summary.update) + " update");
}

engine::ApplyConversation::Answer RecordingConversation::confirm(const Plan&, size_t changes) {
  said.push_back("confirm " + std::to_string(changes));
  return answer;
}

void RecordingConversation::exchange_side_done(size_t changed) {
  said.push_back("exchange side done: " + std::to_string(changed));
}

}  // namespace sd::test
