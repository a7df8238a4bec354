#include "runtime/exchange/mailbox_checks.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "base/source_files.h"
#include "base/text_checks.h"
#include "plan/selection.h"
#include "runtime/exchange/sign_in.h"

namespace sd {
namespace {

MailboxObservation observation_of(const MailboxFolders& answer) {
  MailboxObservation o;
  switch (answer.status) {
    case MailboxFolders::Status::Ok:
      o.status = MailboxObservation::Status::Ok;
      break;
    case MailboxFolders::Status::NoMailbox:
    case MailboxFolders::Status::Denied:
    case MailboxFolders::Status::Unusable:
      o.status = MailboxObservation::Status::CannotSync;
      break;
    case MailboxFolders::Status::Failed:
      o.status = MailboxObservation::Status::Unknown;
      break;
  }
  o.reason = answer.reason;
  for (const auto& [folder, id] : answer.folder_ids) o.folder_ids.emplace(folder, id);
  return o;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

// "12 s", "4 min", "2 h 5 min": a duration as a person reads a progress line.
std::string rough_duration(std::chrono::milliseconds duration) {
  const int64_t seconds = (duration.count() + 500) / 1000;
  if (seconds < 90) return std::to_string(seconds) + " s";
  const int64_t minutes = (seconds + 30) / 60;
  if (minutes < 90) return std::to_string(minutes) + " min";
  return std::to_string(minutes / 60) + " h " + std::to_string(minutes % 60) + " min";
}

// Calls reporting.report(measure()) every reporting.interval on a thread of its own until
// stop(); nothing when there is no report to make.
class ProgressTicker {
 public:
  ProgressTicker(const MailboxProgressReporting& reporting,
                 std::function<MailboxProgress()> measure)
      : reporting_(reporting), measure_(std::move(measure)) {
    if (!reporting_.report || reporting_.interval.count() <= 0) return;
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {
      // No thread to spare: no progress lines, the checks themselves go on.
    }
  }
  ~ProgressTicker() { stop(); }
  ProgressTicker(const ProgressTicker&) = delete;
  ProgressTicker& operator=(const ProgressTicker&) = delete;

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, reporting_.interval, [this] { return stopping_; })) {
      lock.unlock();
      reporting_.report(measure_());
      lock.lock();
    }
  }

  const MailboxProgressReporting& reporting_;
  std::function<MailboxProgress()> measure_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

Result<std::map<std::string, EwsEndpoint>> ews_endpoints(const Spec& spec,
                                                         const std::string& spec_path,
                                                         const SecretValues& secrets,
                                                         const std::string& default_ca_file) {
  const ServiceAccount& account = spec.exchange.serviceAccount;
  std::string password;
  if (account.password) {
    auto found = secrets.find(account.password->text());
    if (found == secrets.end())
      return make_error("the service account's password " + account.password->text() +
                        " was not read");
    password = found->second;
  }
  std::map<std::string, EwsEndpoint> out;
  for (const Target& target : spec.nexj.targets) {
    for (const ExchangeServer& server : spec.exchange.servers) {
      if (server.name != target.server) continue;
      EwsEndpoint e;
      e.url = server.ewsUrl;
      e.ca_file = spec.exchange.caFile.empty() ? default_ca_file
                                               : resolve_relative(spec_path, spec.exchange.caFile);
      e.user = account.upn.empty() ? account.identity : account.upn;
      // With a keytab, syncdeploy signs in with it; the password then serves only the sender
      // channels and `create` (docs/spec-reference.md).
      e.password = account.keytab.empty() ? password : "";
      e.auth = http_auth_method(account.auth);
      e.keytab = account.keytab.empty() ? "" : resolve_relative(spec_path, account.keytab);
      e.spn = server.spn;
      e.version = spec.exchange.version;
      out.emplace(target.name, std::move(e));
    }
  }
  return out;
}

std::string MailboxCheckReport::summary() const {
  std::string out = "Exchange: asked " + std::to_string(asked) +
                    (asked == 1 ? " mailbox" : " mailboxes") + " on " + std::to_string(endpoints) +
                    (endpoints == 1 ? " server" : " servers") + " in " + seconds_text(elapsed);
  if (cannot_sync) out += "; " + std::to_string(cannot_sync) + " cannot sync";
  if (failed) out += "; " + std::to_string(failed) + " could not be checked";
  if (scheduling.throttled == 0)
    out += "; not throttled";
  else
    out += "; throttled " + std::to_string(scheduling.throttled) +
           (scheduling.throttled == 1 ? " time, " : " times, ") +
           seconds_text(scheduling.throttled_time) + " spent throttled";
  // The time lost to a server that does not answer, said as plainly as the time throttled.
  if (scheduling.stalls == 0) return out;
  out += "; " + std::to_string(scheduling.stalls) +
         (scheduling.stalls == 1 ? " request got" : " requests got") + " no answer (" +
         seconds_text(scheduling.stalled_time) + " waited on them in all)";
  if (endpoints_stopped)
    out += "; " + std::to_string(endpoints_stopped) +
           (endpoints_stopped == 1 ? " server" : " servers") + " not asked again";
  return out;
}

std::string MailboxProgress::line() const {
  std::string out = "Exchange: asked " + std::to_string(asked) + " of " + std::to_string(total) +
                    (total == 1 ? " mailbox" : " mailboxes") + " in " + rough_duration(elapsed);
  const double seconds = static_cast<double>(elapsed.count()) / 1000.0;
  // No rate, and so no time left, before the first answers.
  const double rate = asked > 0 && seconds > 0 ? static_cast<double>(asked) / seconds : 0;
  if (rate > 0) {
    char text[32];
    std::snprintf(text, sizeof text, " (%.0f/s)", rate);
    out += text;
  }
  if (throttled.count() > 0) out += "; " + seconds_text(throttled) + " throttled";
  if (rate > 0 && asked < total)
    out += "; about " +
           rough_duration(std::chrono::milliseconds(
               static_cast<int64_t>(static_cast<double>(total - asked) / rate * 1000.0))) +
           " left";
  return out;
}

std::chrono::milliseconds mailbox_phase_budget(size_t users, unsigned concurrency) {
  const auto per_connection = (users + std::max(1u, concurrency) - 1) / std::max(1u, concurrency);
  return std::chrono::minutes(5) + std::chrono::seconds(per_connection);
}

MailboxCheckReport check_mailboxes(const std::vector<MailboxToCheck>& users,
                                   const std::map<std::string, EwsEndpoint>& endpoints,
                                   const EwsClientFactory& open_client, unsigned threads,
                                   ObservedState& observed,
                                   const MailboxProgressReporting& progress) {
  MailboxCheckReport report;
  if (users.empty()) return report;
  const auto started = std::chrono::steady_clock::now();

  // One client per endpoint URL, opened before the workers start (no lock on the hot path).
  struct Client {
    std::unique_ptr<EwsClient> client;
    std::string error;
    unsigned connections = 1;
    std::vector<size_t> users;  // the indices of its users
  };
  std::map<std::string, Client> clients;
  std::vector<const Client*> client_of(users.size(), nullptr);
  std::vector<std::string> missing(users.size());
  for (size_t i = 0; i < users.size(); ++i) {
    auto e = endpoints.find(users[i].target);
    if (e == endpoints.end()) {
      missing[i] = "target " + users[i].target + " has no Exchange server in the spec";
      continue;
    }
    auto [slot, added] = clients.try_emplace(e->second.url);
    // As the scheduler: the first target's settings for a server that several share.
    if (added) slot->second.connections = std::max(1u, e->second.scheduling.concurrency);
    slot->second.users.push_back(i);
    if (added && !e->second.unusable.empty()) {
      slot->second.error = "not asked: " + e->second.unusable;
    } else if (added) {
      EwsEndpoint endpoint = e->second;
      if (endpoint.scheduling.deadline == std::chrono::steady_clock::time_point::max()) {
        const size_t share = static_cast<size_t>(
            std::count_if(users.begin(), users.end(), [&](const MailboxToCheck& u) {
              auto t = endpoints.find(u.target);
              return t != endpoints.end() && t->second.url == endpoint.url;
            }));
        const std::chrono::milliseconds budget =
            mailbox_phase_budget(share, endpoint.scheduling.concurrency);
        endpoint.scheduling.deadline = started + budget;
        endpoint.scheduling.deadline_why = "the mailbox checks ran past their " +
                                           seconds_text(budget) + " for " + std::to_string(share) +
                                           " mailboxes on this server";
      }
      Result<std::unique_ptr<EwsClient>> opened = open_client(endpoint);
      if (opened.ok())
        slot->second.client = std::move(opened).value();
      else
        slot->second.error = opened.errors().front().message;
    }
    client_of[i] = &slot->second;
  }

  // The progress line's ticker: every interval, what the endpoints' schedulers have sent.
  ProgressTicker ticker(progress, [&] {
    MailboxProgress now;
    now.total = users.size();
    for (const auto& [url, c] : clients) {
      if (!c.client) continue;
      http::SchedulerStats s = c.client->stats();
      now.asked += static_cast<size_t>(s.requests - std::min(s.requests, s.retries));
      now.throttled += s.throttled_time;
    }
    now.asked = std::min(now.asked, now.total);
    now.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return now;
  });

  // First the fast way: each server's mailboxes from one thread, many connections at once.
  // What that leaves unanswered (throttling, faults) goes the careful way below.
  std::vector<MailboxFolders> answers(users.size());
  std::vector<uint8_t> answered(users.size(), 0);
  auto ask_many = [&](Client& c) {
    std::vector<MailboxQuestion> questions;
    questions.reserve(c.users.size());
    for (size_t i : c.users) questions.push_back({&users[i].email, &users[i].folders});
    std::vector<std::optional<MailboxFolders>> found;
    c.client->get_folders_many(questions, c.connections, found);
    for (size_t j = 0; j < found.size() && j < c.users.size(); ++j) {
      if (!found[j]) continue;
      answers[c.users[j]] = std::move(*found[j]);
      answered[c.users[j]] = 1;
    }
  };
  std::vector<std::thread> fast;
  for (auto& [url, c] : clients) {
    if (!c.client) continue;
    try {
      fast.emplace_back(ask_many, std::ref(c));
    } catch (const std::system_error&) {
      ask_many(c);  // no more threads: on this one
    }
  }
  for (std::thread& t : fast) t.join();

  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < users.size(); i = next++) {
      if (answered[i]) continue;
      const Client* c = client_of[i];
      if (!c || !c->client) {
        answers[i].status = MailboxFolders::Status::Failed;
        answers[i].reason = c ? c->error : missing[i];
        continue;
      }
      answers[i] = c->client->get_folders(users[i].email, users[i].folders);
    }
  };
  const size_t left =
      users.size() - static_cast<size_t>(std::count(answered.begin(), answered.end(), 1));
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(left)));
  std::vector<std::thread> workers;
  workers.reserve(threads - 1);
  try {
    for (unsigned t = 1; t < threads; ++t) workers.emplace_back(work);
  } catch (const std::system_error&) {
    // No more threads (a process limit): the ones started, and this one, share the work.
  }
  work();
  for (std::thread& w : workers) w.join();
  ticker.stop();

  for (size_t i = 0; i < users.size(); ++i) {
    MailboxObservation o = observation_of(answers[i]);
    report.cannot_sync += o.status == MailboxObservation::Status::CannotSync;
    report.failed += o.status == MailboxObservation::Status::Unknown;
    observed.mailboxes[to_lower_ascii(users[i].email)] = std::move(o);
  }
  report.asked = users.size();
  for (const auto& [url, c] : clients) {
    ++report.endpoints;
    if (!c.client) continue;
    http::SchedulerStats s = c.client->stats();
    report.scheduling.requests += s.requests;
    report.scheduling.retries += s.retries;
    report.scheduling.throttled += s.throttled;
    report.scheduling.throttled_time += s.throttled_time;
    report.scheduling.stalls += s.stalls;
    report.scheduling.stalled_time += s.stalled_time;
    report.endpoints_stopped += s.stopped;
  }
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return report;
}

}  // namespace sd
