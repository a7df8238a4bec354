// The EWS client: the questions syncdeploy asks Exchange about a user, over the one HTTPS client
// and one request scheduler per endpoint. Requests carry RequestServerVersion and, for a
// mailbox, ExchangeImpersonation plus X-AnchorMailbox. Faults are read whether they come on HTTP
// 500 or 200; codes are explained in words (protocol/ews_messages.h).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "protocol/ews_messages.h"
#include "runtime/http/http_auth.h"
#include "runtime/http/https_client.h"
#include "runtime/http/request_scheduler.h"
#include "spec/spec.h"

namespace sd {

struct EwsEndpoint {
  std::string url;      // https://exch01.example.local/EWS/Exchange.asmx
  std::string ca_file;  // empty: system roots
  // The service account and how it authenticates (http_auth.h).
  http::AuthSettings::Method auth = http::AuthSettings::Method::Basic;
  std::string user;      // UPN, or DOMAIN\name for NTLM
  std::string password;  // Kerberos: may be empty (the credential cache, or `keytab`)
  std::string keytab;
  std::string spn;  // empty: HTTP/<host of the URL>
  ExchangeVersion version = ExchangeVersion::Exchange2016;
  std::vector<http::ConnectTo> connect_to;
  http::SchedulerOptions scheduling;
  // Why this endpoint is not to be asked at all (its TLS precondition failed); empty: ask.
  std::string unusable;
  std::chrono::milliseconds connect_timeout{10'000}, read_timeout{60'000};
  // What this client asks (GetFolder of a few folders, ResolveNames, CreateFolder) is answered
  // in a few KB; a larger answer is that request's error. With N connections in flight the
  // client holds at most N of these, whatever a server sends.
  size_t max_response_bytes = 1u << 20;
};

// What one mailbox answered.
struct MailboxFolders {
  enum class Status {
    Ok,         // the mailbox exists, impersonation works, every folder resolved
    NoMailbox,  // ErrorNonExistentMailbox: the user cannot sync
    Denied,     // ErrorImpersonateUserDenied: the user cannot sync
    // The mailbox answered with an error about itself (a folder it lacks, a move in progress,
    // access denied to it): this user cannot sync now; the others are not concerned.
    Unusable,
    Failed,  // anything else (transport, credentials, the server, a malformed answer)
  } status = Status::Failed;
  // When not Ok: one line, e.g. "no such mailbox (ErrorNonExistentMailbox)", "the service account
  // may not impersonate this mailbox ... (ErrorImpersonateUserDenied)", "bad credentials for
  // nexj-sync@example.local (HTTP 401)", "exch01.example.local:443: connection refused".
  std::string reason;
  std::map<std::string, std::string> folder_ids;  // distinguished id -> FolderId Id
};

// One mailbox to ask about: its address and the distinguished folders (both outlive the call).
struct MailboxQuestion {
  const std::string* smtp = nullptr;
  const std::vector<std::string>* folders = nullptr;
};

class EwsClient {
 public:
  [[nodiscard]] static Result<std::unique_ptr<EwsClient>> create(const EwsEndpoint& endpoint);
  // For tests: over a given transport (a fake HttpsClient).
  [[nodiscard]] static std::unique_ptr<EwsClient> over(std::unique_ptr<http::HttpsClient> client,
                                                       const EwsEndpoint& endpoint);
  virtual ~EwsClient() = default;

  // One GetFolder as `smtp` (impersonated) for the distinguished `folders`. Thread-safe; the
  // scheduler bounds concurrency. After an answer that no other mailbox can do better with
  // (HTTP 401 or 403, TLS verification, ErrorInvalidServerVersion), later calls fail at once
  // with the same reason instead of asking again.
  [[nodiscard]] virtual MailboxFolders get_folders(const std::string& smtp,
                                                   const std::vector<std::string>& folders) = 0;

  // The fast way through many mailboxes: from the calling thread, over up to `connections`
  // connections at once (HttpsClient::send_many), with no thread per request. answers[i] is set
  // for each question whose first answer was final, exactly as get_folders() would have
  // returned it. At the first answer that needs the scheduler (throttled, a transient error
  // or transport failure) it stops asking; the questions left unanswered are for get_folders(),
  // which waits, backs off and retries. The first question is asked alone, so that an answer
  // that holds for every mailbox (bad credentials) is given once. It sends outside the
  // scheduler's budget: nothing else may use this client meanwhile. This default answers none.
  virtual void get_folders_many(std::span<const MailboxQuestion> questions, unsigned connections,
                                std::vector<std::optional<MailboxFolders>>& answers) {
    (void)connections;
    answers.resize(questions.size());
  }

  // FindFolder by display name under `parent`, then CreateFolder when there is none (a folder
  // created by someone else in between, ErrorFolderExists, is found again). Returns the id.
  [[nodiscard]] virtual Result<std::string> find_or_create_folder(
      const std::string& smtp, const std::string& parent, const std::string& display_name) = 0;

  // ResolveNames of `smtp` as the service account (no impersonation).
  [[nodiscard]] virtual Result<std::vector<ews::ResolvedName>> resolve_names(
      const std::string& smtp) = 0;

  [[nodiscard]] virtual http::SchedulerStats stats() const = 0;
};

}  // namespace sd
