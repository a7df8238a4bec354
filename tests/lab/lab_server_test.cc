// The lab served in-process on a free port and spoken to over real HTTPS with the project's
// own client, verifying the lab's CA.
#include "lab/server/lab_server.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "protocol/ews_messages.h"
#include "runtime/http/http_auth.h"
#include "runtime/http/https_client.h"
#include "tests/cli/golden_support.h"
#include "tests/lab/lab_support.h"

namespace sd::lab {
namespace {

using namespace std::chrono_literals;

struct RunningLab {
  test::ScratchDir dir;
  std::unique_ptr<LabServer> server;

  explicit RunningLab(FaultOptions faults = {}, std::string_view directory = test::kTestDirectory,
                      size_t max_request_bytes = 1u << 20) {
    LabOptions options;
    options.state_file = dir.path("state.db");
    options.directory_file = dir.write("directory.yaml", directory);
    options.cert_dir = dir.path("certs");
    options.faults = faults;
    options.auth.basic = true;  // these tests are about EWS, not authentication
    options.max_request_bytes = max_request_bytes;
    Result<std::unique_ptr<LabServer>> started = LabServer::start(options);
    if (!started.ok()) FAIL(started.errors().front().format());
    server = std::move(*started);
  }

  std::unique_ptr<http::HttpsClient> client(std::string user = "nexj-sync@example.local",
                                            std::string password = "lab-password",
                                            std::chrono::milliseconds read_timeout = 10s) {
    Result<http::HttpsUrl> url = http::parse_https_url(server->ews_url());
    REQUIRE(url.ok());
    http::ClientOptions options;
    options.ca_file = server->ca_file();
    options.connect_timeout = 10s;
    options.read_timeout = read_timeout;
    std::shared_ptr<http::Authenticator> credentials;
    if (!user.empty())
      credentials = http::Authenticator::basic(std::move(user), std::move(password));
    Result<std::unique_ptr<http::HttpsClient>> made =
        http::HttpsClient::create(*url, options, credentials);
    REQUIRE(made.ok());
    return std::move(*made);
  }
};

http::Request ews(std::string body) {
  http::Request request;
  request.headers = {{"Content-Type", "text/xml; charset=utf-8"}};
  request.body = std::move(body);
  return request;
}

std::string get_calendar(const std::string& impersonate = "jsmith@example.com") {
  return ews::get_folder_request({"Exchange2013_SP1", impersonate}, {"calendar"});
}

http::Response answered(std::variant<http::Response, http::TransportError> outcome) {
  if (auto* error = std::get_if<http::TransportError>(&outcome)) FAIL(error->message);
  return std::get<http::Response>(std::move(outcome));
}

std::vector<std::string> all_headers(const http::Response& response, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : response.headers)
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        }))
      values.push_back(value);
  return values;
}

TEST_CASE("the lab answers GetFolder over HTTPS, keeping the connection alive", "[lab-server]") {
  RunningLab lab;
  CHECK(lab.server->ews_url() ==
        "https://127.0.0.1:" + std::to_string(lab.server->port()) + "/EWS/Exchange.asmx");
  CHECK(lab.server->ca_file() == lab.dir.path("certs") + "/lab-ca.pem");
  auto client = lab.client();
  for (int i = 0; i < 3; ++i) {
    http::Response response = answered(client->send(ews(get_calendar())));
    REQUIRE(response.status == 200);
    CHECK(response.header("Content-Type") == "text/xml; charset=utf-8");
    auto parsed = ews::parse_get_folder_response(response.status, response.body, 1);
    REQUIRE(parsed.ok());
    CHECK(parsed->items[0].id ==
          lab.server->state().distinguished_folder("jsmith@example.com", "calendar")->id);
  }
  CHECK(client->connections_opened() == 1);
  CHECK(lab.server->stats().requests == 3);
}

TEST_CASE("the lab asks for credentials with 401 and the schemes Exchange offers", "[lab-server]") {
  RunningLab lab;
  std::vector<std::unique_ptr<http::HttpsClient>> clients;
  clients.push_back(lab.client(""));
  clients.push_back(lab.client("nexj-sync@example.local", "wrong"));
  for (auto& client : clients) {
    http::Response response = answered(client->send(ews(get_calendar())));
    CHECK(response.status == 401);
    CHECK(all_headers(response, "WWW-Authenticate") ==
          std::vector<std::string>{"Negotiate", "NTLM", "Basic realm=\"lab\""});
  }
  // DOMAIN\name works as well as the UPN.
  CHECK(answered(lab.client("EXAMPLE\\nexj-sync")->send(ews(get_calendar()))).status == 200);
}

TEST_CASE("only POST to /EWS/Exchange.asmx, oversized bodies are refused", "[lab-server]") {
  RunningLab lab({}, test::kTestDirectory, 4096);
  auto client = lab.client();
  http::Request other = ews(get_calendar());
  other.target = "/owa/";
  CHECK(answered(client->send(other)).status == 404);
  http::Request get;
  get.method = "GET";
  http::Response got = answered(client->send(get));
  CHECK(got.status == 405);
  CHECK(got.header("Allow") == "POST");
  http::Response big = answered(client->send(ews(std::string(5000, 'x'))));
  CHECK(big.status == 413);
  // The lab closed that connection; the next request opens another.
  CHECK(answered(client->send(ews(get_calendar()))).status == 200);
}

TEST_CASE("injected faults with rate 1 happen on every request", "[lab-server]") {
  FaultOptions faults;
  SECTION("reset: the connection is cut without an answer") {
    faults.reset_rate = 1.0;
    RunningLab lab(faults);
    auto outcome = lab.client()->send(ews(get_calendar()));
    REQUIRE(std::holds_alternative<http::TransportError>(outcome));
    CHECK(std::get<http::TransportError>(outcome).transient);
    CHECK(lab.server->stats().faults >= 1);
  }
  SECTION("stall: half an answer, then the client's read timeout") {
    faults.stall_rate = 1.0;
    RunningLab lab(faults);
    auto started = std::chrono::steady_clock::now();
    auto outcome =
        lab.client("nexj-sync@example.local", "lab-password", 300ms)->send(ews(get_calendar()));
    REQUIRE(std::holds_alternative<http::TransportError>(outcome));
    const http::TransportError& error = std::get<http::TransportError>(outcome);
    INFO(error.message);
    CHECK(error.message.find("timed out") != std::string::npos);
    CHECK(error.transient);
    CHECK(std::chrono::steady_clock::now() - started >= 300ms);
  }
  SECTION("503 with Retry-After") {
    faults.http503_rate = 1.0;
    RunningLab lab(faults);
    http::Response response = answered(lab.client()->send(ews(get_calendar())));
    CHECK(response.status == 503);
    CHECK(response.header("Retry-After") == "1");
  }
  SECTION("ErrorServerBusy with the configured back-off") {
    faults.busy_rate = 1.0;
    faults.busy_back_off = 321ms;
    RunningLab lab(faults);
    http::Response response = answered(lab.client()->send(ews(get_calendar())));
    auto parsed = ews::parse_get_folder_response(response.status, response.body, 1);
    REQUIRE(parsed.ok());
    REQUIRE(parsed->fault);
    CHECK(response.status == 500);
    CHECK(parsed->fault->code == "ErrorServerBusy");
    CHECK(parsed->fault->back_off_ms == 321);
  }
  SECTION("ErrorInternalServerError") {
    faults.error_rate = 1.0;
    RunningLab lab(faults);
    http::Response response = answered(lab.client()->send(ews(get_calendar())));
    auto parsed = ews::parse_get_folder_response(response.status, response.body, 1);
    REQUIRE(parsed.ok());
    REQUIRE(parsed->fault);
    CHECK(parsed->fault->code == "ErrorInternalServerError");
    CHECK(lab.server->stats().faults == 1);
  }
  SECTION("latency delays every answer") {
    faults.latency = 200ms;
    RunningLab lab(faults);
    auto client = lab.client();
    auto started = std::chrono::steady_clock::now();
    CHECK(answered(client->send(ews(get_calendar()))).status == 200);
    CHECK(std::chrono::steady_clock::now() - started >= 200ms);
  }
}

TEST_CASE("stop() returns while a stalled connection is open", "[lab-server]") {
  FaultOptions faults;
  faults.stall_rate = 1.0;
  RunningLab lab(faults);
  auto client = lab.client("nexj-sync@example.local", "lab-password", 20s);
  auto request = std::async(std::launch::async, [&] { return client->send(ews(get_calendar())); });
  // Wait (bounded) until the lab has stalled the request.
  for (int i = 0; i < 200 && lab.server->stats().faults == 0; ++i)
    std::this_thread::sleep_for(25ms);
  REQUIRE(lab.server->stats().faults == 1);
  auto stopping = std::async(std::launch::async, [&] { lab.server->stop(); });
  REQUIRE(stopping.wait_for(15s) == std::future_status::ready);
  // The client is told the connection ended, well before its own 20 s timeout.
  REQUIRE(request.wait_for(15s) == std::future_status::ready);
  CHECK(std::holds_alternative<http::TransportError>(request.get()));
}

TEST_CASE("an admin grant is seen by the running lab at the next request", "[lab-server]") {
  RunningLab lab;
  auto client = lab.client("nobody@example.local", "pw-nobody");
  http::Response denied = answered(client->send(ews(get_calendar())));
  auto parsed = ews::parse_get_folder_response(denied.status, denied.body, 1);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->fault);
  CHECK(denied.status == 500);
  CHECK(parsed->fault->code == "ErrorImpersonateUserDenied");

  test::CliRun grant =
      test::run_cli({"lab", "grant-impersonation", "--state", lab.dir.path("state.db"), "--account",
                     "nobody@example.local", "--mailbox", "jsmith@example.com"});
  INFO(grant.err);
  REQUIRE(grant.code == 0);
  CHECK(grant.out == "Granted nobody@example.local impersonation of jsmith@example.com.\n");
  http::Response allowed = answered(client->send(ews(get_calendar())));
  CHECK(allowed.status == 200);
  // Still not mlee.
  CHECK(answered(client->send(ews(get_calendar("mlee@example.com")))).status == 500);
}

TEST_CASE("throttling through the lab, and lifting it with the admin command", "[lab-server]") {
  std::string directory(test::kTestDirectory);
  directory.replace(directory.find("throttling: {"), std::string::npos,
                    "throttling: {maxConcurrency: 5, burst: 3, rechargePerSecond: 1}\n");
  RunningLab lab({}, directory);
  auto client = lab.client();
  for (int i = 0; i < 3; ++i) CHECK(answered(client->send(ews(get_calendar()))).status == 200);
  http::Response busy = answered(client->send(ews(get_calendar())));
  auto parsed = ews::parse_get_folder_response(busy.status, busy.body, 1);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->fault);
  CHECK(parsed->fault->code == "ErrorServerBusy");
  REQUIRE(parsed->fault->back_off_ms);
  CHECK(*parsed->fault->back_off_ms >= 50);
  CHECK(*parsed->fault->back_off_ms <= 1000);
  CHECK(lab.server->stats().throttled == 1);

  test::CliRun lift = test::run_cli({"lab", "throttling", "--state", lab.dir.path("state.db"),
                                     "--account", "nexj-sync@example.local", "unlimited"});
  REQUIRE(lift.code == 0);
  for (int i = 0; i < 10; ++i) CHECK(answered(client->send(ews(get_calendar()))).status == 200);
}

TEST_CASE("a port in use is an error naming it", "[lab-server]") {
  RunningLab first;
  LabOptions options;
  options.state_file = first.dir.path("state.db");
  options.cert_dir = first.dir.path("certs");
  options.port = first.server->port();
  Result<std::unique_ptr<LabServer>> second = LabServer::start(options);
  REQUIRE_FALSE(second.ok());
  CHECK(second.errors().front().format() ==
        "error: cannot listen on 127.0.0.1:" + std::to_string(first.server->port()) +
            ": Address already in use");
}

}  // namespace
}  // namespace sd::lab
