#include "tests/cli/lab_support.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sd::test {

namespace {

constexpr const char* kHosts[] = {"exch01.example.local", "crm.example.local",  "exch01.acme.local",
                                  "exch02.acme.local",    "mail-west.acme.com", "crm.acme.local"};

}  // namespace

std::string examples_lab_directory() {
  std::string out = "hostnames: [";
  for (size_t i = 0; i < std::size(kHosts); ++i) out += (i ? ", " : "") + std::string(kHosts[i]);
  out += R"(]
accounts:
  - {upn: nexj-sync@example.local, password: sync-pw, impersonation: all}
  - {upn: nexj-sync@acme.local, password: sync-pw, impersonation: all}
  - {upn: deploy-admin@example.local, password: admin-pw, management: true}
contacts: [partner@partner.example]
mailboxes:
  - {smtp: jsmith@example.com, name: John Smith}
  - {smtp: mlee@example.com, name: Mary Lee}
  - {smtp: m.lee@example.com, name: Mary Lee (new address)}
  - {smtp: akumar@example.com, name: Anil Kumar}
  - {smtp: jsmith@acme.com}
  - {smtp: mlee@acme.com}
  - {smtp: pwright@acme.com}
)";
  std::ifstream csv(std::string(SYNCDEPLOY_SOURCE_DIR) + "/examples/users/advisors.csv");
  std::string line;
  std::getline(csv, line);  // header
  while (std::getline(csv, line)) {
    size_t comma = line.find(',');
    if (comma == std::string::npos) continue;
    std::string email = line.substr(comma + 1, line.find(',', comma + 1) - comma - 1);
    out += "  - {smtp: " + email + "}\n";
  }
  return out;
}

// One realm per test process, shared by its labs: the keys an acceptor uses and the KDC a
// client asks are the process's (KRB5_KTNAME, KRB5_CONFIG), so two realms could not coexist.
const TestRealm& RunningLab::realm() {
  static TestRealm realm({"nexj-sync:sync-pw", "deploy-admin:admin-pw"});
  return realm;
}

RunningLab::RunningLab(const std::string& directory_yaml, lab::FaultOptions faults) {
  char pattern[] = "/tmp/sd-lab-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  REQUIRE(made);
  dir_ = made;
  std::ofstream(dir_ + "/directory.yaml") << directory_yaml;
  lab::LabOptions options;
  options.state_file = dir_ + "/lab-state.db";
  options.directory_file = dir_ + "/directory.yaml";
  options.cert_dir = dir_ + "/lab-certs";
  options.faults = faults;
  options.auth.keytab = realm().path("http.keytab");
  options.auth.ntlm_users = realm().path("ntlm-users");
  options.auth.basic = true;  // acme-prod still signs in with Basic
  Result<std::unique_ptr<lab::LabServer>> started = lab::LabServer::start(options);
  if (!started.ok()) FAIL(format_all(started.errors()));
  server_ = std::move(started).value();
}

RunningLab::~RunningLab() {
  if (server_) server_->stop();
  server_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

RunningLab& RunningLab::shared() {
  static RunningLab lab;
  return lab;
}

std::map<std::string, std::string> RunningLab::env() const {
  std::map<std::string, std::string> env;
  const std::string lab = "127.0.0.1:" + std::to_string(server_->port());
  const std::string lab_http = "127.0.0.1:" + std::to_string(server_->http_port());
  std::string connect_to;
  // EWS and remote PowerShell on 443, WinRM on 5986; remote PowerShell with message encryption
  // on 80: the lab serves them all.
  for (const char* host : kHosts) {
    for (const char* port : {":443=", ":5986="})
      connect_to += (connect_to.empty() ? "" : ",") + std::string(host) + port + lab;
    connect_to += "," + std::string(host) + ":80=" + lab_http;
  }
  env["SYNCDEPLOY_CONNECT_TO"] = connect_to;
  env["SSL_CERT_FILE"] = server_->ca_file();
  env["KRB5_CONFIG"] = realm().path("krb5.conf");
  env["KRB5CCNAME"] = "FILE:" + realm().path("ccache");
  return env;
}

std::map<std::string, std::string> RunningLab::env_with(
    const std::map<std::string, std::string>& extra) const {
  std::map<std::string, std::string> out = env();
  for (const auto& [name, value] : extra) out[name] = value;
  return out;
}

}  // namespace sd::test
