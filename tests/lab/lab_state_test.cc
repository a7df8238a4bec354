#include "lab/state/lab_state.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "base/sqlite_database.h"
#include "tests/lab/lab_support.h"

namespace sd::lab {
namespace {

using test::reopen;
using test::TestLab;

std::string first_error(const Status& status) {
  REQUIRE_FALSE(status.ok());
  return status.errors().front().format();
}

TEST_CASE("a new state holds the directory: mailboxes, distinguished and extra folders", "[lab]") {
  TestLab lab;
  LabState& s = *lab.state;
  CHECK(s.hostnames() == std::vector<std::string>{"exch01.example.local"});
  CHECK(s.has_mailbox("jsmith@example.com"));
  CHECK(s.has_mailbox("JSmith@Example.COM"));
  CHECK_FALSE(s.has_mailbox("ext@partner.com"));
  CHECK(s.is_known_address("ext@partner.com"));
  CHECK_FALSE(s.is_known_address("nobody@nowhere.example"));
  CHECK(s.display_name("jsmith@example.com") == "John Smith");

  std::optional<LabFolder> root = s.distinguished_folder("jsmith@example.com", "msgfolderroot");
  REQUIRE(root);
  CHECK(root->id.starts_with("AAMkA"));
  CHECK(root->change_key.starts_with("AQAAABYAAA"));
  CHECK(root->display_name == "Top of Information Store");
  // Under the mailbox's own root, as on Exchange (exchangelib starts there).
  std::optional<LabFolder> mailbox_root = s.distinguished_folder("jsmith@example.com", "root");
  REQUIRE(mailbox_root);
  CHECK(mailbox_root->parent_id.empty());
  CHECK(root->parent_id == mailbox_root->id);
  std::optional<LabFolder> calendar = s.distinguished_folder("jsmith@example.com", "calendar");
  REQUIRE(calendar);
  CHECK(calendar->folder_class == "IPF.Appointment");
  CHECK(calendar->parent_id == root->id);
  CHECK(s.distinguished_folder("jsmith@example.com", "tasks")->folder_class == "IPF.Task");
  CHECK(s.distinguished_folder("jsmith@example.com", "contacts")->folder_class == "IPF.Contact");
  CHECK_FALSE(s.distinguished_folder("jsmith@example.com", "searchfolders"));
  CHECK_FALSE(s.distinguished_folder("ghost@example.com", "calendar"));

  // Ids differ between mailboxes and folders.
  CHECK(s.distinguished_folder("mlee@example.com", "calendar")->id != calendar->id);
  CHECK(s.folder("jsmith@example.com", calendar->id)->distinguished == "calendar");
  CHECK_FALSE(s.folder("mlee@example.com", calendar->id));

  std::vector<LabFolder> children = s.child_folders("jsmith@example.com", root->id);
  REQUIRE(children.size() == 12);  // 11 distinguished below the root, plus "CRM Sync"
  CHECK(children.back().display_name == "CRM Sync");
  CHECK(children.back().folder_class == "IPF.Note");
  CHECK(children.back().distinguished.empty());
  CHECK(s.child_folders("mlee@example.com",
                        s.distinguished_folder("mlee@example.com", "msgfolderroot")->id)
            .size() == 11);
}

TEST_CASE("the state survives reopening, with the same ids and the folders created since",
          "[lab]") {
  TestLab lab;
  std::string root = lab.state->distinguished_folder("mlee@example.com", "msgfolderroot")->id;
  Result<LabFolder> created =
      lab.state->create_folder("mlee@example.com", root, "CRM Sync", "IPF.Note");
  REQUIRE(created.ok());
  std::string calendar = lab.state->distinguished_folder("mlee@example.com", "calendar")->id;
  lab.state.reset();

  std::unique_ptr<LabState> again = reopen(lab.state_file);
  CHECK(again->distinguished_folder("mlee@example.com", "calendar")->id == calendar);
  std::optional<LabFolder> found = again->folder("mlee@example.com", created->id);
  REQUIRE(found);
  CHECK(found->display_name == "CRM Sync");
  CHECK(found->change_key == created->change_key);
  CHECK(found->parent_id == root);
  CHECK(again->authenticate("nexj-sync@example.local", "lab-password"));
}

TEST_CASE("creating a folder whose name exists under the parent is ErrorFolderExists", "[lab]") {
  TestLab lab;
  std::string root = lab.state->distinguished_folder("jsmith@example.com", "msgfolderroot")->id;
  Result<LabFolder> twice =
      lab.state->create_folder("jsmith@example.com", root, "crm SYNC", "IPF.Note");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.errors().front().message == "ErrorFolderExists");
  Result<LabFolder> no_parent =
      lab.state->create_folder("jsmith@example.com", "AAMkAnope", "X", "IPF.Note");
  REQUIRE_FALSE(no_parent.ok());
  CHECK(no_parent.errors().front().message == "ErrorParentFolderNotFound");
  Result<LabFolder> no_mailbox =
      lab.state->create_folder("ghost@example.com", root, "X", "IPF.Note");
  REQUIRE_FALSE(no_mailbox.ok());
  CHECK(no_mailbox.errors().front().message == "ErrorNonExistentMailbox");
  // The same name under another parent is fine.
  std::string inbox = lab.state->distinguished_folder("jsmith@example.com", "inbox")->id;
  CHECK(lab.state->create_folder("jsmith@example.com", inbox, "CRM Sync", "IPF.Note").ok());
}

TEST_CASE("authentication by UPN or down-level logon name with the right password only", "[lab]") {
  TestLab lab;
  LabState& s = *lab.state;
  CHECK(s.authenticate("nexj-sync@example.local", "lab-password") == "nexj-sync@example.local");
  CHECK(s.authenticate("NEXJ-SYNC@EXAMPLE.LOCAL", "lab-password") == "nexj-sync@example.local");
  CHECK(s.authenticate("EXAMPLE\\nexj-sync", "lab-password") == "nexj-sync@example.local");
  CHECK_FALSE(s.authenticate("nexj-sync@example.local", "Lab-password"));
  CHECK_FALSE(s.authenticate("nexj-sync@example.local", ""));
  CHECK_FALSE(s.authenticate("ghost@example.local", "lab-password"));
  CHECK_FALSE(s.authenticate("EXAMPLE\\ghost", "lab-password"));
}

TEST_CASE("a down-level logon name picks the account by domain when the name is not unique",
          "[lab]") {
  test::ScratchDir dir;
  std::string directory = dir.write("d.yaml",
                                    "accounts:\n"
                                    "  - {upn: svc@one.example, password: p1}\n"
                                    "  - {upn: svc@two.example, password: p2}\n"
                                    "mailboxes: [{smtp: a@one.example}]\n");
  Result<std::unique_ptr<LabState>> s = LabState::open(dir.path("s.db"), directory);
  REQUIRE(s.ok());
  CHECK((*s)->authenticate("ONE\\svc", "p1") == "svc@one.example");
  CHECK((*s)->authenticate("two\\svc", "p2") == "svc@two.example");
  CHECK_FALSE((*s)->authenticate("two\\svc", "p1"));
  CHECK_FALSE((*s)->authenticate("three\\svc", "p1"));
}

TEST_CASE("the state file never holds a password", "[lab]") {
  TestLab lab;
  std::ifstream in(lab.state_file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes.find("lab-password") == std::string::npos);
  CHECK(bytes.find("pw-limited") == std::string::npos);
}

TEST_CASE("impersonation: all, none and a list, changed by the admin calls", "[lab]") {
  TestLab lab;
  LabState& s = *lab.state;
  CHECK(s.may_impersonate("nexj-sync@example.local", "jsmith@example.com"));
  CHECK(s.may_impersonate("nexj-sync@example.local", "mlee@example.com"));
  CHECK(s.may_impersonate("limited@example.local", "JSMITH@example.com"));
  CHECK_FALSE(s.may_impersonate("limited@example.local", "mlee@example.com"));
  CHECK_FALSE(s.may_impersonate("nobody@example.local", "jsmith@example.com"));
  CHECK_FALSE(s.may_impersonate("ghost@example.local", "jsmith@example.com"));

  REQUIRE(s.set_impersonation("nobody@example.local", false, {"mlee@example.com"}).ok());
  CHECK(s.may_impersonate("nobody@example.local", "mlee@example.com"));
  CHECK_FALSE(s.may_impersonate("nobody@example.local", "jsmith@example.com"));
  REQUIRE(s.set_impersonation("nexj-sync@example.local", false, {}).ok());
  CHECK_FALSE(s.may_impersonate("nexj-sync@example.local", "jsmith@example.com"));
  REQUIRE(s.set_impersonation("limited@example.local", true, {}).ok());
  CHECK(s.may_impersonate("limited@example.local", "mlee@example.com"));

  // Kept across reopening.
  lab.state.reset();
  std::unique_ptr<LabState> again = reopen(lab.state_file);
  CHECK(again->may_impersonate("nobody@example.local", "mlee@example.com"));
  CHECK_FALSE(again->may_impersonate("nexj-sync@example.local", "jsmith@example.com"));
  CHECK(again->may_impersonate("limited@example.local", "mlee@example.com"));
}

TEST_CASE("admin calls name the account or mailbox that does not exist", "[lab]") {
  TestLab lab;
  CHECK(first_error(lab.state->set_impersonation("ghost@example.local", true, {})) ==
        lab.state_file + ": error: no account ghost@example.local in the lab");
  CHECK(first_error(
            lab.state->set_impersonation("nobody@example.local", false, {"ghost@example.com"})) ==
        lab.state_file + ": error: no mailbox ghost@example.com in the lab");
  // The failed grant changed nothing.
  CHECK_FALSE(lab.state->may_impersonate("nobody@example.local", "ghost@example.com"));
  CHECK(first_error(lab.state->set_throttling_unlimited("ghost@example.local", true)) ==
        lab.state_file + ": error: no account ghost@example.local in the lab");
  CHECK(first_error(lab.state->add_mailbox("ext@partner.com", "Ext")) ==
        lab.state_file + ": error: the address ext@partner.com is already in the lab");
  CHECK(first_error(lab.state->remove_mailbox("ghost@example.com")) ==
        lab.state_file + ": error: no mailbox ghost@example.com in the lab");
}

TEST_CASE("throttling: the directory's policy, or none for an unlimited account", "[lab]") {
  TestLab lab;
  LabState& s = *lab.state;
  std::optional<ThrottlingPolicy> policy = s.throttling_for("nexj-sync@example.local");
  REQUIRE(policy);
  CHECK(policy->max_concurrency == 27);
  CHECK(policy->burst == 1000);
  CHECK(policy->recharge_per_second == 500);
  CHECK_FALSE(s.throttling_for("bulk@example.local"));
  REQUIRE(s.set_throttling_unlimited("nexj-sync@example.local", true).ok());
  CHECK_FALSE(s.throttling_for("nexj-sync@example.local"));
  REQUIRE(s.set_throttling_unlimited("bulk@example.local", false).ok());
  CHECK(s.throttling_for("bulk@example.local"));
}

TEST_CASE("mailboxes added get distinguished folders, removed ones are gone", "[lab]") {
  TestLab lab;
  LabState& s = *lab.state;
  REQUIRE(s.add_mailbox("new@example.com", "New Person").ok());
  CHECK(s.has_mailbox("new@example.com"));
  CHECK(s.display_name("new@example.com") == "New Person");
  CHECK(s.distinguished_folder("new@example.com", "calendar"));
  REQUIRE(s.remove_mailbox("limited@example.local").ok());
  CHECK_FALSE(s.has_mailbox("limited@example.local"));
  CHECK_FALSE(s.distinguished_folder("limited@example.local", "calendar"));
}

TEST_CASE("refresh() picks up what another process committed", "[lab]") {
  TestLab lab;
  std::unique_ptr<LabState> admin = reopen(lab.state_file);
  CHECK_FALSE(lab.state->may_impersonate("nobody@example.local", "jsmith@example.com"));
  REQUIRE(admin->set_impersonation("nobody@example.local", true, {}).ok());
  REQUIRE(admin->set_throttling_unlimited("nexj-sync@example.local", true).ok());
  lab.state->refresh();
  CHECK(lab.state->may_impersonate("nobody@example.local", "jsmith@example.com"));
  CHECK_FALSE(lab.state->throttling_for("nexj-sync@example.local"));
  // Folders created by the first stay visible after the reload.
  std::string root = lab.state->distinguished_folder("jsmith@example.com", "msgfolderroot")->id;
  Result<LabFolder> created =
      lab.state->create_folder("jsmith@example.com", root, "Later", "IPF.Note");
  REQUIRE(created.ok());
  REQUIRE(admin->set_impersonation("nobody@example.local", false, {}).ok());
  lab.state->refresh();
  CHECK(lab.state->folder("jsmith@example.com", created->id));
  CHECK_FALSE(lab.state->may_impersonate("nobody@example.local", "jsmith@example.com"));
}

TEST_CASE("opening a lab state: errors", "[lab]") {
  test::ScratchDir dir;
  SECTION("a new state without a directory file") {
    Result<std::unique_ptr<LabState>> s = LabState::open(dir.path("s.db"), "");
    REQUIRE_FALSE(s.ok());
    CHECK(s.errors().front().format() ==
          dir.path("s.db") + ": error: no lab state here; give a directory file to create it");
    CHECK_FALSE(std::filesystem::exists(dir.path("s.db")));
  }
  SECTION("an empty state without a directory file") {
    REQUIRE(open_sqlite(dir.path("s.db"), SqlOpenMode::ReadWriteCreate).ok());
    Result<std::unique_ptr<LabState>> s = LabState::open(dir.path("s.db"), "");
    REQUIRE_FALSE(s.ok());
    CHECK(s.errors().front().format() ==
          dir.path("s.db") +
              ": error: the lab state has no mailboxes; give a directory file to load");
  }
  SECTION("a directory file with errors leaves no state file behind") {
    std::string directory = dir.write("d.yaml", "mailboxes: [{smtp: nope}]\n");
    Result<std::unique_ptr<LabState>> s = LabState::open(dir.path("s.db"), directory);
    REQUIRE_FALSE(s.ok());
    CHECK(s.errors().front().format() ==
          directory + ":1:20: error: mailbox smtp is not an email address");
    CHECK_FALSE(std::filesystem::exists(dir.path("s.db")));
  }
  SECTION("a database of something else") {
    Result<std::unique_ptr<SqlDatabase>> db =
        open_sqlite(dir.path("other.db"), SqlOpenMode::ReadWriteCreate);
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("CREATE TABLE t (x)").ok());
    db->reset();
    std::string directory = dir.write("d.yaml", std::string(test::kTestDirectory));
    Result<std::unique_ptr<LabState>> s = LabState::open(dir.path("other.db"), directory);
    REQUIRE_FALSE(s.ok());
    CHECK(s.errors().front().format() ==
          dir.path("other.db") +
              ": error: the file is not a lab state (it is a database of something else)");
  }
  SECTION("a file that is not a database") {
    std::string text = dir.write("text.db", "hello, this is not SQLite at all, just some text....");
    Result<std::unique_ptr<LabState>> s = LabState::open(text, "");
    REQUIRE_FALSE(s.ok());
    CHECK(s.errors().front().format().starts_with(text + ": error: "));
  }
}

}  // namespace
}  // namespace sd::lab
