// What the end-to-end tests against an Exchange lab share (exchange_e2e_test.cc,
// exchange_faults_test.cc, exchange_management_e2e_test.cc): the quickstart's lab directory, the
// CLI run against a lab, and the plan, the store and stderr read back.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli/apply_support.h"
#include "tests/cli/lab_support.h"

namespace sd::test {

// The quickstart's service account; its password is the demo secret (sync-pw).
extern const char* const kQuickstartServiceAccount;

// A lab directory for the quickstart's hosts: the service account with `account` fields added,
// the `mailboxes`, and `more` top-level YAML.
[[nodiscard]] std::string quickstart_lab_directory(
    const std::vector<std::string>& mailboxes, const std::string& account = "impersonation: all",
    const std::string& more = "");

// The quickstart's hosts, its admin account (EXAMPLE\deploy-admin, the demo's
// EXCH_ADMIN_PASSWORD) and `mailboxes`; nothing else: no service account, no grants, the
// default throttling policy of `throttling` (top-level YAML in `more`). `accounts`: more entries
// of the accounts list.
[[nodiscard]] std::string fresh_lab_directory(const std::vector<std::string>& mailboxes,
                                              const std::string& more = "",
                                              const std::string& accounts = "");
// fresh_lab_directory() with the quickstart's three mailboxes.
[[nodiscard]] std::string fresh_quickstart_directory(const std::string& more = "");

// `count` logins: u0001, u0002, ...
[[nodiscard]] std::vector<std::string> numbered_users(size_t count);
// <login>@example.com for each login.
[[nodiscard]] std::vector<std::string> emails_of(const std::vector<std::string>& logins);

// The CLI reaching `lab`, with the demo secrets and `more_env` added to the environment.
[[nodiscard]] CliRun run_in_lab(RunningLab& lab, const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& more_env = {});

// The JSON plan on stdout; fails the test (showing stderr) when it is not JSON.
[[nodiscard]] nlohmann::json parse_plan(const CliRun& r);
// The folder links of a JSON plan by address.
[[nodiscard]] std::map<std::string, nlohmann::json> folder_links(const nlohmann::json& plan);
// The value a plan action sets `field` to; empty when it sets none.
[[nodiscard]] std::string field_after(const nlohmann::json& action, const std::string& field);
// The reason every link of a user whose mailbox check failed carries.
[[nodiscard]] std::string unknown_reason(const std::string& smtp, const std::string& why);

// The id of the distinguished `folder` of the mailbox `smtp` in the lab; fails the test when the
// lab has none.
[[nodiscard]] std::string lab_folder_id(RunningLab& lab, const std::string& smtp,
                                        const std::string& folder);
// "login/folder email folder_id" for every row of sync_folder_link in `store`, sorted.
[[nodiscard]] std::vector<std::string> stored_links(const std::string& store);
// The row of stored_links() for `login`'s `folder` carrying the lab's folder id.
[[nodiscard]] std::string stored_link(RunningLab& lab, const std::string& login,
                                      const std::string& folder);

// The first "Exchange: asked ..." line of stderr, or "" when there is none.
[[nodiscard]] std::string ews_summary(const std::string& err);

// `text` with the first `from` replaced by `to`; fails the test when there is no `from`.
[[nodiscard]] std::string replaced_once(std::string text, const std::string& from,
                                        const std::string& to);
// The same, in the workspace file `relative`.
void replace_in_file(const Workspace& w, const std::string& relative, const std::string& from,
                     const std::string& to);

[[nodiscard]] bool file_exists(const std::string& path);
[[nodiscard]] bool contains(const std::string& text, const std::string& part);

}  // namespace sd::test
