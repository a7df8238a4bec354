// EWS requests the client sends and the responses it reads: GetFolder, FindFolder, CreateFolder,
// ResolveNames. Pure. Every request body written here is valid against the EWS schema
// (tests/data/ews-schema; checked in tests/protocol). Facts: exchange-protocols.md §3.a-§3.e.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/exchange_version.h"

namespace sd::ews {

// RequestServerVersion for a spec's Exchange version: Exchange2010_SP2 for 2010,
// Exchange2013_SP1 for 2013 and later and for Exchange Online.
[[nodiscard]] std::string_view request_server_version(ExchangeVersion version);

// What every request carries in its SOAP header.
struct RequestHeader {
  std::string server_version;  // e.g. "Exchange2013_SP1"; always sent
  // The mailbox acted as (ExchangeImpersonation/ConnectingSID/PrimarySmtpAddress); empty: none.
  // The HTTP layer sends the same address as X-AnchorMailbox.
  std::string impersonate_smtp;
};

// Whole request envelopes (XML declaration included).
// GetFolder, IdOnly, one DistinguishedFolderId per entry of `folders`, in that order
// ("calendar", "tasks", "contacts", "msgfolderroot", ...).
[[nodiscard]] std::string get_folder_request(const RequestHeader& header,
                                             const std::vector<std::string>& folders);
// FindFolder, Shallow, IdOnly plus folder:DisplayName, IndexedPageFolderView (100 from offset),
// restricted to DisplayName == display_name, under the distinguished folder `parent`.
[[nodiscard]] std::string find_folder_request(const RequestHeader& header, std::string_view parent,
                                              std::string_view display_name, int offset = 0);
// CreateFolder of one t:Folder (DisplayName, FolderClass) under the distinguished `parent`.
[[nodiscard]] std::string create_folder_request(const RequestHeader& header,
                                                std::string_view parent,
                                                std::string_view display_name,
                                                std::string_view folder_class = "IPF.Note");
// ResolveNames of `smtp` (ReturnFullContactData="false"), without impersonation unless the
// header names a mailbox.
[[nodiscard]] std::string resolve_names_request(const RequestHeader& header, std::string_view smtp);

// An EWS error, from a SOAP fault or from a ResponseClass="Error" message.
struct EwsError {
  std::string code;                 // "ErrorImpersonateUserDenied"
  std::string message;              // the server's text
  std::optional<long> back_off_ms;  // BackOffMilliseconds (ErrorServerBusy)
};

// One response message per requested folder, in request order.
struct FolderResult {
  bool ok = false;
  std::string id, change_key;  // when ok
  std::string display_name;    // when the server sent it
  EwsError error;              // when !ok
};

// What a response said as a whole: either a fault (a header-level problem: impersonation, no
// mailbox, server busy, schema) or the per-item messages.
template <class Item>
struct Response {
  std::optional<EwsError> fault;
  std::vector<Item> items;
  std::string server_version;  // ServerVersionInfo "15.1.2507" when sent, else ""
};

struct ResolvedName {
  bool ok = false;
  std::string name, smtp, mailbox_type;  // mailbox_type: "Mailbox", "Contact", ...
  EwsError error;
};

// Parsers take the HTTP status too: a fault may come on 500 or on 200. A body that is not a
// well-formed response of the expected operation is an Error whose message says what is wrong
// ("the GetFolder response has 2 messages for 3 folders", "folder 2 has no FolderId",
// "unexpected element m:Foo in the response", "the response is not XML: ..."). Elements are
// matched by namespace and local name; any element child of m:Folders is a folder.
[[nodiscard]] Result<Response<FolderResult>> parse_get_folder_response(int http_status,
                                                                       std::string_view body,
                                                                       size_t expected_folders);
// FindFolder: the folders found (t:Folders under m:RootFolder), at most one message.
[[nodiscard]] Result<Response<FolderResult>> parse_find_folder_response(int http_status,
                                                                        std::string_view body);
[[nodiscard]] Result<Response<FolderResult>> parse_create_folder_response(int http_status,
                                                                          std::string_view body);
[[nodiscard]] Result<Response<ResolvedName>> parse_resolve_names_response(int http_status,
                                                                          std::string_view body);

// What an error code means for the person running syncdeploy, in a few words:
//   ErrorImpersonateUserDenied  -> "the service account may not impersonate this mailbox (not in
//                                   the impersonation scope, or the role is not assigned)"
//   ErrorNonExistentMailbox     -> "no such mailbox"
//   ErrorImpersonationDenied, ErrorImpersonationFailed, ErrorAccessDenied, ErrorServerBusy,
//   ErrorInvalidServerVersion, ErrorSchemaValidation, ErrorMailboxMoveInProgress,
//   ErrorMailboxStoreUnavailable, ErrorExceededConnectionCount, ErrorFolderNotFound, ... each
//   its own words; unknown codes -> the server's message.
[[nodiscard]] std::string explain(const EwsError& error);

// How the client should react to an error code.
enum class ErrorClass {
  Throttled,  // ErrorServerBusy, ErrorExceededConnectionCount, ErrorTooManyObjectsOpened: back off
  Transient,  // ErrorMailboxStoreUnavailable, ErrorMailboxMoveInProgress, ErrorTimeoutExpired,
              // ErrorInternalServerError: retry with backoff
  Mailbox,    // ErrorNonExistentMailbox, ErrorImpersonateUserDenied: this user cannot sync
  Fatal,      // anything else: a clear error, no retry
};
[[nodiscard]] ErrorClass classify(std::string_view code);

}  // namespace sd::ews
