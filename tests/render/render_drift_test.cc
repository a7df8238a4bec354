// `syncdeploy diff`: drift of live state from the spec, as text and JSON, on plans built by hand.
#include <catch2/catch.hpp>
#include <sstream>

#include "render/render.h"
#include "tests/cli/golden_support.h"
#include "tests/render/render_support.h"

using namespace sd;

namespace {

using sd::test::field_number;
using sd::test::plan_action;

// One object of each kind, in plan order.
Plan drift_plan() {
  using namespace types;
  Plan p;
  p.deployment = "acme-prod";
  p.actions.push_back(plan_action(ActionKind::NoOp, kServiceAccount, "nexj-sync", "up to date"));
  p.actions.push_back(plan_action(
      ActionKind::Update, kThrottlingPolicy, "NexJSyncPolicy", "1 field differs: ewsMaxConcurrency",
      {{field_number(kThrottlingPolicy, "ewsMaxConcurrency"), int64_t{10}, NullValue{}}}));
  p.actions.push_back(plan_action(
      ActionKind::Update, kHttpChannel, "ExchangeEWSSender1",
      "3 fields differ: password, readTimeout, url",
      {{field_number(kHttpChannel, "url"), std::string("https://old/ews"),
        std::string("https://exch01/ews")},
       {field_number(kHttpChannel, "password"), SecretValue{"", "sha256:aaaaaaaaaaaaaaaa"},
        SecretValue{"${env:NEXJ_SYNC_PASSWORD}", "sha256:bbbbbbbbbbbbbbbb"}},
       {field_number(kHttpChannel, "readTimeout"), Unset{}, int64_t{30}}}));
  p.actions.push_back(plan_action(ActionKind::Create, kTarget, "EXCH01", "does not exist",
                                  {{field_number(kTarget, "enabled"), Unset{}, true}}));
  p.actions.push_back(plan_action(ActionKind::Disable, kTarget, "EXCH02", "no longer in the spec",
                                  {{field_number(kTarget, "enabled"), true, false}}));
  p.actions.push_back(plan_action(ActionKind::Blocked, kServiceAccount, "other",
                                  "does not exist, and exchange.serviceAccount.create is false"));
  p.actions.push_back(plan_action(ActionKind::Unknown, kFolderLink, "jsmith/calendar",
                                  "could not be read: EWS timed out after 30 s"));
  return p;
}

std::string drift_text(const Plan& p, bool color = false) {
  std::ostringstream out;
  render_drift_text(p, TextStyle{color}, out);
  return out.str();
}

std::string drift_json(const Plan& p) {
  std::ostringstream out;
  render_drift_json(p, out);
  return out.str();
}

}  // namespace

TEST_CASE("drift text: a summary, then each object that differs, in plan order", "[render_drift]") {
  CHECK(
      drift_text(drift_plan()) ==
      R"~(Drift: 5 objects differ from the spec (1 missing, 2 changed, 1 not in the spec, 1 blocked), 1 could not be read.

  ~ exchange.throttling_policy/NexJSyncPolicy  changed
      ewsMaxConcurrency: live 10, spec unlimited
  ~ nexj.http_channel/ExchangeEWSSender1  changed
      url: live "https://old/ews", spec "https://exch01/ews"
      password: live (sensitive), spec (sensitive), different
      readTimeout: live (unset), spec 30
  + nexj.target/EXCH01  missing: the spec names it, live has none
  - nexj.target/EXCH02  not in the spec, still enabled
  ! exchange.service_account/other  does not exist, and exchange.serviceAccount.create is false
  ? nexj.folder_link/jsmith/calendar  could not be read: EWS timed out after 30 s
)~");
}

TEST_CASE("drift text: the summary line", "[render_drift]") {
  Plan p;
  p.deployment = "acme";
  p.actions.push_back(plan_action(ActionKind::NoOp, types::kTarget, "A", "up to date"));
  p.actions.push_back(plan_action(ActionKind::NoOp, types::kTarget, "B", "up to date"));
  CHECK(drift_text(p) == "No drift: live state matches the spec (2 objects checked).\n");
  CHECK(drift_text(p, true) ==
        "\x1b[1mNo drift: live state matches the spec (2 objects checked).\x1b[0m\n");
  p.only = {"nexj.target", "exchange"};
  CHECK(drift_text(p) ==
        "No drift: live state matches the spec (2 objects checked).\n"
        "Limited to: nexj.target, exchange (--only)\n");
  CHECK(drift_text(Plan{}) == "No drift: live state matches the spec (0 objects checked).\n");

  p.only.clear();
  p.actions.push_back(plan_action(ActionKind::Create, types::kTarget, "C", "does not exist"));
  CHECK(drift_text(p) ==
        "Drift: 1 object differs from the spec (1 missing), 0 could not be read.\n"
        "\n"
        "  + nexj.target/C  missing: the spec names it, live has none\n");
  p.actions.back() = plan_action(ActionKind::Unknown, types::kTarget, "C", "", {});
  CHECK(drift_text(p) ==
        "Drift: 0 objects differ from the spec, 1 could not be read.\n"
        "\n"
        "  ? nexj.target/C  could not be read: \n");
}

TEST_CASE("drift text: colors only when asked, hostile names stay on their line",
          "[render_drift]") {
  Plan p;
  p.deployment = "d";
  p.only = {"nexj.target/x\n  + forged"};
  p.actions.push_back(plan_action(
      ActionKind::Update, types::kTarget, "T\x1b[31m\nred", "1 field differs: host",
      {{field_number(types::kTarget, "host"), std::string("a\nb"), std::string("c\x1b[0m")}}));
  p.actions.push_back(plan_action(ActionKind::Unknown, types::kTarget, "U",
                                  "could not be read: line1\nline2\x1b[2J"));
  CHECK(drift_text(p) ==
        "Drift: 1 object differs from the spec (1 changed), 1 could not be read.\n"
        "Limited to: nexj.target/x\\n  + forged (--only)\n"
        "\n"
        "  ~ nexj.target/T\\x1B[31m\\nred  changed\n"
        "      host: live \"a\\nb\", spec \"c\\x1B[0m\"\n"
        "  ? nexj.target/U  could not be read: line1\\nline2\\x1B[2J\n");
  CHECK(drift_text(p, true) ==
        "\x1b[1mDrift: 1 object differs from the spec (1 changed), 1 could not be read.\x1b[0m\n"
        "Limited to: nexj.target/x\\n  + forged (--only)\n"
        "\n"
        "  \x1b[33m~\x1b[0m nexj.target/T\\x1B[31m\\nred  changed\n"
        "      host: live \"a\\nb\", spec \"c\\x1B[0m\"\n"
        "  \x1b[35m?\x1b[0m nexj.target/U  could not be read: line1\\nline2\\x1B[2J\n");
}

TEST_CASE("drift: secrets never show, even when a read returned text", "[render_drift]") {
  Plan p;
  p.deployment = "d";
  p.actions.push_back(
      plan_action(ActionKind::Update, types::kMailChannel, "Mail", "1 field differs: password",
                  {{field_number(types::kMailChannel, "password"), std::string("hunter2"),
                    SecretValue{"${env:CRM_MAIL_PASSWORD}", "sha256:0123456789abcdef"}}}));
  p.actions.push_back(plan_action(
      ActionKind::Update, types::kHttpChannel, "H", "1 field differs",
      {{field_number(types::kHttpChannel, "password"), NullValue{}, SecretValue{"${env:X}", ""}}}));
  std::string text = drift_text(p);
  CHECK(text ==
        "Drift: 2 objects differ from the spec (2 changed), 0 could not be read.\n"
        "\n"
        "  ~ nexj.mail_channel/Mail  changed\n"
        "      password: live (sensitive), spec (sensitive), different\n"
        "  ~ nexj.http_channel/H  changed\n"
        "      password: live (not set), spec (sensitive)\n");
  std::string json = drift_json(p);
  for (const std::string& out : {text, json}) {
    CHECK(out.find("hunter2") == std::string::npos);
    CHECK(out.find("CRM_MAIL_PASSWORD") == std::string::npos);
  }
  nlohmann::json doc = nlohmann::json::parse(json);
  CHECK(doc["drift"][0]["fields"][0]["live"] == nlohmann::json{{"sensitive", true}});
  CHECK(doc["drift"][0]["fields"][0]["spec"] ==
        nlohmann::json{{"sensitive", true}, {"fingerprint", "sha256:0123456789abcdef"}});
}

TEST_CASE("drift JSON: summary and one object per line", "[render_drift]") {
  Plan p = drift_plan();
  p.only = {"nexj", "exchange"};
  CHECK(
      drift_json(p) ==
      R"~({"format":"1.0","deployment":"acme-prod","only":["nexj","exchange"],"inSync":false,"summary":{"checked":7,"differ":5,"missing":1,"changed":2,"unexpected":1,"blocked":1,"unknown":1},"unmanaged":[],"drift":[
{"address":"exchange.throttling_policy/NexJSyncPolicy","kind":"changed","fields":[{"field":"ewsMaxConcurrency","live":10,"spec":null}],"reason":"1 field differs: ewsMaxConcurrency"},
{"address":"nexj.http_channel/ExchangeEWSSender1","kind":"changed","fields":[{"field":"url","live":"https://old/ews","spec":"https://exch01/ews"},{"field":"password","live":{"sensitive":true,"fingerprint":"sha256:aaaaaaaaaaaaaaaa"},"spec":{"sensitive":true,"fingerprint":"sha256:bbbbbbbbbbbbbbbb"}},{"field":"readTimeout","spec":30}],"reason":"3 fields differ: password, readTimeout, url"},
{"address":"nexj.target/EXCH01","kind":"missing","fields":[],"reason":"missing: the spec names it, live has none"},
{"address":"nexj.target/EXCH02","kind":"unexpected","fields":[],"reason":"not in the spec, still enabled"},
{"address":"exchange.service_account/other","kind":"blocked","fields":[],"reason":"does not exist, and exchange.serviceAccount.create is false"},
{"address":"nexj.folder_link/jsmith/calendar","kind":"unknown","fields":[],"reason":"could not be read: EWS timed out after 30 s"}
]}
)~");
}

TEST_CASE("drift JSON: in sync", "[render_drift]") {
  Plan p;
  p.deployment = "acme";
  p.actions.push_back(plan_action(ActionKind::NoOp, types::kTarget, "A", "up to date"));
  CHECK(drift_json(p) ==
        "{\"format\":\"1.0\",\"deployment\":\"acme\",\"only\":[],\"inSync\":true,\"summary\":{"
        "\"checked\":1,\"differ\":0,\"missing\":0,\"changed\":0,\"unexpected\":0,\"blocked\":0,"
        "\"unknown\":0},\"unmanaged\":[],\"drift\":[]}\n");
  // Unknowns are never in sync (design decision 2).
  p.actions.push_back(
      plan_action(ActionKind::Unknown, types::kTarget, "B", "could not be read: x"));
  nlohmann::json doc = nlohmann::json::parse(drift_json(p));
  CHECK(doc["inSync"] == false);
  CHECK(doc["summary"]["differ"] == 0);
  CHECK(doc["summary"]["unknown"] == 1);
}

TEST_CASE("drift: output is deterministic", "[render_drift]") {
  CHECK(drift_text(drift_plan()) == drift_text(drift_plan()));
  CHECK(drift_json(drift_plan()) == drift_json(drift_plan()));
}

TEST_CASE("drift: what the spec does not name is listed for review, not as drift",
          "[render_drift]") {
  Plan p;
  p.deployment = "acme";
  p.actions.push_back(plan_action(ActionKind::NoOp, types::kTarget, "A", "up to date"));
  ObservedResource old;
  old.type = &types::kRoleAssignment;
  old.name = "Old\"Impersonation";
  old.values.assign(types::kRoleAssignment.fields.size(), Unset{});
  p.observed.resources.push_back(old);
  p.unmanaged.push_back(0);
  CHECK(drift_text(p) ==
        "No drift: live state matches the spec (1 object checked).\n"
        "\n"
        "Not managed by this spec (1 object; nothing is done to it): review\n"
        "  ? exchange.role_assignment/Old\\\"Impersonation  to adopt: "
        "impersonation.assignmentName: Old\\\"Impersonation; to remove: list "
        "\\\"exchange.role_assignment/Old\\\\\\\"Impersonation\\\" under remove:\n");
  nlohmann::json doc = nlohmann::json::parse(drift_json(p));
  CHECK(doc["inSync"] == true);
  CHECK(doc["unmanaged"][0]["address"] == "exchange.role_assignment/Old\"Impersonation");
}
