// Matching a reviewed plan with the plan made at apply time, for folder links whose ids come
// from Exchange: a plan that asked the mailboxes promises the ids it shows; a plan that could
// not ask them (the Exchange side changes first) promises everything but the id, and says so.
#include "plan/saved_plan_match.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "plan/plan_identity.h"
#include "plan/saved_plan.h"
#include "render/render.h"
#include "tests/plan/plan_support.h"

using namespace sd;

namespace {

using sd::test::folder_link;

MailboxObservation mailbox_with(const std::string& folder_id) {
  MailboxObservation m;
  m.status = MailboxObservation::Status::Ok;
  m.folder_ids["calendar"] = folder_id;
  return m;
}

MailboxObservation cannot_sync() {
  MailboxObservation m;
  m.status = MailboxObservation::Status::CannotSync;
  m.reason = "no such mailbox (ErrorNonExistentMailbox)";
  return m;
}

// jsmith's and mlee's calendar links, to create. `deferred`: the mailboxes were not asked;
// otherwise each user listed in `mailboxes` was.
Plan calendar_plan(bool deferred,
                   std::unordered_map<std::string, MailboxObservation> mailboxes = {}) {
  DesiredState d;
  d.deployment = "acme-prod";
  d.resources = {folder_link("jsmith", "calendar", "jsmith@acme.com"),
                 folder_link("mlee", "calendar", "mlee@acme.com")};
  ObservedState o;
  o.mailboxes_deferred = deferred;
  o.mailboxes = std::move(mailboxes);
  Plan p = make_plan(std::move(d), std::move(o), {});
  p.spec_file = "acme-prod.yaml";
  p.spec_digest = "sha256:00ff";
  return p;
}

Plan asked(const std::string& jsmith_id, const std::string& mlee_id) {
  return calendar_plan(false, {{"jsmith@acme.com", mailbox_with(jsmith_id)},
                               {"mlee@acme.com", mailbox_with(mlee_id)}});
}

// The plan as `plan -out` writes it and `apply PLANFILE` reads it back.
SavedPlan saved(const Plan& p) {
  std::ostringstream json;
  render_json(p, json);
  Result<SavedPlan> r = parse_saved_plan("plan.json", json.str());
  if (!r.ok()) FAIL(format_all(r.errors()));
  return std::move(r).value();
}

SavedPlanMatch match(const SavedPlan& s, const Plan& now) {
  Result<SavedPlanMatch> r = match_saved_plan(s, now);
  if (!r.ok()) FAIL(format_all(r.errors()));
  return std::move(r).value();
}

std::vector<std::string> refused(const SavedPlanMatch& m, const Plan& now) {
  std::vector<std::string> out;
  for (const RefusedAction& r : m.refused)
    out.push_back(now.actions[r.action].address() + ": " + r.reason);
  return out;
}

}  // namespace

TEST_CASE("saved plan match: a folder id the plan showed is part of what it promises",
          "[saved_plan]") {
  const SavedPlan with_ids = saved(asked("AAMkJ=", "AAMkM="));
  CHECK_FALSE(with_ids.actions[0].filled_at_apply);

  // Exchange gives the same ids at apply time: both links are made.
  Plan same = asked("AAMkJ=", "AAMkM=");
  SavedPlanMatch m = match(with_ids, same);
  CHECK(m.to_do == std::vector<uint32_t>{0, 1});
  CHECK(m.refused.empty());

  // jsmith's calendar was re-created since: another id is another change, refused by name.
  Plan moved = asked("AAMkJ2=", "AAMkM=");
  m = match(with_ids, moved);
  CHECK(m.to_do == std::vector<uint32_t>{1});
  CHECK(refused(m, moved) ==
        std::vector<std::string>{
            "nexj.folder_link/jsmith/calendar: the change now differs from the saved plan's "
            "(Exchange gave another folder id?)"});

  // A user who could sync when the plan was made and cannot now is refused, not skipped.
  Plan gone = calendar_plan(
      false, {{"jsmith@acme.com", mailbox_with("AAMkJ=")}, {"mlee@acme.com", cannot_sync()}});
  m = match(with_ids, gone);
  CHECK(refused(m, gone) ==
        std::vector<std::string>{"nexj.folder_link/mlee/calendar: blocked now: mlee@acme.com "
                                 "cannot sync: no such mailbox (ErrorNonExistentMailbox)"});
  CHECK(m.cannot_sync.empty());
}

TEST_CASE(
    "saved plan match: a folder id asked during apply is left out of the promise, and "
    "that is recorded",
    "[saved_plan]") {
  const Plan deferred = calendar_plan(true);
  REQUIRE(deferred.actions.size() == 2);
  for (const Action& a : deferred.actions) {
    CHECK(a.kind == ActionKind::Create);
    CHECK(a.filled_at_apply);
  }
  const SavedPlan s = saved(deferred);
  CHECK(s.format == "1.3");
  CHECK(s.actions[0].filled_at_apply);
  CHECK(s.actions[1].filled_at_apply);
  // The flag is part of the fingerprint: a link made with an id does not pass for one without.
  CHECK(s.actions[0].fingerprint !=
        action_fingerprint(deferred.actions[0], s.actions[0].observed_fingerprint, false));

  // Whatever ids Exchange gives at apply time, the links are made with them.
  Plan now = asked("AAMkAny=", "AAMkOther=");
  SavedPlanMatch m = match(s, now);
  CHECK(m.to_do == std::vector<uint32_t>{0, 1});
  CHECK(m.refused.empty());
  // What apply keeps of a plan it showed is what reading its JSON back gives.
  const SavedPlan kept = saved_plan_of(deferred);
  REQUIRE(kept.actions.size() == s.actions.size());
  for (size_t i = 0; i < s.actions.size(); ++i) {
    CHECK(kept.actions[i].fingerprint == s.actions[i].fingerprint);
    CHECK(kept.actions[i].filled_at_apply == s.actions[i].filled_at_apply);
  }
  CHECK(kept.plan_id == s.plan_id);

  // A user the plan could not ask about and who cannot sync is left out, as a plan that had
  // asked would have blocked it: not refused.
  Plan mlee_gone = calendar_plan(
      false, {{"jsmith@acme.com", mailbox_with("AAMkJ=")}, {"mlee@acme.com", cannot_sync()}});
  m = match(s, mlee_gone);
  CHECK(m.to_do == std::vector<uint32_t>{0});
  CHECK(m.cannot_sync == std::vector<uint32_t>{1});
  CHECK(m.refused.empty());

  // Anything else about the link still has to be as reviewed: another address is refused.
  Plan other = asked("AAMkAny=", "AAMkOther=");
  other.actions[1].changes[1].after = std::string("m.lee@acme.com");
  m = match(s, other);
  CHECK(refused(m, other) ==
        std::vector<std::string>{"nexj.folder_link/mlee/calendar: the change now differs from "
                                 "the saved plan's (Exchange gave another folder id?)"});
}

TEST_CASE("saved plan match: folderIdAtApply must be true or false", "[saved_plan]") {
  std::ostringstream json;
  render_json(calendar_plan(true), json);
  std::string text = json.str();
  CHECK(text.find("\"folderIdAtApply\":true") != std::string::npos);
  std::string edited = text;
  size_t at = edited.find("\"folderIdAtApply\":true");
  edited.replace(at, 22, "\"folderIdAtApply\":1");
  Result<SavedPlan> r = parse_saved_plan("plan.json", edited);
  REQUIRE_FALSE(r.ok());
  CHECK(format_all(r.errors()) ==
        "plan.json: error: actions[0].folderIdAtApply: expected true or false on a "
        "nexj.folder_link action\n");
}
