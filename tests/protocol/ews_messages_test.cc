#include "protocol/ews_messages.h"

#include <catch2/catch.hpp>

#include "protocol/soap.h"
#include "tests/base/result_support.h"
#include "tests/protocol/ews_fixtures_support.h"

namespace sd::ews {

using namespace sd::test;

namespace {

using sd::test::message;

const RequestHeader kAsAlice{"Exchange2013_SP1", "alice@example.local"};

std::string three_folders() {
  return exchange_response("GetFolder", {folder_message("GetFolder", "t:CalendarFolder", "CAL1"),
                                         folder_message("GetFolder", "t:TasksFolder", "TSK1"),
                                         folder_message("GetFolder", "t:ContactsFolder", "CON1")});
}

}  // namespace

TEST_CASE("request_server_version: 2010 SP2 for 2010, 2013 SP1 for the rest", "[ews]") {
  CHECK(request_server_version(ExchangeVersion::Exchange2010) == "Exchange2010_SP2");
  CHECK(request_server_version(ExchangeVersion::Exchange2013) == "Exchange2013_SP1");
  CHECK(request_server_version(ExchangeVersion::Exchange2016) == "Exchange2013_SP1");
  CHECK(request_server_version(ExchangeVersion::Exchange2019) == "Exchange2013_SP1");
  CHECK(request_server_version(ExchangeVersion::ExchangeSE) == "Exchange2013_SP1");
  CHECK(request_server_version(ExchangeVersion::ExchangeOnline) == "Exchange2013_SP1");
}

TEST_CASE("get_folder_request: header with impersonation, IdOnly, folders in order", "[ews]") {
  CHECK(get_folder_request(kAsAlice, {"calendar", "tasks"}) ==
        soap::envelope(
            "<t:RequestServerVersion Version=\"Exchange2013_SP1\"/><t:ExchangeImpersonation>"
            "<t:ConnectingSID><t:PrimarySmtpAddress>alice@example.local</t:PrimarySmtpAddress>"
            "</t:ConnectingSID></t:ExchangeImpersonation>",
            "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
            "<m:FolderIds><t:DistinguishedFolderId Id=\"calendar\"/>"
            "<t:DistinguishedFolderId Id=\"tasks\"/></m:FolderIds></m:GetFolder>"));
}

TEST_CASE("requests without a mailbox carry no impersonation header", "[ews]") {
  const std::string request = resolve_names_request({"Exchange2010_SP2", ""}, "bob@example.local");
  CHECK(request ==
        soap::envelope("<t:RequestServerVersion Version=\"Exchange2010_SP2\"/>",
                       "<m:ResolveNames ReturnFullContactData=\"false\"><m:UnresolvedEntry>"
                       "bob@example.local</m:UnresolvedEntry></m:ResolveNames>"));
}

TEST_CASE("find_folder_request and create_folder_request follow the schema's child order",
          "[ews]") {
  const std::string find = find_folder_request(kAsAlice, "msgfolderroot", "CRM \"Sync\"", 200);
  CHECK(find.find(
            "<soap:Body><m:FindFolder Traversal=\"Shallow\"><m:FolderShape><t:BaseShape>IdOnly"
            "</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI=\"folder:DisplayName\"/>"
            "</t:AdditionalProperties></m:FolderShape><m:IndexedPageFolderView "
            "MaxEntriesReturned=\"100\" Offset=\"200\" BasePoint=\"Beginning\"/><m:Restriction>"
            "<t:IsEqualTo><t:FieldURI FieldURI=\"folder:DisplayName\"/><t:FieldURIOrConstant>"
            "<t:Constant Value=\"CRM &quot;Sync&quot;\"/></t:FieldURIOrConstant></t:IsEqualTo>"
            "</m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id=\"msgfolderroot\"/>"
            "</m:ParentFolderIds></m:FindFolder></soap:Body>") != std::string::npos);
  const std::string create = create_folder_request(kAsAlice, "msgfolderroot", "CRM <Sync>");
  CHECK(create.find(
            "<soap:Body><m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId "
            "Id=\"msgfolderroot\"/></m:ParentFolderId><m:Folders><t:Folder><t:FolderClass>IPF.Note"
            "</t:FolderClass><t:DisplayName>CRM &lt;Sync&gt;</t:DisplayName></t:Folder></m:Folders>"
            "</m:CreateFolder></soap:Body>") != std::string::npos);
}

TEST_CASE("GetFolder: folders of any element type, in request order, with the server version",
          "[ews]") {
  auto response = parse_get_folder_response(200, three_folders(), 3);
  REQUIRE(response.ok());
  CHECK(!response->fault);
  CHECK(response->server_version == "15.1.2507");
  REQUIRE(response->items.size() == 3);
  CHECK(response->items[0].ok);
  CHECK(response->items[0].id == "CAL1");
  CHECK(response->items[0].change_key == "AQAAABYAAAACAL1");
  CHECK(response->items[1].id == "TSK1");
  CHECK(response->items[2].id == "CON1");
}

TEST_CASE("GetFolder: an Error message is a folder-level error, the rest resolve", "[ews]") {
  auto response = parse_get_folder_response(
      200,
      exchange_response(
          "GetFolder",
          {folder_message("GetFolder", "t:CalendarFolder", "CAL1"),
           error_message("GetFolder", "ErrorFolderNotFound",
                         "The specified folder could not be found in the store.", "<m:Folders/>")}),
      2);
  REQUIRE(response.ok());
  REQUIRE(response->items.size() == 2);
  CHECK(response->items[0].ok);
  CHECK(!response->items[1].ok);
  CHECK(response->items[1].error.code == "ErrorFolderNotFound");
  CHECK(response->items[1].error.message ==
        "The specified folder could not be found in the store.");
  CHECK(response->items[1].id.empty());
}

TEST_CASE("GetFolder: a Warning with a folder id is a success, without one an error", "[ews]") {
  auto with_id = parse_get_folder_response(
      200,
      exchange_response("GetFolder", {folder_message("GetFolder", "t:Folder", "ROOT", "Warning")}),
      1);
  REQUIRE(with_id.ok());
  CHECK(with_id->items[0].ok);
  CHECK(with_id->items[0].id == "ROOT");

  auto without_id = parse_get_folder_response(
      200,
      exchange_response(
          "GetFolder",
          {R"(<m:GetFolderResponseMessage ResponseClass="Warning"><m:MessageText>partial</m:MessageText>)"
           R"(<m:ResponseCode>ErrorBatchProcessingStopped</m:ResponseCode></m:GetFolderResponseMessage>)"}),
      1);
  REQUIRE(without_id.ok());
  CHECK(!without_id->items[0].ok);
  CHECK(without_id->items[0].error.code == "ErrorBatchProcessingStopped");
  CHECK(without_id->items[0].error.message == "partial");
}

TEST_CASE("GetFolder: a fault is read on HTTP 500 and on 200", "[ews]") {
  for (int status : {500, 200}) {
    auto response = parse_get_folder_response(
        status,
        exchange_fault("ErrorNonExistentMailbox",
                       "The SMTP address has no mailbox associated with it."),
        3);
    REQUIRE(response.ok());
    REQUIRE(response->fault);
    CHECK(response->fault->code == "ErrorNonExistentMailbox");
    CHECK(response->fault->message == "The SMTP address has no mailbox associated with it.");
    CHECK(response->fault->back_off_ms == std::nullopt);
    CHECK(response->items.empty());
  }
  auto busy = parse_get_folder_response(
      500, exchange_fault("ErrorServerBusy", "Try again later.", 297749), 1);
  REQUIRE(busy.ok());
  REQUIRE(busy->fault);
  CHECK(busy->fault->back_off_ms == 297749);
}

TEST_CASE("GetFolder: ErrorServerBusy as a response message carries m:MessageXml back-off",
          "[ews]") {
  auto response = parse_get_folder_response(
      200,
      exchange_response(
          "GetFolder",
          {error_message("GetFolder", "ErrorServerBusy", "busy",
                         "<m:MessageXml><t:Value "
                         "Name=\"BackOffMilliseconds\">1500</t:Value></m:MessageXml>")}),
      1);
  REQUIRE(response.ok());
  CHECK(response->items[0].error.code == "ErrorServerBusy");
  CHECK(response->items[0].error.back_off_ms == 1500);
}

TEST_CASE("GetFolder: malformed responses are errors that say what is wrong", "[ews]") {
  CHECK(message(parse_get_folder_response(200, three_folders(), 2)) ==
        "the GetFolder response has 3 messages for 2 folders");
  CHECK(message(parse_get_folder_response(200, exchange_response("GetFolder", {}), 1)) ==
        "the GetFolder response has 0 messages for 1 folder");
  const std::string full = three_folders();
  CHECK(message(parse_get_folder_response(200, full.substr(0, full.size() / 2), 3))
            .rfind("the response is not XML: ", 0) == 0);
  CHECK(message(parse_get_folder_response(200, "not xml at all", 3)) ==
        "the response is not XML: No document element found at byte 14");
  CHECK(message(parse_get_folder_response(200, "<html><body>Error</body></html>", 3)) ==
        "the response is not a SOAP envelope (root element html without a namespace)");
  CHECK(message(parse_get_folder_response(
            200, exchange_response("FindFolder", {find_folder_message({"X"}, "x")}), 1)) ==
        "unexpected element m:FindFolderResponse in the response");
  CHECK(
      message(parse_get_folder_response(
          200,
          exchange_response(
              "GetFolder",
              {R"(<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
               R"(<m:Folders><t:Folder><t:DisplayName>x</t:DisplayName></t:Folder></m:Folders>)"
               R"(</m:GetFolderResponseMessage>)"}),
          1)) == "folder 1 has no FolderId");
  CHECK(
      message(parse_get_folder_response(
          200,
          exchange_response(
              "GetFolder",
              {folder_message("GetFolder", "t:Folder", "A"),
               R"(<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
               R"(<m:Folders><t:Folder><t:FolderId ChangeKey="x"/></t:Folder></m:Folders></m:GetFolderResponseMessage>)"}),
          2)) == "folder 2 has no FolderId");
  CHECK(
      message(parse_get_folder_response(
          200,
          exchange_response(
              "GetFolder",
              {R"(<m:GetFolderResponseMessage><m:ResponseCode>NoError</m:ResponseCode></m:GetFolderResponseMessage>)"}),
          1)) == "message 1 has no ResponseClass");
  CHECK(
      message(parse_get_folder_response(
          200,
          exchange_response("GetFolder", {R"(<m:GetFolderResponseMessage ResponseClass="Fine"/>)"}),
          1)) == "message 1 has ResponseClass \"Fine\" (expected Success, Warning or Error)");
  CHECK(message(parse_get_folder_response(
            200,
            exchange_response("GetFolder",
                              {R"(<m:GetFolderResponseMessage ResponseClass="Error"/>)"}),
            1)) == "message 1 is an error without a ResponseCode");
  CHECK(message(parse_get_folder_response(
            200,
            exchange_envelope(
                "<m:GetFolderResponse "
                "xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\"/>"),
            1)) == "the GetFolder response has no ResponseMessages");
}

TEST_CASE("GetFolder: wrong namespaces are refused, not read as empty", "[ews]") {
  std::string https = three_folders();
  for (size_t at; (at = https.find("http://schemas.microsoft.com")) != std::string::npos;)
    https.replace(at, 4, "https");
  CHECK(message(parse_get_folder_response(200, https, 3)) ==
        "unexpected element m:GetFolderResponse (namespace "
        "https://schemas.microsoft.com/exchange/services/2006/messages) in the response");

  std::string no_xmlns = three_folders();
  const std::string declaration =
      R"( xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages")";
  no_xmlns.erase(no_xmlns.find(declaration), declaration.size());
  CHECK(message(parse_get_folder_response(200, no_xmlns, 3)) ==
        "unexpected element m:GetFolderResponse (no namespace) in the response");

  // Thunderbird's mock server puts the folders under t:Folders; the schema says m:Folders.
  CHECK(
      message(parse_get_folder_response(
          200,
          exchange_response(
              "GetFolder",
              {R"(<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
               R"(<t:Folders><t:Folder><t:FolderId Id="A"/></t:Folder></t:Folders></m:GetFolderResponseMessage>)"}),
          1)) ==
      "unexpected element t:Folders (namespace "
      "http://schemas.microsoft.com/exchange/services/2006/types) "
      "in the response");
  CHECK(message(parse_get_folder_response(
            200, exchange_response("GetFolder", {folder_message("GetItem", "t:Folder", "A")}),
            1)) == "unexpected element m:GetItemResponseMessage in the response");
}

TEST_CASE("GetFolder: HTTP errors without a fault, and huge bodies", "[ews]") {
  CHECK(message(parse_get_folder_response(500, three_folders(), 3)) ==
        "HTTP 500 without a SOAP fault");
  CHECK(message(parse_get_folder_response(500, "<html>Runtime Error", 3)) ==
        "HTTP 500: the response is not XML: Start-end tags mismatch at byte 18");
  const std::string huge = three_folders() + std::string(64u << 20, ' ');
  CHECK(message(parse_get_folder_response(200, huge, 3)) == "the response is too large (" +
                                                                std::to_string(huge.size()) +
                                                                " bytes; the limit is 67108864)");
}

TEST_CASE("FindFolder: the folders under m:RootFolder/t:Folders", "[ews]") {
  auto found = parse_find_folder_response(
      200, exchange_response("FindFolder", {find_folder_message({"F1", "F2"}, "CRM Sync")}));
  REQUIRE(found.ok());
  REQUIRE(found->items.size() == 2);
  CHECK(found->items[0].ok);
  CHECK(found->items[0].id == "F1");
  CHECK(found->items[0].display_name == "CRM Sync");
  CHECK(found->items[1].id == "F2");

  auto none = parse_find_folder_response(
      200, exchange_response("FindFolder", {find_folder_message({}, "")}));
  REQUIRE(none.ok());
  CHECK(none->items.empty());

  auto no_folders_element = parse_find_folder_response(
      200,
      exchange_response(
          "FindFolder",
          {R"(<m:FindFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
           R"(<m:RootFolder TotalItemsInView="0" IncludesLastItemInRange="true"/></m:FindFolderResponseMessage>)"}));
  REQUIRE(no_folders_element.ok());
  CHECK(no_folders_element->items.empty());

  auto failed = parse_find_folder_response(
      200, exchange_response("FindFolder",
                             {error_message("FindFolder", "ErrorFolderNotFound", "gone")}));
  REQUIRE(failed.ok());
  REQUIRE(failed->items.size() == 1);
  CHECK(!failed->items[0].ok);
  CHECK(failed->items[0].error.code == "ErrorFolderNotFound");
}

TEST_CASE("FindFolder: malformed responses", "[ews]") {
  CHECK(message(parse_find_folder_response(
            200, exchange_response("FindFolder", {find_folder_message({"A"}, "x"),
                                                  find_folder_message({"B"}, "x")}))) ==
        "the FindFolder response has 2 messages for 1 parent folder");
  CHECK(
      message(parse_find_folder_response(
          200,
          exchange_response(
              "FindFolder",
              {R"(<m:FindFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
               R"(</m:FindFolderResponseMessage>)"}))) ==
      "the FindFolder response has no RootFolder");
  CHECK(
      message(parse_find_folder_response(
          200,
          exchange_response(
              "FindFolder",
              {R"(<m:FindFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
               R"(<m:RootFolder><m:Folders><t:Folder><t:FolderId Id="A"/></t:Folder></m:Folders></m:RootFolder>)"
               R"(</m:FindFolderResponseMessage>)"}))) ==
      "unexpected element m:Folders (namespace "
      "http://schemas.microsoft.com/exchange/services/2006/messages) "
      "in the response");
  CHECK(
      message(parse_find_folder_response(
          200,
          exchange_response(
              "FindFolder",
              {R"(<m:FindFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
               R"(<m:RootFolder><t:Folders><t:Folder><t:FolderId Id="A"/></t:Folder><t:Folder/></t:Folders>)"
               R"(</m:RootFolder></m:FindFolderResponseMessage>)"}))) ==
      "found folder 2 has no FolderId");
}

TEST_CASE("CreateFolder: the new id, or ErrorFolderExists", "[ews]") {
  auto created = parse_create_folder_response(
      200, exchange_response("CreateFolder", {folder_message("CreateFolder", "t:Folder", "NEW1")}));
  REQUIRE(created.ok());
  REQUIRE(created->items.size() == 1);
  CHECK(created->items[0].ok);
  CHECK(created->items[0].id == "NEW1");

  auto exists = parse_create_folder_response(
      200, exchange_response("CreateFolder",
                             {error_message("CreateFolder", "ErrorFolderExists",
                                            "A folder with the specified name already exists.",
                                            "<m:Folders/>")}));
  REQUIRE(exists.ok());
  CHECK(!exists->items[0].ok);
  CHECK(exists->items[0].error.code == "ErrorFolderExists");
  CHECK(message(parse_create_folder_response(200, exchange_response("CreateFolder", {}))) ==
        "the CreateFolder response has 0 messages for 1 folder");
}

TEST_CASE("ResolveNames: mailboxes, or ErrorNameResolutionNoResults", "[ews]") {
  auto resolved = parse_resolve_names_response(
      200, exchange_response("ResolveNames",
                             {resolve_names_message({{"Alice Adams", "alice@example.local"}})}));
  REQUIRE(resolved.ok());
  REQUIRE(resolved->items.size() == 1);
  CHECK(resolved->items[0].ok);
  CHECK(resolved->items[0].name == "Alice Adams");
  CHECK(resolved->items[0].smtp == "alice@example.local");
  CHECK(resolved->items[0].mailbox_type == "Mailbox");

  auto none = parse_resolve_names_response(
      200, exchange_response("ResolveNames",
                             {error_message("ResolveNames", "ErrorNameResolutionNoResults",
                                            "No results were found.")}));
  REQUIRE(none.ok());
  REQUIRE(none->items.size() == 1);
  CHECK(!none->items[0].ok);
  CHECK(none->items[0].error.code == "ErrorNameResolutionNoResults");

  CHECK(
      message(parse_resolve_names_response(
          200,
          exchange_response(
              "ResolveNames",
              {R"(<m:ResolveNamesResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
               R"(<m:ResolutionSet><t:Resolution><t:Mailbox/></t:Resolution><t:Resolution/></m:ResolutionSet>)"
               R"(</m:ResolveNamesResponseMessage>)"}))) == "resolution 2 has no Mailbox");
  CHECK(message(parse_resolve_names_response(200, three_folders())) ==
        "unexpected element m:GetFolderResponse in the response");
}

TEST_CASE("explain puts codes in words, unknown codes give the server's message", "[ews]") {
  CHECK(explain({"ErrorImpersonateUserDenied", "x", {}}) ==
        "the service account may not impersonate this mailbox (not in the impersonation scope, or "
        "the role is not assigned)");
  CHECK(explain({"ErrorNonExistentMailbox",
                 "The SMTP address has no mailbox associated with it.",
                 {}}) == "no such mailbox");
  CHECK(explain({"ErrorFolderNotFound", "", {}}) == "no such folder");
  CHECK(explain({"ErrorServerBusy", "", 10}) == "the server is busy and throttled the request");
  CHECK(explain({"ErrorSomethingNew", "The server says so.", {}}) == "The server says so.");
  CHECK(explain({"ErrorSomethingNew", "", {}}) == "ErrorSomethingNew");
  for (const char* code :
       {"ErrorImpersonationDenied", "ErrorImpersonationFailed", "ErrorAccessDenied",
        "ErrorInvalidServerVersion", "ErrorSchemaValidation", "ErrorMailboxMoveInProgress",
        "ErrorMailboxStoreUnavailable", "ErrorExceededConnectionCount"})
    CHECK(explain({code, "server text", {}}) != "server text");
}

TEST_CASE("classify: throttled, transient, mailbox, fatal", "[ews]") {
  for (const char* code :
       {"ErrorServerBusy", "ErrorExceededConnectionCount", "ErrorTooManyObjectsOpened"})
    CHECK(classify(code) == ErrorClass::Throttled);
  for (const char* code : {"ErrorMailboxStoreUnavailable", "ErrorMailboxMoveInProgress",
                           "ErrorTimeoutExpired", "ErrorInternalServerError"})
    CHECK(classify(code) == ErrorClass::Transient);
  for (const char* code : {"ErrorNonExistentMailbox", "ErrorImpersonateUserDenied"})
    CHECK(classify(code) == ErrorClass::Mailbox);
  for (const char* code :
       {"ErrorAccessDenied", "ErrorInvalidServerVersion", "ErrorFolderNotFound", "", "NoError"})
    CHECK(classify(code) == ErrorClass::Fatal);
}

TEST_CASE("GetFolder: an id that is not an EWS id is refused, never taken as data", "[ews]") {
  auto folder_with = [](const std::string& id_attribute) {
    return parse_get_folder_response(
        200,
        exchange_response("GetFolder", {folder_message("GetFolder", "t:Folder", id_attribute)}), 1);
  };
  CHECK(message(folder_with(std::string(10'000'000, 'A'))) ==
        "folder 1: its FolderId is 10000000 characters long (at most 512)");
  CHECK(message(folder_with("AAMk&#13;&#10;x")) ==
        "folder 1: its FolderId is not base64 text (character 5)");
  CHECK(message(folder_with("&apos;; DROP TABLE sync_folder_link; --")) ==
        "folder 1: its FolderId is not base64 text (character 1)");
  CHECK(message(folder_with("AA]]&gt;&lt;!--")) ==
        "folder 1: its FolderId is not base64 text (character 3)");
  CHECK(message(folder_with("AA\xE2\x80\xAE"
                            "bb")) == "folder 1: its FolderId is not base64 text (character 3)");
  CHECK(message(folder_with("AA==AA")) ==
        "folder 1: its FolderId is not base64 text (character 5)");
  // A real one, with its padding.
  auto good = folder_with("AAMkADk0ZjFmNGQ1LWE3YjctNDY2OS1iZjJmLWI2N2I3YzE3MTg4YQAuAAAAAAA+AQ==");
  REQUIRE(good.ok());
  CHECK(good->items[0].id ==
        "AAMkADk0ZjFmNGQ1LWE3YjctNDY2OS1iZjJmLWI2N2I3YzE3MTg4YQAuAAAAAAA+AQ==");
}

}  // namespace sd::ews
