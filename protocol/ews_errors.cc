// EWS error codes in words, and how a client should react to each (exchange-protocols.md §2.2,
// §3.e).
#include <array>
#include <utility>

#include "protocol/ews_messages.h"

namespace sd::ews {
namespace {

using Explanation = std::pair<std::string_view, std::string_view>;

constexpr std::array kExplanations = {
    Explanation{"ErrorImpersonateUserDenied",
                "the service account may not impersonate this mailbox (not in the impersonation "
                "scope, or the role is not assigned)"},
    Explanation{"ErrorNonExistentMailbox", "no such mailbox"},
    Explanation{"ErrorImpersonationDenied",
                "the service account may not impersonate users through this server"},
    Explanation{"ErrorImpersonationFailed",
                "impersonation failed on the server (Active Directory, application pool account "
                "or trust problem)"},
    Explanation{"ErrorInvalidExchangeImpersonationHeaderData",
                "the impersonation header names no usable mailbox"},
    Explanation{"ErrorAccessDenied", "access is denied to the service account"},
    Explanation{"ErrorServerBusy", "the server is busy and throttled the request"},
    Explanation{"ErrorExceededConnectionCount",
                "too many concurrent EWS connections for the service account (EWSMaxConcurrency)"},
    Explanation{"ErrorTooManyObjectsOpened", "too many objects are open on the server"},
    Explanation{"ErrorExceededSubscriptionCount",
                "too many subscriptions for the mailbox (EWSMaxSubscriptions)"},
    Explanation{"ErrorExceededFindCountLimit", "the search returned more than EWSFindCountLimit"},
    Explanation{"ErrorInvalidServerVersion",
                "the server does not accept the requested Exchange version (check "
                "exchange.version in the spec)"},
    Explanation{"ErrorSchemaValidation", "the server rejected the request as invalid EWS"},
    Explanation{"ErrorInvalidRequest", "the server rejected the request as invalid"},
    Explanation{"ErrorMailboxMoveInProgress", "the mailbox is being moved to another database"},
    Explanation{"ErrorMailboxStoreUnavailable", "the mailbox database is unavailable"},
    Explanation{"ErrorTimeoutExpired", "the server timed out"},
    Explanation{"ErrorInternalServerError", "the server failed internally"},
    Explanation{"ErrorFolderNotFound", "no such folder"},
    Explanation{"ErrorFolderExists", "a folder with that name already exists"},
    Explanation{"ErrorNameResolutionNoResults", "no mailbox or contact has that name"},
    Explanation{"ErrorNameResolutionMultipleResults",
                "more than one mailbox or contact has that name"},
};

}  // namespace

std::string explain(const EwsError& error) {
  for (const auto& [code, words] : kExplanations)
    if (code == error.code) return std::string(words);
  if (!error.message.empty()) return error.message;
  return error.code.empty() ? "an error without a code or message" : error.code;
}

ErrorClass classify(std::string_view code) {
  if (code == "ErrorServerBusy" || code == "ErrorExceededConnectionCount" ||
      code == "ErrorTooManyObjectsOpened")
    return ErrorClass::Throttled;
  if (code == "ErrorMailboxStoreUnavailable" || code == "ErrorMailboxMoveInProgress" ||
      code == "ErrorTimeoutExpired" || code == "ErrorInternalServerError")
    return ErrorClass::Transient;
  if (code == "ErrorNonExistentMailbox" || code == "ErrorImpersonateUserDenied")
    return ErrorClass::Mailbox;
  return ErrorClass::Fatal;
}

}  // namespace sd::ews
