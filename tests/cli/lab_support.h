// The Exchange lab in-process, for end-to-end tests: started in a temporary folder with a
// directory file, serving on a free loopback port. Specs keep their real-looking host names:
// env() maps them to the lab (SYNCDEPLOY_CONNECT_TO) and names its CA (SSL_CERT_FILE).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "lab/server/lab_server.h"
#include "tests/auth/realm_support.h"

namespace sd::test {

// The mailboxes of both examples: the quickstart's users (@example.com) and acme-prod's
// (@acme.com, its CSV included), one contact, and the service accounts nexj-sync@example.local
// and nexj-sync@acme.local (password: the demo secret) allowed to impersonate all of them, and
// the admin account deploy-admin (EXAMPLE\deploy-admin, ACME\deploy-admin) that may use WinRM.
// No Exchange admin objects: plans show steps 1 and 2 to be made.
// The certificate names every host of both examples.
// The lab authenticates with Negotiate (Kerberos, NTLM) against a realm of its own with a real
// KDC (EXAMPLE.LOCAL: nexj-sync and deploy-admin with the demo passwords), and with Basic, which
// acme-prod still uses.
[[nodiscard]] std::string examples_lab_directory();

class RunningLab {
 public:
  explicit RunningLab(const std::string& directory_yaml = examples_lab_directory(),
                      lab::FaultOptions faults = {});
  ~RunningLab();
  RunningLab(const RunningLab&) = delete;
  RunningLab& operator=(const RunningLab&) = delete;

  // One lab per test process with examples_lab_directory(), started on first use.
  static RunningLab& shared();

  [[nodiscard]] lab::LabServer& server() { return *server_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  // SYNCDEPLOY_CONNECT_TO (every host of the examples to the lab), SSL_CERT_FILE (the lab's
  // CA), KRB5_CONFIG and KRB5CCNAME (its realm). No secrets: callers add their own.
  [[nodiscard]] std::map<std::string, std::string> env() const;
  // The same, with `env` added (its entries win).
  [[nodiscard]] std::map<std::string, std::string> env_with(
      const std::map<std::string, std::string>& env) const;

 private:
  static const TestRealm& realm();
  std::string dir_;
  std::unique_ptr<lab::LabServer> server_;
};

}  // namespace sd::test
