#include "runtime/ews_client.h"

#include <charconv>
#include <mutex>
#include <optional>
#include <variant>

#include "protocol/soap.h"

namespace sd {
namespace {

using ews::EwsError;

// BackOffMilliseconds; unreadable: none, and the scheduler's own backoff applies.
std::optional<long> back_off_of(std::string_view text) {
  long value = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (failure != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

std::string trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

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

// The error a response carries as a whole: its fault, else the first Error message that a retry
// may fix (throttled first). Read by local name and namespace, whatever the operation.
std::optional<EwsError> retryable_error(const soap::Envelope& envelope) {
  if (std::optional<soap::Fault> fault = soap::read_fault(envelope.body)) {
    EwsError error{fault->code, fault->message, std::nullopt};
    if (auto back_off = fault->values.find("BackOffMilliseconds"); back_off != fault->values.end())
      error.back_off_ms = back_off_of(back_off->second);
    return error;
  }
  std::optional<EwsError> transient;
  const pugi::xml_node messages = soap::child(envelope.body, soap::kMessagesNs, "ResponseMessages");
  for (pugi::xml_node message : messages.children()) {
    if (std::string_view(message.attribute("ResponseClass").value()) != "Error") continue;
    EwsError error{trimmed(soap::child(message, soap::kMessagesNs, "ResponseCode").child_value()),
                   trimmed(soap::child(message, soap::kMessagesNs, "MessageText").child_value()),
                   std::nullopt};
    const ews::ErrorClass kind = ews::classify(error.code);
    if (kind == ews::ErrorClass::Throttled) {
      if (auto back_off = soap::message_xml_value(message, "BackOffMilliseconds"))
        error.back_off_ms = back_off_of(*back_off);
      return error;
    }
    if (kind == ews::ErrorClass::Transient && !transient) transient = error;
  }
  return transient;
}

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
    auto answer = exchange(ews::get_folder_request({server_version_, smtp}, folders), smtp);
    if (auto* reason = std::get_if<std::string>(&answer)) {
      result.reason = std::move(*reason);
      return result;
    }
    const http::Response& response = std::get<http::Response>(answer);
    auto parsed = ews::parse_get_folder_response(response.status, response.body, folders.size());
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

    auto answer =
        exchange(ews::create_folder_request({server_version_, smtp}, parent, display_name), smtp);
    if (auto* reason = std::get_if<std::string>(&answer)) return make_error(what + *reason);
    const http::Response& response = std::get<http::Response>(answer);
    auto created = ews::parse_create_folder_response(response.status, response.body);
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
    auto answer = exchange(ews::resolve_names_request({server_version_, ""}, smtp), "");
    if (auto* reason = std::get_if<std::string>(&answer)) return make_error(what + *reason);
    const http::Response& response = std::get<http::Response>(answer);
    auto parsed = ews::parse_resolve_names_response(response.status, response.body);
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

  // Sends one request through the scheduler. The response to parse, or the reason the call
  // failed before there was one (transport, HTTP status, the endpoint latch).
  std::variant<http::Response, std::string> exchange(std::string body, const std::string& anchor) {
    if (std::optional<std::string> latched = latched_reason()) return *latched;
    http::Request request;
    request.headers.emplace_back("Content-Type", "text/xml; charset=utf-8");
    if (!anchor.empty()) request.headers.emplace_back("X-AnchorMailbox", anchor);
    request.body = std::move(body);
    auto outcome = scheduler_.run(request, [this](const http::Response& r) { return classify(r); });
    if (auto* error = std::get_if<http::TransportError>(&outcome)) {
      if (is_tls_verification_failure(*error)) latch(error->message);
      return error->message;
    }
    http::Response& response = std::get<http::Response>(outcome);
    if (response.status == 401)
      return latch("bad credentials for " + endpoint_.user + " (HTTP 401)");
    if (response.status == 403)
      return latch("EWS refused the service account " + endpoint_.user +
                   " (HTTP 403): EWS may be disabled for it");
    if (response.status != 200 && response.status != 500)
      return "unexpected HTTP " + std::to_string(response.status) + " from " + endpoint_.url;
    return std::move(response);
  }

  // The scheduler's view of a response: throttled, worth a retry, or final.
  http::Verdict classify(const http::Response& response) const {
    if (response.status != 200 && response.status != 500) return {http::Verdict::Done, {}, {}};
    auto envelope = soap::parse_envelope(response.body);
    std::optional<EwsError> error = envelope ? retryable_error(**envelope) : std::nullopt;
    if (error) {
      const std::string why = reason_for(*error);
      switch (ews::classify(error->code)) {
        case ews::ErrorClass::Throttled:
          return {http::Verdict::Throttled, http::milliseconds(error->back_off_ms.value_or(0)),
                  why};
        case ews::ErrorClass::Transient:
          return {http::Verdict::Retry, {}, why};
        default:
          return {http::Verdict::Done, {}, {}};
      }
    }
    if (response.status == 500 && !(envelope && soap::read_fault((*envelope)->body)))
      return {http::Verdict::Retry, {}, "HTTP 500 without a SOAP fault from " + endpoint_.url};
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
    auto answer =
        exchange(ews::find_folder_request({server_version_, smtp}, parent, display_name), smtp);
    if (auto* reason = std::get_if<std::string>(&answer)) return make_error(*reason);
    const http::Response& response = std::get<http::Response>(answer);
    auto parsed = ews::parse_find_folder_response(response.status, response.body);
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
