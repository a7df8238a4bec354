// A throwaway MIT Kerberos realm with a real KDC (scripts/lab_realm.sh), started for a test and
// stopped by its pid when the test ends, and the lab served with its keytab and NTLM user file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lab/server/lab_server.h"
#include "runtime/http/http_auth.h"
#include "runtime/http/https_client.h"
#include "tests/lab/lab_support.h"

namespace sd::test {

// EXAMPLE.LOCAL with `users` (NAME:PASSWORD; default nexj-sync:lab-password and
// deploy-admin:admin-pw) and the services HTTP/exch01.example.local and HTTP/crm.example.local.
// Points this process's Kerberos at it (KRB5_CONFIG, KRB5CCNAME into its folder).
class TestRealm {
 public:
  explicit TestRealm(const std::vector<std::string>& users = {"nexj-sync:lab-password",
                                                              "deploy-admin:admin-pw"});
  ~TestRealm();
  TestRealm(const TestRealm&) = delete;
  TestRealm& operator=(const TestRealm&) = delete;
  [[nodiscard]] std::string path(const std::string& file) const { return dir_ + "/" + file; }
  void stop_kdc();
  // Stops the KDC and starts it again (in the foreground, under faketime) with its clock
  // `offset` ahead ("+10m"); stopped by its pid with the realm.
  void restart_kdc_ahead(const std::string& offset);
  // kinit of `principal` into the realm's ccache, tickets valid for `lifetime` ("5s").
  void kinit(const std::string& principal, const std::string& password,
             const std::string& lifetime = "10h") const;

 private:
  std::string dir_;
  bool running_ = false;
  int ahead_pid_ = -1;  // the KDC restart_kdc_ahead() started
};

// The lab on a free port, authenticating like Exchange with the realm's keys.
struct AuthLab {
  // `directory`: the lab's accounts and mailboxes (default kTestDirectory).
  explicit AuthLab(const TestRealm& realm, lab::LabAuthOptions auth = {},
                   std::string_view directory = {}, lab::FaultOptions faults = {});
  [[nodiscard]] std::unique_ptr<http::HttpsClient> client(
      http::AuthSettings settings, std::string host = "exch01.example.local");
  // The same, with no authenticator: a request's own Authorization header goes as it is.
  [[nodiscard]] std::unique_ptr<http::HttpsClient> bare_client();

  ScratchDir dir;
  std::unique_ptr<lab::LabServer> server;
};

// A GetFolder of jsmith's calendar as an EWS request.
[[nodiscard]] http::Request calendar_request();

}  // namespace sd::test
