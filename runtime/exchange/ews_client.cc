#include "runtime/exchange/ews_client.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>

namespace sd {
namespace {

using ews::EwsError;

std::string reason_for(const EwsError& error) {
  return ews::explain(error) + " (" + error.code + ")";
}

// Codes that leave the mailbox unable to sync, as opposed to a failure of the run.
// Errors about one mailbox: that user cannot sync, the others go on. (ErrorImpersonationDenied
// and ErrorImpersonationFailed are about the account or the server: every mailbox fails alike.)
std::optional<MailboxFolders::Status> mailbox_status(std::string_view code) {
  if (code == "ErrorNonExistentMailbox") return MailboxFolders::Status::NoMailbox;
  if (code == "ErrorImpersonateUserDenied") return MailboxFolders::Status::Denied;
  if (code == "ErrorFolderNotFound" || code == "ErrorAccessDenied" ||
      code == "ErrorMailboxMoveInProgress" || code == "ErrorMailboxStoreUnavailable")
    return MailboxFolders::Status::Unusable;
  return std::nullopt;
}

// The TLS verification failures HttpsClient reports ("host:port: certificate verify failed
// (...)", "...: the certificate is for a, not b", "...: the certificate expired 3 days ago").
bool is_tls_verification_failure(const http::TransportError& error) {
  return !error.transient &&
         (error.message.find(": certificate verify failed") != std::string::npos ||
          error.message.find(": the certificate ") != std::string::npos);
}

// The error a parsed response carries as a whole, if a retry may fix it: its fault, else the
// first item that failed throttled, else the first that failed transiently.
template <class Item>
std::optional<EwsError> retryable_error(const ews::Response<Item>& response) {
  if (response.fault) return response.fault;
  std::optional<EwsError> transient;
  for (const Item& item : response.items) {
    if (item.ok) continue;
    const ews::ErrorClass kind = ews::classify(item.error.code);
    if (kind == ews::ErrorClass::Throttled) return item.error;
    if (kind == ews::ErrorClass::Transient && !transient) transient = item.error;
  }
  return transient;
}

// Reads a GetFolder response for `count` folders.
auto folder_parser(size_t count) {
  return [count](int status, std::string_view body) {
    return ews::parse_get_folder_response(status, body, count);
  };
}

// A response read once: its parse, or the reason there is none (transport, HTTP status, the
// endpoint latch).
template <class Item>
using Answer = std::variant<Result<ews::Response<Item>>, std::string>;

class ScheduledEwsClient final : public EwsClient {
 public:
  ScheduledEwsClient(std::unique_ptr<http::HttpsClient> client, const EwsEndpoint& endpoint)
      : client_(std::move(client)),
        endpoint_(endpoint),
        scheduler_(*client_, endpoint.scheduling),
        server_version_(ews::request_server_version(endpoint.version)) {}

  // The public calls catch what the standard library may throw (allocation) at the boundary.
  MailboxFolders get_folders(const std::string& smtp,
                             const std::vector<std::string>& folders) override {
    try {
      return folders_of(smtp, folders);
    } catch (const std::exception& e) {
      MailboxFolders failed;
      failed.reason = std::string("GetFolder for ") + smtp + ": " + e.what();
      return failed;
    }
  }

  Result<std::string> find_or_create_folder(const std::string& smtp, const std::string& parent,
                                            const std::string& display_name) override {
    try {
      return find_or_create(smtp, parent, display_name);
    } catch (const std::exception& e) {
      return make_error("folder \"" + display_name + "\" for " + smtp + ": " + e.what());
    }
  }

  Result<std::vector<ews::ResolvedName>> resolve_names(const std::string& smtp) override {
    try {
      return resolve(smtp);
    } catch (const std::exception& e) {
      return make_error("resolving " + smtp + ": " + e.what());
    }
  }

  void get_folders_many(std::span<const MailboxQuestion> questions, unsigned connections,
                        std::vector<std::optional<MailboxFolders>>& answers) override {
    answers.resize(questions.size());
    try {
      // One first, alone: an answer that holds for every mailbox (bad credentials, a TLS
      // failure) is then given once, as get_folders() gives it.
      ManyRun run;
      run.questions = questions;
      run.answers = &answers;
      run.end = std::min<size_t>(1, questions.size());
      many(run, 1);
      if (answers.empty() || !answers[0] || latched_reason()) return;
      // Then the rest, every connection busy. One thread is enough: it waits on all of them
      // at once (and on two cores over loopback a second one only takes the server's CPU).
      run.end = questions.size();
      many(run, connections);
    } catch (const std::exception&) {
      // Whatever is left unanswered is asked again through get_folders().
    }
  }

  http::SchedulerStats stats() const override {
    http::SchedulerStats s = scheduler_.stats();
    s.requests += fast_requests_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  MailboxFolders folders_of(const std::string& smtp, const std::vector<std::string>& folders) {
    std::optional<std::variant<http::Response, http::TransportError>> answered;
    {
      std::lock_guard lock(handed_over_mutex_);
      if (auto it = handed_over_.find(question_key(smtp, folders)); it != handed_over_.end()) {
        answered = std::move(it->second);
        handed_over_.erase(it);
      }
    }
    return folders_from(
        exchange<ews::FolderResult>(ews::get_folder_request({server_version_, smtp}, folders), smtp,
                                    folder_parser(folders.size()), std::move(answered)),
        folders);
  }

  // What the answer was to: the mailbox and its folders.
  static std::string question_key(const std::string& smtp,
                                  const std::vector<std::string>& folders) {
    std::string key = smtp;
    for (const std::string& folder : folders) key.append("\n").append(folder);
    return key;
  }

  // One run of many(): `cursor` is the next question, `stop` ends the sending.
  struct ManyRun {
    std::span<const MailboxQuestion> questions;
    size_t end = 0;
    size_t cursor = 0;
    bool stop = false;
    std::vector<std::optional<MailboxFolders>>* answers = nullptr;
  };

  // The fast path (EwsClient::get_folders_many): send_many() with the requests folders_of()
  // would send. Only answers the scheduler would take as they are (verdict Done, or a transport
  // error that is not transient) are kept; the first other one stops the sending.
  void many(ManyRun& run, unsigned connections) {
    std::vector<size_t> taken;  // the question of each request sent, by k
    std::vector<std::optional<MailboxFolders>>& answers = *run.answers;
    client_->send_many(
        connections,
        [&](size_t k) -> std::optional<http::Request> {
          if (run.stop || latched_reason()) return std::nullopt;
          // Past the phase's deadline the rest go to get_folders(), which refuses them at once.
          if (std::chrono::steady_clock::now() >= endpoint_.scheduling.deadline)
            return std::nullopt;
          if (run.cursor >= run.end) return std::nullopt;
          const size_t i = run.cursor++;
          if (taken.size() <= k) taken.resize(k + 1);
          taken[k] = i;
          const MailboxQuestion& q = run.questions[i];
          return request_for(ews::get_folder_request({server_version_, *q.smtp}, *q.folders),
                             *q.smtp);
        },
        [&](size_t k, std::variant<http::Response, http::TransportError> outcome) {
          const size_t i = taken[k];
          const MailboxQuestion& q = run.questions[i];
          // An answer the scheduler would not take as it is goes to get_folders() for this
          // mailbox, as its first attempt; nothing more is sent this way.
          auto hand_over = [&] {
            std::lock_guard lock(handed_over_mutex_);
            handed_over_.insert_or_assign(question_key(*q.smtp, *q.folders), std::move(outcome));
            run.stop = true;
            return false;
          };
          if (auto* error = std::get_if<http::TransportError>(&outcome)) {
            if (error->transient) return hand_over();
            fast_requests_.fetch_add(1, std::memory_order_relaxed);
            answers[i] = folders_from(transport_failure(*error), *q.folders);
            return true;
          }
          http::Response& response = std::get<http::Response>(outcome);
          auto parse = folder_parser(q.folders->size());
          std::optional<Result<ews::Response<ews::FolderResult>>> parsed;
          // 503 is the scheduler's own throttled answer, before any classifier sees it.
          if (response.status == 503 ||
              classify(response, parse, parsed).kind != http::Verdict::Done)
            return hand_over();
          fast_requests_.fetch_add(1, std::memory_order_relaxed);
          answers[i] = folders_from(final_answer(response, std::move(parsed), parse), *q.folders);
          return true;
        });
  }

  MailboxFolders folders_from(Answer<ews::FolderResult> answer,
                              const std::vector<std::string>& folders) {
    MailboxFolders result;
    if (auto* reason = std::get_if<std::string>(&answer)) {
      result.reason = std::move(*reason);
      return result;
    }
    auto& parsed = std::get<0>(answer);
    if (!parsed) {
      result.reason = malformed(parsed.errors());
      return result;
    }
    if (parsed->fault) {
      result.status = mailbox_status(parsed->fault->code).value_or(MailboxFolders::Status::Failed);
      result.reason = fault_reason(*parsed->fault);
      return result;
    }
    for (size_t i = 0; i < folders.size(); ++i) {
      const ews::FolderResult& folder = parsed->items[i];
      if (folder.ok) {
        result.folder_ids[folders[i]] = folder.id;
        continue;
      }
      // Some servers report a mailbox-level problem in every message instead of a fault.
      if (std::optional<MailboxFolders::Status> status = mailbox_status(folder.error.code)) {
        result.status = *status;
        result.reason = *status == MailboxFolders::Status::Unusable
                            ? "folder " + folders[i] + ": " + reason_for(folder.error)
                            : reason_for(folder.error);
      } else {
        result.status = MailboxFolders::Status::Failed;
        result.reason = "folder " + folders[i] + ": " + reason_for(folder.error);
      }
      result.folder_ids.clear();
      return result;
    }
    result.status = MailboxFolders::Status::Ok;
    return result;
  }

  Result<std::string> find_or_create(const std::string& smtp, const std::string& parent,
                                     const std::string& display_name) {
    const std::string what =
        "folder \"" + display_name + "\" under " + parent + " for " + smtp + ": ";
    Result<std::optional<std::string>> found = find_folder(smtp, parent, display_name);
    if (!found) return make_error(what + found.errors().front().message);
    if (*found) return **found;

    Answer<ews::FolderResult> answer = exchange<ews::FolderResult>(
        ews::create_folder_request({server_version_, smtp}, parent, display_name), smtp,
        ews::parse_create_folder_response);
    if (auto* reason = std::get_if<std::string>(&answer)) return make_error(what + *reason);
    auto& created = std::get<0>(answer);
    if (!created) return make_error(what + malformed(created.errors()));
    if (created->fault) return make_error(what + fault_reason(*created->fault));
    const ews::FolderResult& folder = created->items.front();
    if (folder.ok) return folder.id;
    if (folder.error.code != "ErrorFolderExists")
      return make_error(what + reason_for(folder.error));

    // Created by someone else since the search: find it again.
    Result<std::optional<std::string>> again = find_folder(smtp, parent, display_name);
    if (!again) return make_error(what + again.errors().front().message);
    if (*again) return **again;
    return make_error(what +
                      "CreateFolder says it exists (ErrorFolderExists) but FindFolder finds none");
  }

  Result<std::vector<ews::ResolvedName>> resolve(const std::string& smtp) {
    const std::string what = "resolving " + smtp + ": ";
    Answer<ews::ResolvedName> answer =
        exchange<ews::ResolvedName>(ews::resolve_names_request({server_version_, ""}, smtp), "",
                                    ews::parse_resolve_names_response);
    if (auto* reason = std::get_if<std::string>(&answer)) return make_error(what + *reason);
    auto& parsed = std::get<0>(answer);
    if (!parsed) return make_error(what + malformed(parsed.errors()));
    if (parsed->fault) return make_error(what + fault_reason(*parsed->fault));
    std::vector<ews::ResolvedName> names;
    for (ews::ResolvedName& name : parsed->items) {
      if (name.ok) {
        names.push_back(std::move(name));
      } else if (name.error.code != "ErrorNameResolutionNoResults") {  // no match: an empty answer
        return make_error(what + reason_for(name.error));
      }
    }
    return names;
  }

  // Sends one request through the scheduler and reads each response once, with `parse`: the
  // scheduler gets the verdict drawn from it, the caller the parse of the final response.
  template <class Item, class Parse>
  Answer<Item> exchange(
      std::string body, const std::string& anchor, const Parse& parse,
      std::optional<std::variant<http::Response, http::TransportError>> answered = {}) {
    if (std::optional<std::string> latched = latched_reason()) return *latched;
    http::Request request = request_for(std::move(body), anchor);
    // Called on this thread, once per response; the last one is the final response's.
    std::optional<Result<ews::Response<Item>>> parsed;
    auto outcome = scheduler_.run(
        request, [&](const http::Response& response) { return classify(response, parse, parsed); },
        std::move(answered));
    if (auto* error = std::get_if<http::TransportError>(&outcome)) return transport_failure(*error);
    return final_answer(std::get<http::Response>(outcome), std::move(parsed), parse);
  }

  static http::Request request_for(std::string body, const std::string& anchor) {
    http::Request request;
    request.headers.reserve(2);
    request.headers.emplace_back("Content-Type", "text/xml; charset=utf-8");
    if (!anchor.empty()) request.headers.emplace_back("X-AnchorMailbox", anchor);
    request.body = std::move(body);
    return request;
  }

  std::string transport_failure(const http::TransportError& error) {
    // True of every mailbox: said once, the others not asked.
    if (is_tls_verification_failure(error) || error.authentication) latch(error.message);
    return error.message;
  }

  // What the final response means: the statuses that hold for every mailbox latch the endpoint.
  template <class Item, class Parse>
  Answer<Item> final_answer(const http::Response& response,
                            std::optional<Result<ews::Response<Item>>> parsed, const Parse& parse) {
    if (response.status == 401)
      return latch("bad credentials for " + endpoint_.user + " (HTTP 401)");
    if (response.status == 403)
      return latch("EWS refused the service account " + endpoint_.user +
                   " (HTTP 403): EWS may be disabled for it");
    if (response.status != 200 && response.status != 500)
      return "unexpected HTTP " + std::to_string(response.status) + " from " + endpoint_.url;
    if (!parsed) parsed.emplace(parse(response.status, response.body));
    return std::move(*parsed);
  }

  // The scheduler's classifier: the verdict on a response, which is parsed into `parsed` when
  // it can carry EWS messages (HTTP 200 or 500); other statuses are final as they are.
  template <class Item, class Parse>
  http::Verdict classify(const http::Response& response, const Parse& parse,
                         std::optional<Result<ews::Response<Item>>>& parsed) const {
    if (response.status != 200 && response.status != 500)
      return http::Verdict{http::Verdict::Done, {}, {}};
    parsed.emplace(parse(response.status, response.body));
    return verdict_of(response.status, *parsed);
  }

  // The scheduler's view of a parsed response: throttled, worth a retry, or final.
  template <class Item>
  http::Verdict verdict_of(int status, const Result<ews::Response<Item>>& parsed) const {
    // A fault always parses; an HTTP 500 that does not parse carries none.
    if (!parsed)
      return status == 500 ? http::Verdict{http::Verdict::Retry,
                                           {},
                                           "HTTP 500 without a SOAP fault from " + endpoint_.url}
                           : http::Verdict{http::Verdict::Done, {}, {}};
    if (std::optional<EwsError> error = retryable_error(*parsed)) {
      switch (ews::classify(error->code)) {
        case ews::ErrorClass::Throttled:
          return {http::Verdict::Throttled, http::milliseconds(error->back_off_ms.value_or(0)),
                  reason_for(*error)};
        case ews::ErrorClass::Transient:
          return {http::Verdict::Retry, {}, reason_for(*error)};
        default:
          break;
      }
    }
    return {http::Verdict::Done, {}, {}};
  }

  // A fault's reason; a version the server does not accept, or impersonation refused to the
  // account as a whole, is the same for every mailbox.
  std::string fault_reason(const EwsError& fault) {
    if (fault.code == "ErrorInvalidServerVersion" || fault.code == "ErrorImpersonationDenied" ||
        fault.code == "ErrorImpersonationFailed")
      return latch(reason_for(fault));
    return reason_for(fault);
  }

  Result<std::optional<std::string>> find_folder(const std::string& smtp, const std::string& parent,
                                                 const std::string& display_name) {
    Answer<ews::FolderResult> answer = exchange<ews::FolderResult>(
        ews::find_folder_request({server_version_, smtp}, parent, display_name), smtp,
        ews::parse_find_folder_response);
    if (auto* reason = std::get_if<std::string>(&answer)) return make_error(*reason);
    auto& parsed = std::get<0>(answer);
    if (!parsed) return make_error(malformed(parsed.errors()));
    if (parsed->fault) return make_error(fault_reason(*parsed->fault));
    if (parsed->items.empty()) return std::optional<std::string>();
    // The restriction already matched the name; the first folder found is the one.
    const ews::FolderResult& first = parsed->items.front();
    if (!first.ok) return make_error(reason_for(first.error));
    return std::optional<std::string>(first.id);
  }

  std::string malformed(const std::vector<Error>& errors) const {
    return endpoint_.url + ": " + errors.front().message;
  }

  std::string latch(std::string reason) {
    std::lock_guard lock(latch_mutex_);
    if (!latched_) latched_ = reason;
    return reason;
  }

  std::optional<std::string> latched_reason() const {
    std::lock_guard lock(latch_mutex_);
    return latched_;
  }

  std::unique_ptr<http::HttpsClient> client_;
  EwsEndpoint endpoint_;
  http::RequestScheduler scheduler_;
  std::string server_version_;
  mutable std::mutex latch_mutex_;
  std::optional<std::string> latched_;      // once set, every later call fails with it, unsent
  std::atomic<uint64_t> fast_requests_{0};  // sent by get_folders_many(), answered at once
  // Answers get_folders_many() got that need the scheduler, by question_key(), for
  // get_folders().
  std::mutex handed_over_mutex_;
  std::unordered_map<std::string, std::variant<http::Response, http::TransportError>> handed_over_;
};

}  // namespace

Result<std::unique_ptr<EwsClient>> EwsClient::create(const EwsEndpoint& endpoint) {
  Result<http::HttpsUrl> url = http::parse_https_url(endpoint.url);
  if (!url) return make_error("EWS endpoint: " + url.errors().front().message);
  http::ClientOptions options;
  options.ca_file = endpoint.ca_file;
  options.connect_to = endpoint.connect_to;
  options.connect_timeout = endpoint.connect_timeout;
  options.read_timeout = endpoint.read_timeout;
  options.max_response_bytes = endpoint.max_response_bytes;
  http::AuthSettings settings;
  settings.method = endpoint.auth;
  settings.user = endpoint.user;
  settings.password = endpoint.password;
  settings.keytab = endpoint.keytab;
  settings.spn = endpoint.spn;
  std::shared_ptr<http::Authenticator> credentials =
      http::Authenticator::create(std::move(settings), url->host);
  auto client = http::HttpsClient::create(*url, std::move(options), std::move(credentials));
  if (!client) return client.take_errors();
  return over(std::move(client).value(), endpoint);
}

std::unique_ptr<EwsClient> EwsClient::over(std::unique_ptr<http::HttpsClient> client,
                                           const EwsEndpoint& endpoint) {
  return std::make_unique<ScheduledEwsClient>(std::move(client), endpoint);
}

}  // namespace sd
