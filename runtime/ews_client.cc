#include "runtime/ews_client.h"

#include <mutex>
#include <optional>
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

  http::SchedulerStats stats() const override { return scheduler_.stats(); }

 private:
  MailboxFolders folders_of(const std::string& smtp, const std::vector<std::string>& folders) {
    MailboxFolders result;
    Answer<ews::FolderResult> answer = exchange<ews::FolderResult>(
        ews::get_folder_request({server_version_, smtp}, folders), smtp,
        [&](int status, std::string_view body) {
          return ews::parse_get_folder_response(status, body, folders.size());
        });
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
  Answer<Item> exchange(std::string body, const std::string& anchor, const Parse& parse) {
    if (std::optional<std::string> latched = latched_reason()) return *latched;
    http::Request request;
    request.headers.reserve(2);
    request.headers.emplace_back("Content-Type", "text/xml; charset=utf-8");
    if (!anchor.empty()) request.headers.emplace_back("X-AnchorMailbox", anchor);
    request.body = std::move(body);
    // Called on this thread, once per response; the last one is the final response's.
    std::optional<Result<ews::Response<Item>>> parsed;
    auto outcome = scheduler_.run(request, [&](const http::Response& response) {
      if (response.status != 200 && response.status != 500)
        return http::Verdict{http::Verdict::Done, {}, {}};
      parsed.emplace(parse(response.status, response.body));
      return verdict_of(response.status, *parsed);
    });
    if (auto* error = std::get_if<http::TransportError>(&outcome)) {
      if (is_tls_verification_failure(*error)) latch(error->message);
      return error->message;
    }
    const http::Response& response = std::get<http::Response>(outcome);
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
  std::optional<std::string> latched_;  // once set, every later call fails with it, unsent
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
  std::shared_ptr<const http::Credentials> credentials =
      http::basic_credentials(endpoint.user, endpoint.password);
  auto client = http::HttpsClient::create(*url, std::move(options), std::move(credentials));
  if (!client) return client.take_errors();
  return over(std::move(client).value(), endpoint);
}

std::unique_ptr<EwsClient> EwsClient::over(std::unique_ptr<http::HttpsClient> client,
                                           const EwsEndpoint& endpoint) {
  return std::make_unique<ScheduledEwsClient>(std::move(client), endpoint);
}

}  // namespace sd
