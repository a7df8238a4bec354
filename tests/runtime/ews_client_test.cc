#include "runtime/exchange/ews_client.h"

#include <catch2/catch.hpp>
#include <mutex>

#include "protocol/soap.h"
#include "tests/base/result_support.h"
#include "tests/protocol/ews_fixtures_support.h"
#include "tests/runtime/http/tls_test_server_support.h"

using namespace sd;
using namespace sd::test;

namespace {

using Reply = std::variant<http::Response, http::TransportError>;

// A transport that answers from a script, one reply per request, and records the requests.
class ScriptedHttps final : public http::HttpsClient {
 public:
  explicit ScriptedHttps(std::vector<Reply> script) : script_(std::move(script)) {}

  Reply send(http::Request request) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
    if (next_ >= script_.size()) return http::TransportError{"fake: no scripted reply", false};
    return script_[next_++];
  }
  const http::HttpsUrl& endpoint() const override { return url_; }
  size_t connections_opened() const override { return 0; }

  std::vector<http::Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  http::HttpsUrl url_{"exch01.example.local", 443, "/EWS/Exchange.asmx"};
  mutable std::mutex mutex_;
  std::vector<Reply> script_;
  size_t next_ = 0;
  std::vector<http::Request> requests_;
};

http::Response http_reply(int status, std::string body, http::Headers headers = {}) {
  return http::Response{status, std::move(headers), std::move(body)};
}

const std::string kUrl = "https://exch01.example.local/EWS/Exchange.asmx";
const std::string kAlice = "alice@example.local";
const std::vector<std::string> kFolders = {"calendar", "tasks", "contacts"};

EwsEndpoint lab_endpoint() {
  EwsEndpoint endpoint;
  endpoint.url = kUrl;
  endpoint.user = "nexj-sync@example.local";
  endpoint.password = "secret";
  endpoint.version = ExchangeVersion::Exchange2016;
  endpoint.scheduling.base_delay = std::chrono::milliseconds(1);
  endpoint.scheduling.max_delay = std::chrono::milliseconds(4);
  endpoint.scheduling.seed = 7;
  return endpoint;
}

// The client over a scripted transport; `fake` stays valid while the client lives.
struct Rig {
  ScriptedHttps* fake;
  std::unique_ptr<EwsClient> client;
};
Rig rig(std::vector<Reply> script, EwsEndpoint endpoint = lab_endpoint()) {
  auto transport = std::make_unique<ScriptedHttps>(std::move(script));
  ScriptedHttps* fake = transport.get();
  return Rig{fake, EwsClient::over(std::move(transport), endpoint)};
}

std::string three_folders() {
  return exchange_response("GetFolder", {folder_message("GetFolder", "t:CalendarFolder", "CAL1"),
                                         folder_message("GetFolder", "t:TasksFolder", "TSK1"),
                                         folder_message("GetFolder", "t:ContactsFolder", "CON1")});
}

std::string header_of(const http::Request& request, std::string_view name) {
  for (const auto& [key, value] : request.headers)
    if (key == name) return value;
  return "<none>";
}

using sd::test::message;

const std::map<std::string, std::string> kThreeIds = {
    {"calendar", "CAL1"}, {"tasks", "TSK1"}, {"contacts", "CON1"}};

}  // namespace

TEST_CASE("get_folders: one GetFolder as the mailbox, ids by distinguished name", "[ews-client]") {
  Rig r = rig({http_reply(200, three_folders())});
  MailboxFolders result = r.client->get_folders(kAlice, kFolders);
  CHECK(result.status == MailboxFolders::Status::Ok);
  CHECK(result.reason == "");
  CHECK(result.folder_ids == kThreeIds);

  const std::vector<http::Request> sent = r.fake->requests();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].method == "POST");
  CHECK(sent[0].target == "");
  CHECK(header_of(sent[0], "Content-Type") == "text/xml; charset=utf-8");
  CHECK(header_of(sent[0], "X-AnchorMailbox") == kAlice);
  CHECK(sent[0].body == ews::get_folder_request({"Exchange2013_SP1", kAlice}, kFolders));
}

TEST_CASE("get_folders: Exchange 2010 is asked with Exchange2010_SP2", "[ews-client]") {
  EwsEndpoint endpoint = lab_endpoint();
  endpoint.version = ExchangeVersion::Exchange2010;
  Rig r = rig({http_reply(200, three_folders())}, endpoint);
  CHECK(r.client->get_folders(kAlice, kFolders).status == MailboxFolders::Status::Ok);
  CHECK(r.fake->requests().at(0).body ==
        ews::get_folder_request({"Exchange2010_SP2", kAlice}, kFolders));
}

TEST_CASE("get_folders: ErrorNonExistentMailbox as a fault on HTTP 500 and on 200",
          "[ews-client]") {
  for (int status : {500, 200}) {
    Rig r = rig({http_reply(
        status, exchange_fault("ErrorNonExistentMailbox",
                               "The SMTP address has no mailbox associated with it."))});
    MailboxFolders result = r.client->get_folders(kAlice, kFolders);
    CHECK(result.status == MailboxFolders::Status::NoMailbox);
    CHECK(result.reason == "no such mailbox (ErrorNonExistentMailbox)");
    CHECK(result.folder_ids.empty());
    CHECK(r.fake->requests().size() == 1);  // a final answer: not retried
  }
}

TEST_CASE(
    "get_folders: ErrorImpersonateUserDenied is this user's, ErrorImpersonationDenied is the "
    "account's, for every mailbox",
    "[ews-client]") {
  Rig r =
      rig({http_reply(
               500, exchange_fault(
                        "ErrorImpersonateUserDenied",
                        "The account does not have permission to impersonate the requested user.")),
           http_reply(500, exchange_fault("ErrorImpersonationDenied", "no"))});
  MailboxFolders denied = r.client->get_folders(kAlice, kFolders);
  CHECK(denied.status == MailboxFolders::Status::Denied);
  CHECK(denied.reason ==
        "the service account may not impersonate this mailbox (not in the impersonation scope, or "
        "the role is not assigned) (ErrorImpersonateUserDenied)");
  MailboxFolders through = r.client->get_folders("bob@example.local", kFolders);
  CHECK(through.status == MailboxFolders::Status::Failed);
  CHECK(through.reason ==
        "the service account may not impersonate users through this server "
        "(ErrorImpersonationDenied)");
  // Latched: the next mailbox gets the same answer without a request.
  MailboxFolders next = r.client->get_folders("carol@example.local", kFolders);
  CHECK(next.status == MailboxFolders::Status::Failed);
  CHECK(next.reason == through.reason);
  CHECK(r.fake->requests().size() == 2);
}

TEST_CASE("get_folders: ErrorServerBusy waits BackOffMilliseconds, then succeeds", "[ews-client]") {
  Rig r = rig({http_reply(500, exchange_fault("ErrorServerBusy", "Try again later.", 50)),
               http_reply(200, three_folders())});
  const auto start = std::chrono::steady_clock::now();
  MailboxFolders result = r.client->get_folders(kAlice, kFolders);
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(result.status == MailboxFolders::Status::Ok);
  CHECK(result.folder_ids == kThreeIds);
  const http::SchedulerStats stats = r.client->stats();
  CHECK(stats.requests == 2);
  CHECK(stats.throttled == 1);
  CHECK(stats.retries == 0);
  CHECK(stats.throttled_time >= std::chrono::milliseconds(40));
  CHECK(waited >= std::chrono::milliseconds(40));
}

TEST_CASE("get_folders: ErrorServerBusy in a response message is throttling too", "[ews-client]") {
  Rig r =
      rig({http_reply(200, exchange_response(
                               "GetFolder",
                               {error_message("GetFolder", "ErrorServerBusy", "busy",
                                              "<m:MessageXml><t:Value Name=\"BackOffMilliseconds\">"
                                              "30</t:Value></m:MessageXml>")})),
           http_reply(200, exchange_response("GetFolder",
                                             {folder_message("GetFolder", "t:Folder", "ROOT")}))});
  MailboxFolders result = r.client->get_folders(kAlice, {"msgfolderroot"});
  CHECK(result.status == MailboxFolders::Status::Ok);
  CHECK(result.folder_ids == std::map<std::string, std::string>{{"msgfolderroot", "ROOT"}});
  CHECK(r.client->stats().throttled == 1);
  CHECK(r.client->stats().throttled_time >= std::chrono::milliseconds(20));
}

TEST_CASE("get_folders: transient errors are retried with backoff", "[ews-client]") {
  Rig r = rig(
      {http::TransportError{"exch01.example.local:443: connection refused", true},
       http_reply(500, "<html><body>Runtime Error</body></html>"),
       http_reply(200, exchange_response(
                           "GetFolder",
                           {error_message("GetFolder", "ErrorMailboxStoreUnavailable",
                                          "The mailbox database is temporarily unavailable.")})),
       http_reply(200, three_folders())});
  MailboxFolders result = r.client->get_folders(kAlice, kFolders);
  CHECK(result.status == MailboxFolders::Status::Ok);
  CHECK(result.folder_ids == kThreeIds);
  CHECK(r.client->stats().requests == 4);
  CHECK(r.client->stats().retries == 3);
}

TEST_CASE("get_folders: retries run out with the last reason", "[ews-client]") {
  EwsEndpoint endpoint = lab_endpoint();
  endpoint.scheduling.max_attempts = 3;
  Rig r = rig({http_reply(500, ""), http_reply(500, ""), http_reply(500, "")}, endpoint);
  MailboxFolders result = r.client->get_folders(kAlice, kFolders);
  CHECK(result.status == MailboxFolders::Status::Failed);
  CHECK(result.reason == "gave up after 3 attempts: HTTP 500 without a SOAP fault from " + kUrl);
  CHECK(r.fake->requests().size() == 3);
}

TEST_CASE("get_folders: a folder the mailbox lacks makes it unusable, naming the folder",
          "[ews-client]") {
  Rig r = rig({http_reply(
      200, exchange_response("GetFolder",
                             {folder_message("GetFolder", "t:CalendarFolder", "CAL1"),
                              error_message("GetFolder", "ErrorFolderNotFound",
                                            "The specified folder could not be found in the store.",
                                            "<m:Folders/>"),
                              folder_message("GetFolder", "t:ContactsFolder", "CON1")}))});
  MailboxFolders result = r.client->get_folders(kAlice, kFolders);
  CHECK(result.status == MailboxFolders::Status::Unusable);
  CHECK(result.reason == "folder tasks: no such folder (ErrorFolderNotFound)");
  CHECK(result.folder_ids.empty());
}

TEST_CASE("get_folders: a malformed body names the endpoint and the problem, unretried",
          "[ews-client]") {
  Rig r = rig({http_reply(200, "<html><body>Sign in</body></html>"),
               http_reply(200, exchange_response("GetFolder",
                                                 {folder_message("GetFolder", "t:Folder", "A")}))});
  MailboxFolders html = r.client->get_folders(kAlice, kFolders);
  CHECK(html.status == MailboxFolders::Status::Failed);
  CHECK(html.reason ==
        kUrl + ": the response is not a SOAP envelope (root element html without a namespace)");
  MailboxFolders short_answer = r.client->get_folders(kAlice, kFolders);
  CHECK(short_answer.reason == kUrl + ": the GetFolder response has 1 message for 3 folders");
  CHECK(r.fake->requests().size() == 2);
}

TEST_CASE("get_folders: a hostile folder id is that mailbox's error, never an id", "[ews-client]") {
  Rig r = rig({http_reply(
      200, exchange_response("GetFolder",
                             {folder_message("GetFolder", "t:CalendarFolder", "CAL1"),
                              folder_message("GetFolder", "t:TasksFolder", "TSK1&#10;&lt;x&gt;"),
                              folder_message("GetFolder", "t:ContactsFolder", "CON1")}))});
  MailboxFolders answer = r.client->get_folders(kAlice, kFolders);
  CHECK(answer.status == MailboxFolders::Status::Failed);
  CHECK(answer.reason == kUrl + ": folder 2: its FolderId is not base64 text (character 5)");
  CHECK(answer.folder_ids.empty());
  CHECK(r.fake->requests().size() == 1);  // not retried: the same answer would come again
}

TEST_CASE("get_folders: one Error message for three folders is retried only when retrying helps",
          "[ews-client]") {
  // The response is read once: the same parse gives the scheduler its verdict and the caller
  // its answer. A throttled message stands for the whole response; any other is malformed.
  Rig r = rig(
      {http_reply(200, exchange_response("GetFolder",
                                         {error_message("GetFolder", "ErrorServerBusy", "busy")})),
       http_reply(200, three_folders()),
       http_reply(200, exchange_response(
                           "GetFolder", {error_message("GetFolder", "ErrorAccessDenied", "no")}))});
  MailboxFolders busy_then_ok = r.client->get_folders(kAlice, kFolders);
  CHECK(busy_then_ok.status == MailboxFolders::Status::Ok);
  CHECK(busy_then_ok.folder_ids == kThreeIds);
  CHECK(r.client->stats().throttled == 1);
  MailboxFolders denied = r.client->get_folders(kAlice, kFolders);
  CHECK(denied.status == MailboxFolders::Status::Failed);
  CHECK(denied.reason == kUrl + ": the GetFolder response has 1 message for 3 folders");
  CHECK(r.fake->requests().size() == 3);
  CHECK(r.client->stats().retries == 0);
}

TEST_CASE("get_folders: HTTP 401 latches the endpoint, later calls send nothing", "[ews-client]") {
  Rig r = rig({http_reply(401, "", {{"WWW-Authenticate", "Basic realm=\"exch01\""}}),
               http_reply(200, three_folders())});
  const std::string reason = "bad credentials for nexj-sync@example.local (HTTP 401)";
  MailboxFolders first = r.client->get_folders(kAlice, kFolders);
  CHECK(first.status == MailboxFolders::Status::Failed);
  CHECK(first.reason == reason);
  MailboxFolders second = r.client->get_folders("bob@example.local", kFolders);
  CHECK(second.status == MailboxFolders::Status::Failed);
  CHECK(second.reason == reason);
  CHECK(message(r.client->resolve_names("bob@example.local")) ==
        "resolving bob@example.local: " + reason);
  CHECK(r.fake->requests().size() == 1);
}

TEST_CASE("get_folders: HTTP 403, TLS verification and ErrorInvalidServerVersion latch too",
          "[ews-client]") {
  Rig forbidden = rig({http_reply(403, "")});
  const std::string refused =
      "EWS refused the service account nexj-sync@example.local (HTTP 403): EWS may be disabled for "
      "it";
  CHECK(forbidden.client->get_folders(kAlice, kFolders).reason == refused);
  CHECK(forbidden.client->get_folders(kAlice, kFolders).reason == refused);
  CHECK(forbidden.fake->requests().size() == 1);

  const std::string untrusted =
      "exch01.example.local:443: certificate verify failed (self-signed certificate in certificate "
      "chain)";
  Rig tls = rig({http::TransportError{untrusted, false}});
  CHECK(tls.client->get_folders(kAlice, kFolders).reason == untrusted);
  CHECK(tls.client->get_folders(kAlice, kFolders).reason == untrusted);
  CHECK(tls.fake->requests().size() == 1);

  Rig version = rig({http_reply(500, exchange_fault("ErrorInvalidServerVersion",
                                                    "The specified server version is invalid."))});
  const std::string invalid =
      "the server does not accept the requested Exchange version (check exchange.version in the "
      "spec) (ErrorInvalidServerVersion)";
  CHECK(version.client->get_folders(kAlice, kFolders).reason == invalid);
  CHECK(version.client->get_folders(kAlice, kFolders).reason == invalid);
  CHECK(version.fake->requests().size() == 1);
}

TEST_CASE("get_folders: other failures do not latch", "[ews-client]") {
  Rig r = rig({http_reply(302, "", {{"Location", "https://owa.example.local/"}}),
               http::TransportError{
                   "exch01.example.local:443: the response is larger than 10 bytes", false},
               http_reply(200, three_folders())});
  CHECK(r.client->get_folders(kAlice, kFolders).reason == "unexpected HTTP 302 from " + kUrl);
  CHECK(r.client->get_folders(kAlice, kFolders).reason ==
        "exch01.example.local:443: the response is larger than 10 bytes");
  CHECK(r.client->get_folders(kAlice, kFolders).status == MailboxFolders::Status::Ok);
  CHECK(r.fake->requests().size() == 3);
}

// get_folders_many(): the fast path. The scripted transport answers send_many() through its
// default (one request after another), so the script's order is the requests' order.
namespace {

const std::vector<std::string> kThree = {"a@example.local", "b@example.local", "c@example.local"};

std::vector<std::optional<MailboxFolders>> ask_many(EwsClient& client,
                                                    const std::vector<std::string>& smtps) {
  std::vector<MailboxQuestion> questions;
  for (const std::string& smtp : smtps) questions.push_back({&smtp, &kFolders});
  std::vector<std::optional<MailboxFolders>> answers;
  client.get_folders_many(questions, 8, answers);
  REQUIRE(answers.size() == smtps.size());
  return answers;
}

}  // namespace

TEST_CASE("get_folders_many: final answers at once, each as get_folders() gives it",
          "[ews-client]") {
  Rig r = rig({http_reply(200, three_folders()),
               http_reply(500, exchange_fault("ErrorNonExistentMailbox", "No mailbox.")),
               http_reply(200, three_folders())});
  auto answers = ask_many(*r.client, kThree);
  REQUIRE(answers[0]);
  CHECK(answers[0]->status == MailboxFolders::Status::Ok);
  CHECK(answers[0]->folder_ids == kThreeIds);
  REQUIRE(answers[1]);
  CHECK(answers[1]->status == MailboxFolders::Status::NoMailbox);
  CHECK(answers[1]->reason == "no such mailbox (ErrorNonExistentMailbox)");
  REQUIRE(answers[2]);
  CHECK(answers[2]->status == MailboxFolders::Status::Ok);
  const std::vector<http::Request> sent = r.fake->requests();
  REQUIRE(sent.size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(header_of(sent[i], "X-AnchorMailbox") == kThree[i]);
  CHECK(r.client->stats().requests == 3);
}

TEST_CASE("get_folders_many: a throttled answer stops it, and is get_folders()'s first attempt",
          "[ews-client]") {
  Rig r = rig({http_reply(200, three_folders()),
               http_reply(500, exchange_fault("ErrorServerBusy", "Try again later.", 20)),
               http_reply(200, three_folders()), http_reply(200, three_folders())});
  auto answers = ask_many(*r.client, kThree);
  CHECK(answers[0]);
  CHECK_FALSE(answers[1]);
  CHECK_FALSE(answers[2]);  // not sent: the server asked to wait
  CHECK(r.fake->requests().size() == 2);

  // b's busy answer counts as its first attempt: the scheduler waits, then sends once more.
  MailboxFolders b = r.client->get_folders(kThree[1], kFolders);
  CHECK(b.status == MailboxFolders::Status::Ok);
  CHECK(r.fake->requests().size() == 3);
  const http::SchedulerStats stats = r.client->stats();
  CHECK(stats.throttled == 1);
  CHECK(stats.throttled_time >= std::chrono::milliseconds(15));
  CHECK(r.client->get_folders(kThree[2], kFolders).status == MailboxFolders::Status::Ok);
  CHECK(r.client->stats().requests == 4);
}

TEST_CASE("get_folders_many: a transient failure's retries count the one it had", "[ews-client]") {
  EwsEndpoint endpoint = lab_endpoint();
  endpoint.scheduling.max_attempts = 3;
  Rig r = rig({http_reply(500, ""), http_reply(500, ""), http_reply(500, "")}, endpoint);
  auto answers = ask_many(*r.client, {kAlice});
  CHECK_FALSE(answers[0]);
  MailboxFolders result = r.client->get_folders(kAlice, kFolders);
  CHECK(result.reason == "gave up after 3 attempts: HTTP 500 without a SOAP fault from " + kUrl);
  CHECK(r.fake->requests().size() == 3);
}

TEST_CASE("get_folders_many: bad credentials are asked once, alone, and latch", "[ews-client]") {
  Rig r = rig({http_reply(401, ""), http_reply(200, three_folders())});
  auto answers = ask_many(*r.client, kThree);
  REQUIRE(answers[0]);
  CHECK(answers[0]->reason == "bad credentials for nexj-sync@example.local (HTTP 401)");
  CHECK_FALSE(answers[1]);
  CHECK(r.client->get_folders(kThree[1], kFolders).reason == answers[0]->reason);
  CHECK(r.fake->requests().size() == 1);
}

TEST_CASE("find_or_create_folder: an existing folder is found, not created", "[ews-client]") {
  Rig r = rig({http_reply(
      200, exchange_response("FindFolder", {find_folder_message({"FOUND1"}, "CRM Sync")}))});
  auto id = r.client->find_or_create_folder(kAlice, "msgfolderroot", "CRM Sync");
  REQUIRE(id.ok());
  CHECK(*id == "FOUND1");
  const auto sent = r.fake->requests();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].body ==
        ews::find_folder_request({"Exchange2013_SP1", kAlice}, "msgfolderroot", "CRM Sync"));
  CHECK(header_of(sent[0], "X-AnchorMailbox") == kAlice);
}

TEST_CASE("find_or_create_folder: a missing folder is created", "[ews-client]") {
  Rig r = rig(
      {http_reply(200, exchange_response("FindFolder", {find_folder_message({}, "")})),
       http_reply(200, exchange_response("CreateFolder",
                                         {folder_message("CreateFolder", "t:Folder", "NEW1")}))});
  auto id = r.client->find_or_create_folder(kAlice, "msgfolderroot", "CRM Sync");
  REQUIRE(id.ok());
  CHECK(*id == "NEW1");
  const auto sent = r.fake->requests();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].body ==
        ews::create_folder_request({"Exchange2013_SP1", kAlice}, "msgfolderroot", "CRM Sync"));
}

TEST_CASE("find_or_create_folder: ErrorFolderExists (a race) finds the folder again",
          "[ews-client]") {
  Rig r = rig(
      {http_reply(200, exchange_response("FindFolder", {find_folder_message({}, "")})),
       http_reply(
           200, exchange_response("CreateFolder",
                                  {error_message("CreateFolder", "ErrorFolderExists",
                                                 "A folder with the specified name already exists.",
                                                 "<m:Folders/>")})),
       http_reply(200,
                  exchange_response("FindFolder", {find_folder_message({"RACED1"}, "CRM Sync")}))});
  auto id = r.client->find_or_create_folder(kAlice, "msgfolderroot", "CRM Sync");
  REQUIRE(id.ok());
  CHECK(*id == "RACED1");
  CHECK(r.fake->requests().size() == 3);
}

TEST_CASE("find_or_create_folder: ErrorFolderExists with nothing found again is an error",
          "[ews-client]") {
  const std::string none = exchange_response("FindFolder", {find_folder_message({}, "")});
  Rig r =
      rig({http_reply(200, none),
           http_reply(200, exchange_response(
                               "CreateFolder",
                               {error_message("CreateFolder", "ErrorFolderExists",
                                              "A folder with the specified name already exists.",
                                              "<m:Folders/>")})),
           http_reply(200, none)});
  CHECK(message(r.client->find_or_create_folder(kAlice, "msgfolderroot", "CRM Sync")) ==
        "folder \"CRM Sync\" under msgfolderroot for alice@example.local: CreateFolder says it "
        "exists (ErrorFolderExists) but FindFolder finds none");
  CHECK(r.fake->requests().size() == 3);
}

TEST_CASE("find_or_create_folder: errors name the folder and the mailbox", "[ews-client]") {
  Rig r = rig({http_reply(500, exchange_fault("ErrorNonExistentMailbox", "no mailbox")),
               http_reply(200, exchange_response("FindFolder", {find_folder_message({}, "")})),
               http_reply(200, exchange_response("CreateFolder",
                                                 {error_message("CreateFolder", "ErrorAccessDenied",
                                                                "Access is denied.")}))});
  CHECK(message(r.client->find_or_create_folder(kAlice, "msgfolderroot", "CRM Sync")) ==
        "folder \"CRM Sync\" under msgfolderroot for alice@example.local: no such mailbox "
        "(ErrorNonExistentMailbox)");
  CHECK(message(r.client->find_or_create_folder(kAlice, "msgfolderroot", "CRM Sync")) ==
        "folder \"CRM Sync\" under msgfolderroot for alice@example.local: access is denied to the "
        "service "
        "account (ErrorAccessDenied)");
}

TEST_CASE("resolve_names: as the service account, without impersonation", "[ews-client]") {
  Rig r =
      rig({http_reply(200, exchange_response("ResolveNames",
                                             {resolve_names_message({{"Alice Adams", kAlice}})})),
           http_reply(
               200, exchange_response("ResolveNames",
                                      {error_message("ResolveNames", "ErrorNameResolutionNoResults",
                                                     "No results were found.")}))});
  auto names = r.client->resolve_names(kAlice);
  REQUIRE(names.ok());
  REQUIRE(names->size() == 1);
  CHECK((*names)[0].name == "Alice Adams");
  CHECK((*names)[0].smtp == kAlice);
  CHECK((*names)[0].mailbox_type == "Mailbox");

  auto none = r.client->resolve_names("nobody@example.local");
  REQUIRE(none.ok());
  CHECK(none->empty());

  const auto sent = r.fake->requests();
  REQUIRE(sent.size() == 2);
  CHECK(header_of(sent[0], "X-AnchorMailbox") == "<none>");
  CHECK(sent[0].body == ews::resolve_names_request({"Exchange2013_SP1", ""}, kAlice));
  CHECK(sent[0].body.find("ExchangeImpersonation") == std::string::npos);
}

TEST_CASE("EwsClient::create refuses an endpoint that is not https", "[ews-client]") {
  EwsEndpoint endpoint = lab_endpoint();
  endpoint.url = "http://exch01.example.local/EWS/Exchange.asmx";
  auto client = EwsClient::create(endpoint);
  REQUIRE(!client.ok());
  CHECK(client.errors().front().message ==
        "EWS endpoint: not an https URL: http://exch01.example.local/EWS/Exchange.asmx");
  endpoint.url = kUrl;
  CHECK(EwsClient::create(endpoint).ok());
}

TEST_CASE("get_folders: an answer that does not end is cut at max_response_bytes, unretried",
          "[ews-client]") {
  // 64 MiB, chunked: as a server that streams without end looks until the limit.
  TlsTestServer server{{"exch01.example.local"}};
  server.script([](unsigned, const ReceivedRequest&) {
    TestAnswer answer;
    answer.kind = TestAnswer::HugeBody;
    answer.huge_bytes = 64u << 20;
    answer.chunked = true;
    return answer;
  });
  EwsEndpoint endpoint = lab_endpoint();
  endpoint.ca_file = server.certificates().ca_file;
  endpoint.connect_to = {{"exch01.example.local", 443, "127.0.0.1", server.port()}};
  Result<std::unique_ptr<EwsClient>> client = EwsClient::create(endpoint);
  REQUIRE(client.ok());
  MailboxFolders answer = (*client)->get_folders(kAlice, kFolders);
  CHECK(answer.status == MailboxFolders::Status::Failed);
  CHECK(answer.reason == "exch01.example.local:443: the response is larger than 1048576 bytes");
  CHECK(server.requests() == 1);
}
