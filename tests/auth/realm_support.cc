#include "tests/auth/realm_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "protocol/ews_messages.h"
#include "tests/cli/golden_support.h"

namespace sd::test {

namespace {

int run_quietly(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str());
}

}  // namespace

TestRealm::TestRealm(const std::vector<std::string>& users) {
  char pattern[] = "/tmp/sd-realm-XXXXXX";
  REQUIRE(::mkdtemp(pattern));
  dir_ = std::string(pattern) + "/realm";
  const std::string script = std::string(SYNCDEPLOY_SOURCE_DIR) + "/scripts/lab_realm.sh";
  std::string user_flags;
  for (const std::string& user : users) user_flags += " --user '" + user + "'";
  int status = run_quietly("bash " + script + " start " + dir_ + user_flags);
  if (status != 0) FAIL("scripts/lab_realm.sh start " + dir_ + " failed");
  running_ = true;
  ::setenv("KRB5_CONFIG", path("krb5.conf").c_str(), 1);
  ::setenv("KRB5CCNAME", ("FILE:" + path("ccache")).c_str(), 1);
  ::setenv("KRB5RCACHEDIR", path("rcache").c_str(), 1);
  ::unsetenv("KRB5_CLIENT_KTNAME");
}

void TestRealm::kinit(const std::string& principal, const std::string& password,
                      const std::string& lifetime) const {
  const std::string kinit = std::string(SYNCDEPLOY_SOURCE_DIR) + "/.deps/krb5/usr/bin/kinit";
  int status = run_quietly("echo '" + password + "' | KRB5_CONFIG=" + path("krb5.conf") +
                           " KRB5CCNAME=FILE:" + path("ccache") + " " + kinit + " -l " + lifetime +
                           " " + principal);
  if (status != 0) FAIL("kinit " + principal + " failed");
}

void TestRealm::restart_kdc_ahead(const std::string& offset) {
  stop_kdc();
  const std::string kdc = std::string(SYNCDEPLOY_SOURCE_DIR) + "/.deps/krb5/usr/sbin/krb5kdc";
  const std::string log = path("kdc-ahead.log");
  ahead_pid_ = ::fork();
  REQUIRE(ahead_pid_ >= 0);
  if (ahead_pid_ == 0) {
    ::setpgid(0, 0);  // faketime runs the KDC as its child: both go with the group
    ::setenv("KRB5_KDC_PROFILE", path("kdc.conf").c_str(), 1);
    ::setenv("KRB5RCACHEDIR", path("rcache").c_str(), 1);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execlp("faketime", "faketime", "-f", offset.c_str(), kdc.c_str(), "-n", "-r", "EXAMPLE.LOCAL",
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Ready once a password gets a ticket (MIT's client corrects its clock to the KDC's).
  const std::string kinit = std::string(SYNCDEPLOY_SOURCE_DIR) + "/.deps/krb5/usr/bin/kinit";
  for (int i = 0; i < 60; ++i) {
    if (run_quietly("echo lab-password | KRB5_CONFIG=" + path("krb5.conf") + " KRB5CCNAME=FILE:" +
                    path("ahead.ccache") + " timeout 2 " + kinit + " nexj-sync") == 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("the KDC under faketime does not answer: " << read_text(log).value_or(""));
}

void TestRealm::stop_kdc() {
  if (ahead_pid_ > 0) {
    ::kill(-ahead_pid_, SIGTERM);
    ::waitpid(ahead_pid_, nullptr, 0);
    ahead_pid_ = -1;
  }
  if (!running_) return;
  running_ = false;
  (void)run_quietly("bash " + std::string(SYNCDEPLOY_SOURCE_DIR) + "/scripts/lab_realm.sh stop " +
                    dir_);
}

TestRealm::~TestRealm() {
  stop_kdc();
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(dir_).parent_path(), ec);
}

AuthLab::AuthLab(const TestRealm& realm, lab::LabAuthOptions auth, std::string_view directory,
                 lab::FaultOptions faults) {
  lab::LabOptions options;
  options.state_file = dir.path("state.db");
  options.directory_file =
      dir.write("directory.yaml", directory.empty() ? kTestDirectory : directory);
  options.faults = faults;
  options.cert_dir = dir.path("certs");
  if (auth.keytab.empty()) auth.keytab = realm.path("http.keytab");
  if (auth.ntlm_users.empty()) auth.ntlm_users = realm.path("ntlm-users");
  options.auth = auth;
  Result<std::unique_ptr<lab::LabServer>> started = lab::LabServer::start(options);
  if (!started.ok()) FAIL(started.errors().front().format());
  server = std::move(*started);
}

namespace {

std::unique_ptr<http::HttpsClient> client_for(const lab::LabServer& server, const std::string& host,
                                              std::shared_ptr<http::Authenticator> authenticator) {
  Result<http::HttpsUrl> url = http::parse_https_url(
      "https://" + host + ":" + std::to_string(server.port()) + "/EWS/Exchange.asmx");
  REQUIRE(url.ok());
  http::ClientOptions options;
  options.ca_file = server.ca_file();
  options.connect_to = {{host, server.port(), "127.0.0.1", server.port()}};
  options.read_timeout = std::chrono::seconds(10);
  Result<std::unique_ptr<http::HttpsClient>> made =
      http::HttpsClient::create(*url, options, std::move(authenticator));
  REQUIRE(made.ok());
  return std::move(*made);
}

}  // namespace

std::unique_ptr<http::HttpsClient> AuthLab::client(http::AuthSettings settings, std::string host) {
  return client_for(*server, host, http::Authenticator::create(std::move(settings), host));
}

std::unique_ptr<http::HttpsClient> AuthLab::bare_client() {
  return client_for(*server, "exch01.example.local", nullptr);
}

http::Request calendar_request() {
  http::Request request;
  request.headers = {{"Content-Type", "text/xml; charset=utf-8"}};
  request.body = ews::get_folder_request({"Exchange2013_SP1", "jsmith@example.com"}, {"calendar"});
  return request;
}

}  // namespace sd::test
