// Issue 4: what EWS said about each user's mailbox decides their folder links. Resolved ids go
// into the links made; users who cannot sync are blocked with the reason without stopping the
// rest; a failed check is unknown; failed preconditions stop apply.
#include <catch2/catch.hpp>

#include "plan/plan.h"
#include "tests/plan/plan_support.h"

using namespace sd;

namespace {

using sd::test::action_for;
using sd::test::folder_id_field;
using sd::test::folder_link;
using sd::test::live_folder_link;
using sd::test::mailbox;

}  // namespace

TEST_CASE("mailboxes: resolved folder ids go into the links made", "[plan][mailboxes]") {
  DesiredState d;
  d.resources = {folder_link("jsmith", "calendar", "JSmith@acme.com"),
                 folder_link("jsmith", "tasks", "JSmith@acme.com")};
  ObservedState o;
  o.mailboxes["jsmith@acme.com"] = mailbox(MailboxObservation::Status::Ok, "",
                                           {{"calendar", "AAMkCal="}, {"tasks", "AAMkTask="}});
  Plan plan = make_plan(d, o, {});
  const Action& cal = action_for(plan, "nexj.folder_link/jsmith/calendar");
  CHECK(cal.kind == ActionKind::Create);
  REQUIRE(cal.changes.size() == 4);
  CHECK(cal.changes[3].field == folder_id_field());
  CHECK(cal.changes[3].after == Value(std::string("AAMkCal=")));
  const Action& tasks = action_for(plan, "nexj.folder_link/jsmith/tasks");
  REQUIRE(tasks.changes.size() == 4);
  CHECK(tasks.changes[3].after == Value(std::string("AAMkTask=")));
  // Known only at apply: the desired state keeps what the spec says (nothing), the plan says
  // what Exchange said.
  CHECK(is_unset(plan.desired.resources[1].values[folder_id_field()]));
  CHECK(plan.summary.create == 2);
  CHECK(cannot_apply_reason(plan.summary).empty());
}

TEST_CASE("mailboxes: users who cannot sync are blocked, the others go ahead",
          "[plan][mailboxes]") {
  DesiredState d;
  d.resources = {folder_link("jsmith", "calendar", "jsmith@acme.com"),
                 folder_link("ghost", "calendar", "ghost@acme.com"),
                 folder_link("outsider", "calendar", "outsider@acme.com")};
  ObservedState o;
  o.mailboxes["jsmith@acme.com"] =
      mailbox(MailboxObservation::Status::Ok, "", {{"calendar", "AAMkCal="}});
  o.mailboxes["ghost@acme.com"] =
      mailbox(MailboxObservation::Status::CannotSync, "no such mailbox (ErrorNonExistentMailbox)");
  o.mailboxes["outsider@acme.com"] =
      mailbox(MailboxObservation::Status::CannotSync,
              "the service account may not impersonate this mailbox (ErrorImpersonateUserDenied)");
  Plan plan = make_plan(d, o, {});
  const Action& ghost = action_for(plan, "nexj.folder_link/ghost/calendar");
  CHECK(ghost.kind == ActionKind::Blocked);
  CHECK(ghost.reason == "ghost@acme.com cannot sync: no such mailbox (ErrorNonExistentMailbox)");
  CHECK(ghost.changes.empty());
  CHECK(action_for(plan, "nexj.folder_link/outsider/calendar").reason ==
        "outsider@acme.com cannot sync: the service account may not impersonate this mailbox "
        "(ErrorImpersonateUserDenied)");
  CHECK(action_for(plan, "nexj.folder_link/jsmith/calendar").kind == ActionKind::Create);
  CHECK(plan.summary.blocked == 2);
  CHECK(plan.summary.cannot_sync == 2);
  // Users who cannot sync do not make the plan unappliable; other blocked actions do.
  CHECK(cannot_apply_reason(plan.summary).empty());
  PlanSummary also_blocked = plan.summary;
  ++also_blocked.blocked;
  CHECK(cannot_apply_reason(also_blocked) == "1 action is blocked");
}

TEST_CASE("mailboxes: a failed check is unknown, never absent", "[plan][mailboxes]") {
  DesiredState d;
  d.resources = {folder_link("jsmith", "calendar", "jsmith@acme.com")};
  ObservedState o;
  o.mailboxes["jsmith@acme.com"] =
      mailbox(MailboxObservation::Status::Unknown, "exch01.acme.local:443: connection refused");
  Plan plan = make_plan(d, o, {});
  const Action& a = action_for(plan, "nexj.folder_link/jsmith/calendar");
  CHECK(a.kind == ActionKind::Unknown);
  CHECK(a.reason ==
        "could not be read: the mailbox jsmith@acme.com could not be checked: "
        "exch01.acme.local:443: connection refused");
  CHECK(cannot_apply_reason(plan.summary) == "1 object could not be read");
}

TEST_CASE("mailboxes: links already live are left alone, or updated on refresh",
          "[plan][mailboxes]") {
  DesiredState d;
  d.resources = {folder_link("jsmith", "calendar", "jsmith@acme.com"),
                 folder_link("mlee", "calendar", "mlee@acme.com")};
  ObservedState o;
  o.resources = {live_folder_link("jsmith/calendar", "jsmith@acme.com", std::string("AAMkOld=")),
                 live_folder_link("mlee/calendar", "mlee@acme.com", std::string("AAMkLee="))};
  // jsmith was asked again (--refresh) and the folder was recreated; mlee was not asked.
  o.mailboxes["jsmith@acme.com"] =
      mailbox(MailboxObservation::Status::Ok, "", {{"calendar", "AAMkNew="}});
  Plan plan = make_plan(d, o, {});
  const Action& jsmith = action_for(plan, "nexj.folder_link/jsmith/calendar");
  CHECK(jsmith.kind == ActionKind::Update);
  CHECK(jsmith.reason == "1 field differs: folderId");
  CHECK(action_for(plan, "nexj.folder_link/mlee/calendar").kind == ActionKind::NoOp);

  // A live link that matches stays a no-op even when its user can no longer sync.
  o.mailboxes["jsmith@acme.com"] =
      mailbox(MailboxObservation::Status::CannotSync, "no such mailbox (ErrorNonExistentMailbox)");
  o.resources[0] = live_folder_link("jsmith/calendar", "jsmith@acme.com", Unset{});
  Plan again = make_plan(d, o, {});
  CHECK(action_for(again, "nexj.folder_link/jsmith/calendar").kind == ActionKind::NoOp);
}

TEST_CASE("preconditions: a failed check stops apply, a warning does not", "[plan][mailboxes]") {
  DesiredState d;
  ObservedState o;
  o.checks.push_back({PreconditionCheck::Status::Warning, "TLS of nexj.url (crm:443)",
                      "the certificate expires in 12 days: renew it", ""});
  Plan warned = make_plan(d, o, {});
  CHECK(warned.summary.warned_checks == 1);
  CHECK(cannot_apply_reason(warned.summary).empty());
  o.checks.push_back({PreconditionCheck::Status::Failed, "TLS of EWS on exch01 (exch01:443)",
                      "exch01:443: connection refused", ""});
  o.checks.push_back({PreconditionCheck::Status::Failed, "TLS of EWS on exch02 (exch02:443)",
                      "exch02:443: connection refused", ""});
  Plan failed = make_plan(d, o, {});
  CHECK(failed.summary.failed_checks == 2);
  CHECK(cannot_apply_reason(failed.summary) == "2 preconditions failed");
}
