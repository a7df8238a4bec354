// Folder links and the folder ids only Exchange knows: which users are asked, and what the plan
// states as a link's folderId from their answers (known at apply).
#include "plan/folder_links.h"

#include <catch2/catch.hpp>

#include "plan/plan.h"
#include "tests/plan/plan_support.h"

using namespace sd;

namespace {

using sd::test::folder_id_field;
using sd::test::folder_link;
using sd::test::live_folder_link;

std::vector<std::string> emails(const std::vector<MailboxToCheck>& users) {
  std::vector<std::string> out;
  for (const MailboxToCheck& u : users) out.push_back(u.email);
  return out;
}

MailboxObservation answered(std::map<std::string, std::string, std::less<>> ids) {
  MailboxObservation m;
  m.status = MailboxObservation::Status::Ok;
  m.folder_ids = std::move(ids);
  return m;
}

// The one change of `address` in `plan`, as "field: before -> after".
std::vector<std::string> changes_of(const Plan& plan, const std::string& address) {
  std::vector<std::string> out;
  for (const Action& a : plan.actions) {
    if (a.address() != address) continue;
    for (const FieldChange& c : a.changes) {
      const FieldSpec& f = a.type->fields[c.field];
      out.push_back(std::string(f.name) + ": " + display_value(c.before, f.compare) + " -> " +
                    display_value(c.after, f.compare));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("folder links: only users whose links need a folder id are asked", "[mailboxes]") {
  DesiredState d;
  d.resources = {folder_link("new", "calendar", "new@acme.com"),
                 folder_link("known", "calendar", "known@acme.com"),
                 folder_link("noid", "calendar", "noid@acme.com"),
                 folder_link("moved", "calendar", "moved@acme.com"),
                 folder_link("retarget", "calendar", "retarget@acme.com", "EXCH02"),
                 folder_link("known", "tasks", "known@acme.com")};
  ObservedState o;
  o.resources = {live_folder_link("known/calendar", "KNOWN@acme.com", std::string("AAMk1")),
                 live_folder_link("known/tasks", "known@acme.com", std::string("AAMk2")),
                 live_folder_link("noid/calendar", "noid@acme.com", Unset{}),
                 live_folder_link("moved/calendar", "old-address@acme.com", std::string("AAMk3")),
                 live_folder_link("retarget/calendar", "retarget@acme.com", std::string("AAMk4"))};
  o.index();
  CHECK(emails(mailboxes_to_check(d, o, false)) ==
        std::vector<std::string>{"new@acme.com", "noid@acme.com", "moved@acme.com",
                                 "retarget@acme.com"});
  std::vector<MailboxToCheck> all = mailboxes_to_check(d, o, true);
  CHECK(emails(all) == std::vector<std::string>{"new@acme.com", "known@acme.com", "noid@acme.com",
                                                "moved@acme.com", "retarget@acme.com"});
  CHECK(all[1].folders == std::vector<std::string>{"calendar", "tasks"});
  CHECK(all[4].target == "EXCH02");
  const std::vector<std::string> only = {"nexj.folder_link/noid"};
  CHECK(emails(mailboxes_to_check(d, o, true, only)) == std::vector<std::string>{"noid@acme.com"});
}

TEST_CASE("folder links: the folder id is known at apply, from the mailbox's answer",
          "[mailboxes]") {
  CHECK(types::kFolderLink.fields[folder_id_field()].known_at_apply);
  CHECK(types::kFolderLink.fields[folder_id_field()].belongs_to == "email");
  const Resource made = folder_link("jsmith", "calendar", "JSmith@acme.com");
  ObservedState o;
  // Not asked: not managed, whatever is live.
  CHECK(is_unset(known_at_apply_value(made, folder_id_field(), nullptr, o)));
  o.mailboxes["jsmith@acme.com"] = answered({{"calendar", "AAMkCal="}});
  CHECK(known_at_apply_value(made, folder_id_field(), nullptr, o) ==
        Value(std::string("AAMkCal=")));
  // The other fields are the spec's, never known at apply.
  CHECK(is_unset(known_at_apply_value(made, 0, nullptr, o)));
  // An answer without that folder, or a user who cannot sync: nothing is known.
  o.mailboxes["jsmith@acme.com"] = answered({{"tasks", "AAMkTask="}});
  CHECK(is_unset(known_at_apply_value(made, folder_id_field(), nullptr, o)));
}

TEST_CASE("folder links: a link moving to another mailbox never keeps the old one's id",
          "[mailboxes]") {
  DesiredState d;
  d.resources = {folder_link("moved", "calendar", "new-address@acme.com"),
                 folder_link("alias", "calendar", "alias@acme.com"),
                 folder_link("stays", "calendar", "stays@acme.com", "EXCH02")};
  ObservedState o;
  o.resources = {
      live_folder_link("moved/calendar", "old-address@acme.com", std::string("AAMkOld=")),
      live_folder_link("alias/calendar", "primary@acme.com", std::string("AAMkSame=")),
      live_folder_link("stays/calendar", "stays@acme.com", std::string("AAMkStays="))};
  // Nobody answered: the moved links state no id (the old mailbox's would be wrong), the
  // retargeted one keeps its own (the same mailbox through another server).
  Plan unanswered = make_plan(d, o, {});
  CHECK(changes_of(unanswered, "nexj.folder_link/moved/calendar") ==
        std::vector<std::string>{"email: \"old-address@acme.com\" -> \"new-address@acme.com\"",
                                 "folderId: \"AAMkOld=\" -> (not set)"});
  CHECK(changes_of(unanswered, "nexj.folder_link/stays/calendar") ==
        std::vector<std::string>{"target: \"EXCH01\" -> \"EXCH02\""});
  // Answered: the new mailbox's id; an alias of the same mailbox has the same id, which stays.
  o.mailboxes["new-address@acme.com"] = answered({{"calendar", "AAMkNew="}});
  o.mailboxes["alias@acme.com"] = answered({{"calendar", "AAMkSame="}});
  Plan answered_plan = make_plan(d, o, {});
  CHECK(changes_of(answered_plan, "nexj.folder_link/moved/calendar") ==
        std::vector<std::string>{"email: \"old-address@acme.com\" -> \"new-address@acme.com\"",
                                 "folderId: \"AAMkOld=\" -> \"AAMkNew=\""});
  CHECK(changes_of(answered_plan, "nexj.folder_link/alias/calendar") ==
        std::vector<std::string>{"email: \"primary@acme.com\" -> \"alias@acme.com\""});
}
