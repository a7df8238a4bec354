// Shared by the lab's tests: a scratch folder, the test directory file, and EWS request
// envelopes written by hand (the client's own builders cover only the shapes it sends).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lab/state/lab_state.h"

namespace sd::test {

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] std::string path(std::string_view relative) const;
  // Writes `content` to `relative` and returns its path.
  std::string write(std::string_view relative, std::string_view content) const;

 private:
  std::string dir_;
};

// Accounts: nexj-sync@example.local / lab-password (impersonation all), limited@example.local
// / pw-limited (impersonation [jsmith@example.com]; also has a mailbox), nobody@example.local /
// pw-nobody (none), bulk@example.local / pw-bulk (all, throttling unlimited).
// Mailboxes: jsmith@example.com "John Smith" (folder "CRM Sync"), mlee@example.com "Mary Lee",
// limited@example.local "Limited". Contact: ext@partner.com. Policy: 27 / 1000 / 500.
extern const std::string_view kTestDirectory;
// The service account, an administrator (deploy-admin@example.local, admin-pw, management
// rights) and two mailboxes: for the management endpoints.
extern const std::string_view kAdminDirectory;

// A state opened from kTestDirectory in a scratch folder.
struct TestLab {
  ScratchDir dir;
  std::string state_file = dir.path("state.db");
  std::unique_ptr<lab::LabState> state;
  TestLab();
};

// The state file at `state_file` opened again, as a second LabState would open it.
[[nodiscard]] std::unique_ptr<lab::LabState> reopen(const std::string& state_file);

// A request envelope: RequestServerVersion `version` (none when empty) and impersonation of
// `impersonate` (none when empty), around `body`.
[[nodiscard]] std::string ews_request(std::string_view body, std::string_view impersonate = {},
                                      std::string_view version = "Exchange2013_SP1");

}  // namespace sd::test
