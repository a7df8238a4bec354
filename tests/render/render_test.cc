// The four plan renderers, on plans built by hand: exact output, hostile names, secrets.
#include "render/render.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

#include "base/json_writer.h"
#include "plan/plan_identity.h"
#include "plan/value_json.h"
#include "tests/cli/golden_support.h"
#include "tests/render/render_support.h"

#ifndef VALIJSON_USE_EXCEPTIONS
#define VALIJSON_USE_EXCEPTIONS 1
#endif

using namespace sd;

namespace {

using sd::test::field_number;
using sd::test::plan_action;
using sd::test::plan_json;

void count(Plan& plan) {
  plan.summary = {};
  for (const Action& a : plan.actions) {
    switch (a.kind) {
      case ActionKind::Create:
        ++plan.summary.create;
        break;
      case ActionKind::Update:
        ++plan.summary.update;
        break;
      case ActionKind::Disable:
        ++plan.summary.disable;
        break;
      case ActionKind::Remove:
        ++plan.summary.remove;
        break;
      case ActionKind::NoOp:
        ++plan.summary.noop;
        break;
      case ActionKind::Unknown:
        ++plan.summary.unknown;
        break;
      case ActionKind::Blocked:
        ++plan.summary.blocked;
        break;
    }
    if (a.risky) ++plan.summary.risky;
  }
}

const SecretValue kMailSecret{"${env:CRM_MAIL_PASSWORD}", "sha256:0123456789abcdef"};

// One of each kind, in execution order, with a secret on a create and on an update.
Plan sample_plan() {
  using namespace types;
  Plan p;
  p.deployment = "acme-prod";
  p.spec_file = "deploy/acme-prod.yaml";
  p.spec_digest = "sha256:00ff";
  p.actions.push_back(plan_action(ActionKind::NoOp, kServiceAccount, "nexj-sync", "up to date"));
  p.actions.push_back(plan_action(
      ActionKind::Update, kThrottlingPolicy, "NexJSyncPolicy", "1 field differs: ewsMaxConcurrency",
      {{field_number(kThrottlingPolicy, "ewsMaxConcurrency"), int64_t{10}, NullValue{}}}, {0},
      true));
  p.actions.push_back(
      plan_action(ActionKind::Create, kMailChannel, "Mail", "does not exist",
                  {{field_number(kMailChannel, "user"), Unset{}, std::string("crm-mail")},
                   {field_number(kMailChannel, "password"), Unset{}, kMailSecret},
                   {field_number(kMailChannel, "outPort"), Unset{}, int64_t{587}}}));
  p.actions.push_back(plan_action(
      ActionKind::Update, kHttpChannel, "ExchangeEWSSender1", "1 field differs: password",
      {{field_number(kHttpChannel, "password"), SecretValue{"", "sha256:aaaaaaaaaaaaaaaa"},
        SecretValue{"${env:NEXJ_SYNC_PASSWORD}", "sha256:bbbbbbbbbbbbbbbb"}}},
      {0}));
  p.actions.push_back(
      plan_action(ActionKind::Create, kTarget, "EXCH01", "does not exist",
                  {{field_number(kTarget, "host"), Unset{}, std::string("exch01.acme.local")},
                   {field_number(kTarget, "sender"), Unset{}, std::string("ExchangeEWSSender1")},
                   {field_number(kTarget, "enabled"), Unset{}, true}},
                  {3}));
  p.actions.push_back(plan_action(ActionKind::Disable, kTarget, "EXCH02",
                                  "no longer in the spec; targets are never deleted, only disabled",
                                  {{field_number(kTarget, "enabled"), true, false}}, {}, true));
  p.actions.push_back(plan_action(ActionKind::Unknown, kFolderLink, "jsmith/calendar",
                                  "could not be read: EWS timed out after 30 s", {}, {4}));
  count(p);
  return p;
}

// Every name an attacker controls, in one plan: quotes, newlines, shell, ANSI, non-ASCII,
// Markdown and DOT syntax, and a secret field that a bad read returned as plain text.
Plan hostile_plan() {
  using namespace types;
  Plan p;
  p.deployment = "acme\n\x1b[32mPlan: 0 to change";
  p.spec_file = "spec \"quoted\".yaml";
  p.spec_digest = "sha256:00";
  p.actions.push_back(plan_action(
      ActionKind::Create, kFolderLink, "j\"smith\n  + nexj.target/FORGED/calendar",
      "does not exist",
      {{field_number(kFolderLink, "email"), Unset{}, std::string("$(rm -rf /)@acme.com")}}));
  p.actions.push_back(
      plan_action(ActionKind::Update, kMailChannel, "Zürich `|` <b>Ωmega</b>",
                  "2 fields differ: description, password",
                  {{field_number(kMailChannel, "description"), std::string("a\x1b[31mred"),
                    std::string("@everyone | [x](http://evil) \\N")},
                   {field_number(kMailChannel, "password"), std::string("hunter2"), kMailSecret}}));
  p.actions.push_back(plan_action(ActionKind::Disable, kTarget, "t\"] -> a0 [label=\"pwned",
                                  "no longer in the spec",
                                  {{field_number(kTarget, "enabled"), true, false}}, {0, 1}, true));
  count(p);
  return p;
}

std::string text_of(const Plan& p, bool color = false) {
  return sd::test::plan_text(p, color);
}
std::string markdown_of(const Plan& p) {
  return sd::test::plan_markdown(p);
}
std::string dot_of(const Plan& p) {
  std::ostringstream out;
  render_dot(p, out);
  return out.str();
}

}  // namespace

TEST_CASE("text plan: counts, counts per type, risky first, then every change in order",
          "[render]") {
  CHECK(
      text_of(sample_plan()) ==
      R"~(Plan for deployment acme-prod: 2 to create, 2 to update, 1 to disable, 1 unchanged, 1 unknown
This plan cannot be applied as is: 1 object could not be read.

By resource type:
  step 1  exchange.service_account          1 unchanged
  step 2  exchange.throttling_policy        1 to update
  step 3  nexj.mail_channel                 1 to create
  step 3  nexj.http_channel                 1 to update
  step 4  nexj.target                       1 to create, 1 to disable
  step 7  nexj.folder_link                  1 unknown for 1 user

Review first (2 risky):
  ~ exchange.throttling_policy/NexJSyncPolicy  (update: 1 field differs: ewsMaxConcurrency)
  - nexj.target/EXCH02  (disable: no longer in the spec; targets are never deleted, only disabled)

  ~ exchange.throttling_policy/NexJSyncPolicy  (step 2, update: 1 field differs: ewsMaxConcurrency)
      ewsMaxConcurrency: 10 -> unlimited
  + nexj.mail_channel/Mail  (step 3, create: does not exist)
      user: "crm-mail"
      password: (sensitive)
      outPort: 587
  ~ nexj.http_channel/ExchangeEWSSender1  (step 3, update: 1 field differs: password)
      password: (sensitive, changed)
  + nexj.target/EXCH01  (step 4, create: does not exist)
      host: "exch01.acme.local"
      sender: "ExchangeEWSSender1"
      enabled: true
  - nexj.target/EXCH02  (step 4, disable: no longer in the spec; targets are never deleted, only disabled)
      enabled: true -> false
  ? nexj.folder_link/jsmith/calendar  could not be read: EWS timed out after 30 s
)~");
}

TEST_CASE("text plan: colors only when asked, on symbols and headings", "[render]") {
  Plan p;
  p.deployment = "lab";
  p.actions.push_back(plan_action(ActionKind::Create, types::kTarget, "A", "does not exist",
                                  {{field_number(types::kTarget, "enabled"), Unset{}, true}}));
  p.actions.push_back(
      plan_action(ActionKind::Update, types::kTarget, "B", "1 field differs: host",
                  {{field_number(types::kTarget, "host"), std::string("a"), std::string("b")}}));
  p.actions.push_back(plan_action(ActionKind::Disable, types::kTarget, "C", "no longer in the spec",
                                  {{field_number(types::kTarget, "enabled"), true, false}}, {},
                                  true));
  p.actions.push_back(plan_action(ActionKind::Blocked, types::kServiceAccount, "nexj-sync",
                                  "does not exist, and exchange.serviceAccount.create is false"));
  count(p);
  const std::string plain =
      "Plan for deployment lab: 1 to create, 1 to update, 1 to disable, 0 unchanged, 1 blocked\n"
      "This plan cannot be applied as is: 1 action is blocked.\n"
      "\n"
      "By resource type:\n"
      "  step 1  exchange.service_account          1 blocked\n"
      "  step 4  nexj.target                       1 to create, 1 to update, 1 to disable\n"
      "\n"
      "Review first (1 risky):\n"
      "  - nexj.target/C  (disable: no longer in the spec)\n"
      "\n"
      "  + nexj.target/A  (step 4, create: does not exist)\n"
      "      enabled: true\n"
      "  ~ nexj.target/B  (step 4, update: 1 field differs: host)\n"
      "      host: \"a\" -> \"b\"\n"
      "  - nexj.target/C  (step 4, disable: no longer in the spec)\n"
      "      enabled: true -> false\n"
      "  ! exchange.service_account/nexj-sync  does not exist, and "
      "exchange.serviceAccount.create is false\n";
  const std::string colored =
      "\x1b[1mPlan for deployment lab: 1 to create, 1 to update, 1 to disable, 0 unchanged, "
      "1 blocked\x1b[0m\n"
      "\x1b[31mThis plan cannot be applied as is: 1 action is blocked.\x1b[0m\n"
      "\n"
      "\x1b[1mBy resource type:\x1b[0m\n"
      "  step 1  exchange.service_account          1 blocked\n"
      "  step 4  nexj.target                       1 to create, 1 to update, 1 to disable\n"
      "\n"
      "\x1b[1mReview first (1 risky):\x1b[0m\n"
      "  \x1b[31m-\x1b[0m nexj.target/C  (disable: no longer in the spec)\n"
      "\n"
      "  \x1b[32m+\x1b[0m nexj.target/A  (step 4, create: does not exist)\n"
      "      enabled: true\n"
      "  \x1b[33m~\x1b[0m nexj.target/B  (step 4, update: 1 field differs: host)\n"
      "      host: \"a\" -> \"b\"\n"
      "  \x1b[31m-\x1b[0m nexj.target/C  (step 4, disable: no longer in the spec)\n"
      "      enabled: true -> false\n"
      "  \x1b[31m!\x1b[0m exchange.service_account/nexj-sync  does not exist, and "
      "exchange.serviceAccount.create is false\n";
  CHECK(text_of(p, false) == plain);
  CHECK(text_of(p, true) == colored);
}

TEST_CASE("text plan: nothing to do says so in one line", "[render]") {
  Plan p;
  p.deployment = "acme-prod";
  p.actions.push_back(
      plan_action(ActionKind::NoOp, types::kServiceAccount, "nexj-sync", "up to date"));
  p.actions.push_back(plan_action(ActionKind::NoOp, types::kTarget, "EXCH01", "up to date"));
  count(p);
  CHECK(text_of(p) == "No changes. acme-prod matches the spec (2 objects checked).\n");
  CHECK(text_of(p, true) ==
        "\x1b[1mNo changes. acme-prod matches the spec (2 objects checked).\x1b[0m\n");
  CHECK(markdown_of(p) ==
        "<!-- syncdeploy plan -->\n"
        "### No changes: `acme-prod` matches the spec (2 objects checked)\n");
}

TEST_CASE("text and Markdown plans say when they are limited (--only)", "[render]") {
  Plan p;
  p.deployment = "acme-prod";
  p.only = {"nexj", "exchange.throttling_policy/`x`\n"};
  p.actions.push_back(plan_action(ActionKind::NoOp, types::kTarget, "EXCH01", "up to date"));
  count(p);
  CHECK(text_of(p) ==
        "No changes. acme-prod matches the spec (1 objects checked).\n"
        "Limited to: nexj, exchange.throttling_policy/`x`\\n (--only)\n");
  CHECK(markdown_of(p) ==
        "<!-- syncdeploy plan -->\n"
        "### No changes: `acme-prod` matches the spec (1 objects checked)\n"
        "\n"
        "Limited to: `nexj`, ``exchange.throttling_policy/`x`\\n`` (`--only`)\n");

  p.only = {"nexj.target"};
  p.actions.push_back(plan_action(ActionKind::Create, types::kTarget, "EXCH02", "does not exist"));
  count(p);
  CHECK(text_of(p) ==
        "Plan for deployment acme-prod: 1 to create, 0 to update, 0 to disable, 1 unchanged\n"
        "Limited to: nexj.target (--only)\n"
        "\n"
        "By resource type:\n"
        "  step 4  nexj.target                       1 to create, 1 unchanged\n"
        "\n"
        "  + nexj.target/EXCH02  (step 4, create: does not exist)\n");
  CHECK(markdown_of(p) ==
        "<!-- syncdeploy plan -->\n"
        "### Plan for `acme-prod`: 1 to create, 0 to update, 0 to disable, 1 unchanged\n"
        "\n"
        "Plan id `" +
            plan_id(p) +
            "` (`planId` in the saved plan)\n"
            "\n"
            "Limited to: `nexj.target` (`--only`)\n"
            "\n"
            "| Step | Resource type | Create | Update | Disable | Unchanged |\n"
            "| ---: | --- | ---: | ---: | ---: | ---: |\n"
            "| 4 | `nexj.target` | 1 | 0 | 0 | 1 |\n"
            "\n"
            "**Exchange and NexJ configuration (1 change):**\n"
            "\n"
            "| Action | Address | Step | Changes |\n"
            "| --- | --- | --- | --- |\n"
            "| 🟢 create | `nexj.target/EXCH02` | 4 | does not exist |\n");
}

TEST_CASE("text plan: the counts are repeated at the end of a long listing", "[render]") {
  Plan p;
  p.deployment = "big";
  for (int i = 0; i < 21; ++i)
    p.actions.push_back(plan_action(ActionKind::Create, types::kFolderLink,
                                    "u" + std::to_string(i) + "/calendar", "does not exist"));
  count(p);
  std::string text = text_of(p);
  const std::string counts =
      "Plan for deployment big: 21 to create, 0 to update, 0 to disable, 0 unchanged\n";
  CHECK(text.starts_with(counts + "\nBy resource type:\n" +
                         "  step 7  nexj.folder_link                  21 to create for 21 users\n" +
                         "\n  + nexj.folder_link/u0/calendar  (step 7, create: "));
  CHECK(text.ends_with("u20/calendar  (step 7, create: does not exist)\n\n" + counts));
}

namespace {

// Folder links of three users: creates with a folder id each, the same update twice, the same
// read error twice, and a no-op between two creates.
Plan links_plan() {
  Plan p;
  p.deployment = "links";
  const uint16_t target = field_number(types::kFolderLink, "target");
  const uint16_t folder_id = field_number(types::kFolderLink, "folderId");
  const uint16_t enabled = field_number(types::kFolderLink, "enabled");
  p.actions.push_back(plan_action(ActionKind::Unknown, types::kFolderLink, "bob/calendar",
                                  "could not be read: EWS timed out"));
  p.actions.push_back(plan_action(ActionKind::Unknown, types::kFolderLink, "bob/tasks",
                                  "could not be read: EWS timed out"));
  p.actions.push_back(plan_action(
      ActionKind::Create, types::kFolderLink, "jsmith/calendar", "does not exist",
      {{target, Unset{}, std::string("EXCH01")}, {folder_id, Unset{}, std::string("AAMk1")}}));
  p.actions.push_back(plan_action(ActionKind::NoOp, types::kFolderLink, "jsmith/contacts", ""));
  p.actions.push_back(plan_action(
      ActionKind::Create, types::kFolderLink, "jsmith/tasks", "does not exist",
      {{target, Unset{}, std::string("EXCH01")}, {folder_id, Unset{}, std::string("AAMk2")}}));
  for (const char* name : {"mlee/calendar", "mlee/tasks"})
    p.actions.push_back(plan_action(ActionKind::Update, types::kFolderLink, name,
                                    "1 field differs: enabled", {{enabled, false, true}}));
  count(p);
  return p;
}

std::string text_at(const Plan& p, PlanDetail detail) {
  std::ostringstream out;
  render_text(p, TextStyle{false, detail}, out);
  return out.str();
}

}  // namespace

TEST_CASE("text plan: folder links one line per user, every field with --verbose", "[render]") {
  const std::string top =
      "Plan for deployment links: 2 to create, 2 to update, 0 to disable, 1 unchanged, 2 "
      "unknown\n"
      "This plan cannot be applied as is: 2 objects could not be read.\n"
      "\n"
      "By resource type:\n"
      "  step 7  nexj.folder_link                  2 to create, 2 to update, 2 unknown for 3 "
      "users, 1 unchanged\n"
      "\n";
  // A field the same for each folder is shown once; one that differs is said to.
  CHECK(text_at(links_plan(), PlanDetail::Grouped) ==
        top +
            "  ? nexj.folder_link/bob/{calendar,tasks}  could not be read: EWS timed out\n"
            "  + nexj.folder_link/jsmith/{calendar,tasks}  (step 7, create: does not exist)  "
            "target: \"EXCH01\", folderId: (per folder)\n"
            "  ~ nexj.folder_link/mlee/{calendar,tasks}  (step 7, update: 1 field differs: "
            "enabled)  enabled: false -> true\n");
  CHECK(text_at(links_plan(), PlanDetail::Full) ==
        top +
            "  ? nexj.folder_link/bob/calendar  could not be read: EWS timed out\n"
            "  ? nexj.folder_link/bob/tasks  could not be read: EWS timed out\n"
            "  + nexj.folder_link/jsmith/calendar  (step 7, create: does not exist)\n"
            "      target: \"EXCH01\"\n"
            "      folderId: \"AAMk1\"\n"
            "  + nexj.folder_link/jsmith/tasks  (step 7, create: does not exist)\n"
            "      target: \"EXCH01\"\n"
            "      folderId: \"AAMk2\"\n"
            "  ~ nexj.folder_link/mlee/calendar  (step 7, update: 1 field differs: enabled)\n"
            "      enabled: false -> true\n"
            "  ~ nexj.folder_link/mlee/tasks  (step 7, update: 1 field differs: enabled)\n"
            "      enabled: false -> true\n");
  // What apply shows of a large plan: the folder links that cannot be made by name, the others
  // counted.
  CHECK(text_at(links_plan(), PlanDetail::Summary) ==
        top +
            "  ? nexj.folder_link/bob/{calendar,tasks}  could not be read: EWS timed out\n"
            "  nexj.folder_link: 2 to create, 2 to update for 2 users (counted above; "
            "--verbose lists them)\n");
}

TEST_CASE("text plan: a different read error or another user starts a new line", "[render]") {
  Plan p = links_plan();
  p.actions[1].reason = "could not be read: EWS refused";
  p.actions[4].name = "jdoe/tasks";
  std::string text = text_at(p, PlanDetail::Grouped);
  CHECK(text.find("  ? nexj.folder_link/bob/calendar  could not be read: EWS timed out\n"
                  "  ? nexj.folder_link/bob/tasks  could not be read: EWS refused\n"
                  "  + nexj.folder_link/jsmith/calendar  (step 7, create: does not exist)  "
                  "target: \"EXCH01\", folderId: \"AAMk1\"\n"
                  "  + nexj.folder_link/jdoe/tasks  (step 7, create: does not exist)  "
                  "target: \"EXCH01\", folderId: \"AAMk2\"\n") != std::string::npos);
}

TEST_CASE("text plan: hostile names cannot forge lines or colors", "[render]") {
  std::string text = text_of(hostile_plan(), true);
  CHECK(
      text_of(hostile_plan()) ==
      R"~(Plan for deployment acme\n\x1B[32mPlan: 0 to change: 1 to create, 1 to update, 1 to disable, 0 unchanged

By resource type:
  step 3  nexj.mail_channel                 1 to update
  step 4  nexj.target                       1 to disable
  step 7  nexj.folder_link                  1 to create for 1 user

Review first (1 risky):
  - nexj.target/t\"] -> a0 [label=\"pwned  (disable: no longer in the spec)

  ~ nexj.mail_channel/Zürich `|` <b>Ωmega</b>  (step 3, update: 2 fields differ: description, password)
      description: "a\x1B[31mred" -> "@everyone | [x](http://evil) \\N"
      password: (sensitive, changed)
  - nexj.target/t\"] -> a0 [label=\"pwned  (step 4, disable: no longer in the spec)
      enabled: true -> false
  + nexj.folder_link/j\"smith\n  + nexj.target/FORGED/calendar  (step 7, create: does not exist)  email: "$(rm -rf /)@acme.com"
)~");
  // The only escape sequences are our own colors; every line is one we wrote.
  size_t escapes = 0;
  for (size_t at = text.find('\x1b'); at != std::string::npos; at = text.find('\x1b', at + 1))
    ++escapes;
  CHECK(escapes == 2 * 3 + 2 * 4);  // three headings, four symbols; each sets and resets
  CHECK(std::count(text.begin(), text.end(), '\n') == 16);
}

TEST_CASE("no renderer shows a secret or its reference", "[render]") {
  for (const Plan& p : {sample_plan(), hostile_plan()}) {
    for (const std::string& out :
         {text_of(p), text_of(p, true), plan_json(p), markdown_of(p), dot_of(p)}) {
      CHECK(out.find("hunter2") == std::string::npos);
      CHECK(out.find("CRM_MAIL_PASSWORD") == std::string::npos);
      CHECK(out.find("NEXJ_SYNC_PASSWORD") == std::string::npos);
    }
  }
}

TEST_CASE("JSON plan: versioned, one action per line, no-ops included", "[render]") {
  CHECK(
      plan_json(sample_plan()) ==
      R"~({"format_version":"1.3","tool":{"name":"syncdeploy"},"deployment":"acme-prod","spec":{"file":"deploy/acme-prod.yaml","digest":"sha256:00ff"},"planId":"6a937d64b4d3e03a","only":[],"summary":{"create":2,"update":2,"disable":1,"remove":0,"noop":1,"unknown":1,"blocked":0,"risky":2,"cannotSync":0},"applyable":false,"checks":[],"unmanaged":[],"actions":[
{"index":0,"address":"exchange.service_account/nexj-sync","type":"exchange.service_account","name":"nexj-sync","step":1,"action":"no-op","reason":"up to date","risky":false,"depends_on":[],"observedFingerprint":"absent","fingerprint":"sha256:3da8c832310531a6","changes":[]},
{"index":1,"address":"exchange.throttling_policy/NexJSyncPolicy","type":"exchange.throttling_policy","name":"NexJSyncPolicy","step":2,"action":"update","reason":"1 field differs: ewsMaxConcurrency","risky":true,"depends_on":[0],"observedFingerprint":"absent","fingerprint":"sha256:8e721b307f12ecc2","changes":[{"field":"ewsMaxConcurrency","before":10,"after":null}]},
{"index":2,"address":"nexj.mail_channel/Mail","type":"nexj.mail_channel","name":"Mail","step":3,"action":"create","reason":"does not exist","risky":false,"depends_on":[],"observedFingerprint":"absent","fingerprint":"sha256:db6239bea03444c1","changes":[{"field":"user","after":"crm-mail"},{"field":"password","after":{"sensitive":true,"fingerprint":"sha256:0123456789abcdef"}},{"field":"outPort","after":587}]},
{"index":3,"address":"nexj.http_channel/ExchangeEWSSender1","type":"nexj.http_channel","name":"ExchangeEWSSender1","step":3,"action":"update","reason":"1 field differs: password","risky":false,"depends_on":[0],"observedFingerprint":"absent","fingerprint":"sha256:b0dedaf7511e7b44","changes":[{"field":"password","before":{"sensitive":true,"fingerprint":"sha256:aaaaaaaaaaaaaaaa"},"after":{"sensitive":true,"fingerprint":"sha256:bbbbbbbbbbbbbbbb"}}]},
{"index":4,"address":"nexj.target/EXCH01","type":"nexj.target","name":"EXCH01","step":4,"action":"create","reason":"does not exist","risky":false,"depends_on":[3],"observedFingerprint":"absent","fingerprint":"sha256:85fffc935f31b442","changes":[{"field":"host","after":"exch01.acme.local"},{"field":"sender","after":"ExchangeEWSSender1"},{"field":"enabled","after":true}]},
{"index":5,"address":"nexj.target/EXCH02","type":"nexj.target","name":"EXCH02","step":4,"action":"disable","reason":"no longer in the spec; targets are never deleted, only disabled","risky":true,"depends_on":[],"observedFingerprint":"absent","fingerprint":"sha256:4df2d636deba55b0","changes":[{"field":"enabled","before":true,"after":false}]},
{"index":6,"address":"nexj.folder_link/jsmith/calendar","type":"nexj.folder_link","name":"jsmith/calendar","step":7,"action":"unknown","reason":"could not be read: EWS timed out after 30 s","risky":false,"depends_on":[4],"observedFingerprint":"unknown","fingerprint":"sha256:526e68305ecc3469","changes":[]}
]}
)~");
  // The same identities the runtime computes.
  const Plan p = sample_plan();
  nlohmann::json doc = nlohmann::json::parse(plan_json(p));
  CHECK(doc["planId"] == plan_id(p));
  for (size_t i = 0; i < p.actions.size(); ++i) {
    CHECK(doc["actions"][i]["observedFingerprint"] == observed_fingerprint(p, p.actions[i]));
    CHECK(doc["actions"][i]["fingerprint"] == action_fingerprint(p, p.actions[i]));
  }
}

TEST_CASE("JSON plan: validates against schema/plan.schema.json", "[render]") {
  Plan empty;
  empty.deployment = "none";
  Plan limited = sample_plan();
  limited.only = {"nexj", "exchange.throttling_policy/NexJSyncPolicy"};
  for (const Plan& p : {sample_plan(), hostile_plan(), empty, limited}) {
    nlohmann::json doc = nlohmann::json::parse(plan_json(p));
    CHECK(test::schema_violations("schema/plan.schema.json", doc) == std::vector<std::string>{});
  }
  CHECK(nlohmann::json::parse(plan_json(limited))["only"] ==
        nlohmann::json{"nexj", "exchange.throttling_policy/NexJSyncPolicy"});

  // 1.1 requires the identities; a 1.0 plan, written before them, still validates.
  nlohmann::json doc = nlohmann::json::parse(plan_json(sample_plan()));
  nlohmann::json no_id = doc;
  no_id.erase("planId");
  CHECK_FALSE(test::schema_violations("schema/plan.schema.json", no_id).empty());
  nlohmann::json no_fingerprint = doc;
  no_fingerprint["actions"][2].erase("fingerprint");
  CHECK_FALSE(test::schema_violations("schema/plan.schema.json", no_fingerprint).empty());
  nlohmann::json bad_observed = doc;
  bad_observed["actions"][2]["observedFingerprint"] = "present";
  CHECK_FALSE(test::schema_violations("schema/plan.schema.json", bad_observed).empty());
  nlohmann::json old = doc;
  old["format_version"] = "1.0";
  old.erase("planId");
  old.erase("only");
  for (auto& a : old["actions"]) {
    a.erase("fingerprint");
    a.erase("observedFingerprint");
  }
  CHECK(test::schema_violations("schema/plan.schema.json", old) == std::vector<std::string>{});

  // Hostile names come back byte for byte: escaping is complete and only the JSON's.
  doc = nlohmann::json::parse(plan_json(hostile_plan()));
  CHECK(doc["deployment"] == hostile_plan().deployment);
  CHECK(doc["actions"][0]["name"] == "j\"smith\n  + nexj.target/FORGED/calendar");
  CHECK(doc["actions"][1]["changes"][0]["before"] == "a\x1b[31mred");
  CHECK(doc["actions"][1]["changes"][1]["before"] == nlohmann::json{{"sensitive", true}});
}

TEST_CASE("JSON plan: values have value_to_json's shape", "[render]") {
  const std::vector<Value> values = {NullValue{},
                                     true,
                                     int64_t{-42},
                                     int64_t{INT64_MAX},
                                     std::string("tab\there \xC3\xA9"),
                                     StringList{"a", "b\"c"},
                                     StringList{},
                                     SecretValue{"${env:X}", "sha256:0123456789abcdef"},
                                     SecretValue{"${env:X}", ""}};
  Plan p;
  p.deployment = "v";
  std::vector<FieldChange> changes;
  for (const Value& v : values) changes.push_back({field_number(types::kTarget, "host"), v, v});
  p.actions.push_back(plan_action(ActionKind::Update, types::kTarget, "T", "", changes));
  count(p);
  nlohmann::json doc = nlohmann::json::parse(plan_json(p));
  const nlohmann::json& out = doc["actions"][0]["changes"];
  REQUIRE(out.size() == values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK(out[i]["before"] == value_to_json(values[i]));
    CHECK(out[i]["after"] == value_to_json(values[i]));
  }
}

TEST_CASE("JSON writer: escaping, ill-formed UTF-8, commas", "[render]") {
  std::string s;
  append_json_string(s, "q\" b\\ n\n t\t c\x01 d\x7f");
  CHECK(s == R"("q\" b\\ n\n t\t c\u0001 d)"
             "\x7f\"");
  s.clear();
  // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate: each U+FFFD.
  append_json_string(s,
                     "a\x80"
                     "b\xE2\x82"
                     "c\xC0\xAF"
                     "d\xED\xA0\x80"
                     "e\xF0\x9F\x98\x80");
  CHECK(s == "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffde\xF0\x9F\x98\x80\"");
  CHECK_NOTHROW(nlohmann::json::parse(s));

  std::ostringstream out;
  {
    JsonWriter w(out);
    w.begin_object();
    w.key("a");
    w.begin_array(true);
    w.number(int64_t{1});
    w.begin_object();
    w.end_object();
    w.null();
    w.end_array();
    w.key("b");
    w.begin_array(true);
    w.end_array();
    w.key("c");
    w.number(uint64_t{18446744073709551615u});
    w.end_object();
  }
  CHECK(out.str() == "{\"a\":[\n1,\n{},\nnull\n],\"b\":[],\"c\":18446744073709551615}");
}

TEST_CASE(
    "Markdown plan: counts, plan id, type table, risky list, configuration, folder links collapsed",
    "[render]") {
  CHECK(markdown_of(sample_plan()) == R"~(<!-- syncdeploy plan -->
### Plan for `acme-prod`: 2 to create, 2 to update, 1 to disable, 1 unchanged, 1 unknown

Plan id `6a937d64b4d3e03a` (`planId` in the saved plan)

> [!WARNING]
> This plan cannot be applied as is: 1 object could not be read.

| Step | Resource type | Create | Update | Disable | Unchanged | Unknown |
| ---: | --- | ---: | ---: | ---: | ---: | ---: |
| 1 | `exchange.service_account` | 0 | 0 | 0 | 1 | 0 |
| 2 | `exchange.throttling_policy` | 0 | 1 | 0 | 0 | 0 |
| 3 | `nexj.mail_channel` | 1 | 0 | 0 | 0 | 0 |
| 3 | `nexj.http_channel` | 0 | 1 | 0 | 0 | 0 |
| 4 | `nexj.target` | 1 | 0 | 1 | 0 | 0 |
| 7 | `nexj.folder_link` (1 user) | 0 | 0 | 0 | 0 | 1 |

**Review first (2 risky):**

- 🟡 update `exchange.throttling_policy/NexJSyncPolicy`: 1 field differs: ewsMaxConcurrency
- 🔴 disable `nexj.target/EXCH02`: no longer in the spec; targets are never deleted, only disabled

**Exchange and NexJ configuration (5 changes):**

| Action | Address | Step | Changes |
| --- | --- | --- | --- |
| 🟡 update | `exchange.throttling_policy/NexJSyncPolicy` | 2 | ewsMaxConcurrency: `10` → `unlimited` |
| 🟢 create | `nexj.mail_channel/Mail` | 3 | user: `"crm-mail"`<br>password: (sensitive)<br>outPort: `587` |
| 🟡 update | `nexj.http_channel/ExchangeEWSSender1` | 3 | password: (sensitive, changed) |
| 🟢 create | `nexj.target/EXCH01` | 4 | host: `"exch01.acme.local"`<br>sender: `"ExchangeEWSSender1"`<br>enabled: `true` |
| 🔴 disable | `nexj.target/EXCH02` | 4 | enabled: `true` → `false` |

<details><summary>Folder links: 1 unknown for 1 user</summary>

| Action | User/folders | Changes |
| --- | --- | --- |
| ❓ unknown | `jsmith/calendar` | could not be read: `EWS timed out after 30 s` |

</details>
)~");
}

TEST_CASE("Markdown plan: hostile names stay inside their code spans", "[render]") {
  CHECK(markdown_of(hostile_plan()) == R"~(<!-- syncdeploy plan -->
### Plan for `acme\n\x1B[32mPlan: 0 to change`: 1 to create, 1 to update, 1 to disable, 0 unchanged

Plan id `7ed250abd7e05a78` (`planId` in the saved plan)

| Step | Resource type | Create | Update | Disable | Unchanged |
| ---: | --- | ---: | ---: | ---: | ---: |
| 3 | `nexj.mail_channel` | 0 | 1 | 0 | 0 |
| 4 | `nexj.target` | 0 | 0 | 1 | 0 |
| 7 | `nexj.folder_link` (1 user) | 1 | 0 | 0 | 0 |

**Review first (1 risky):**

- 🔴 disable `nexj.target/t\"] -> a0 [label=\"pwned`: no longer in the spec

**Exchange and NexJ configuration (2 changes):**

| Action | Address | Step | Changes |
| --- | --- | --- | --- |
| 🟡 update | ``nexj.mail_channel/Zürich `\|` <b>Ωmega</b>`` | 3 | description: `"a\x1B[31mred"` → `"@everyone \| [x](http://evil) \\N"`<br>password: (sensitive, changed) |
| 🔴 disable | `nexj.target/t\"] -> a0 [label=\"pwned` | 4 | enabled: `true` → `false` |

<details><summary>Folder links: 1 to create for 1 user</summary>

| Action | User/folders | Changes |
| --- | --- | --- |
| 🟢 create | `j\"smith\n  + nexj.target/FORGED/calendar` | email: `"$(rm -rf /)@acme.com"` |

</details>
)~");
}

// The pull-request comment of a 20,000-user change: counts by type first, the configuration in
// full, the folder links one row per user and collapsed, within GitHub's 65,536 characters.
TEST_CASE("Markdown plan: a 20,000-user change fits a comment, counts by type first", "[render]") {
  Plan p;
  p.deployment = "big";
  p.actions.push_back(plan_action(ActionKind::Create, types::kTarget, "EXCH01", "does not exist",
                                  {{field_number(types::kTarget, "enabled"), Unset{}, true}}));
  for (int i = 0; i < 20000; ++i) {
    std::string login = "user" + std::to_string(i);
    for (const char* folder : {"calendar", "contacts", "tasks"})
      p.actions.push_back(plan_action(
          ActionKind::Create, types::kFolderLink, login + "/" + folder, "does not exist",
          {{field_number(types::kFolderLink, "target"), Unset{}, std::string("EXCH01")},
           {field_number(types::kFolderLink, "email"), Unset{}, login + "@acme.com"},
           {field_number(types::kFolderLink, "folderId"), Unset{}, "id-" + login + folder}}));
  }
  for (int i = 0; i < 1000; ++i)
    p.actions.push_back(
        plan_action(ActionKind::Disable, types::kFolderLink, "gone" + std::to_string(i) + "/tasks",
                    "no longer in the spec; users.prune is true",
                    {{field_number(types::kFolderLink, "enabled"), true, false}}, {}, true));
  count(p);
  std::string md = markdown_of(p);
  CHECK(md.size() < 65536);
  CHECK(md.starts_with(
      "<!-- syncdeploy plan -->\n"
      "### Plan for `big`: 60001 to create, 0 to update, 1000 to disable, 0 unchanged\n"
      "\n"
      "Plan id `" +
      plan_id(p) +
      "` (`planId` in the saved plan)\n"
      "\n"
      "| Step | Resource type | Create | Update | Disable | Unchanged |\n"
      "| ---: | --- | ---: | ---: | ---: | ---: |\n"
      "| 4 | `nexj.target` | 1 | 0 | 0 | 0 |\n"
      "| 7 | `nexj.folder_link` (21000 users) | 60000 | 0 | 1000 | 0 |\n"
      "\n"
      "**Review first (1000 risky):**\n"
      "\n"
      "- 🔴 disable `nexj.folder_link/gone0/tasks`: no longer in the spec; users.prune is true\n"));
  // The risky list has its own share of the budget; the configuration and the links follow.
  size_t risky_cut = md.find("- … and ");
  size_t configuration = md.find(
      "\n**Exchange and NexJ configuration (1 change):**\n\n"
      "| Action | Address | Step | Changes |\n| --- | --- | --- | --- |\n"
      "| 🟢 create | `nexj.target/EXCH01` | 4 | enabled: `true` |\n");
  size_t links = md.find(
      "\n<details><summary>Folder links: 60000 to create, 1000 to disable for 21000 users"
      "</summary>\n\n| Action | User/folders | Changes |\n| --- | --- | --- |\n"
      "| 🟢 create | `user0/{calendar,contacts,tasks}` | target: `\"EXCH01\"`<br>email: "
      "`\"user0@acme.com\"`<br>folderId: (per folder) |\n");
  REQUIRE(risky_cut != std::string::npos);
  REQUIRE(configuration != std::string::npos);
  REQUIRE(links != std::string::npos);
  CHECK(risky_cut < configuration);
  CHECK(configuration < links);
  size_t rows = 0;
  for (size_t at = md.find("\n| 🟢 create | `user", links); at != std::string::npos;
       at = md.find("\n| 🟢 create | `user", at + 1))
    ++rows;
  CHECK(rows > 100);
  CHECK(md.ends_with("|\n\n… and " + std::to_string(61000 - 3 * rows) +
                     " more folder links not shown; see the JSON plan.\n\n</details>\n"));
}

TEST_CASE("Markdown plan: long values and many fields are cut inside the cell", "[render]") {
  Plan p;
  p.deployment = "d";
  std::vector<FieldChange> changes;
  for (uint16_t f = 0; f < 8; ++f) changes.push_back({f, Unset{}, int64_t{f}});
  p.actions.push_back(plan_action(ActionKind::Create, types::kMailChannel, "Mail", "", changes));
  p.actions.push_back(plan_action(
      ActionKind::Update, types::kGlobalOptions, "exchange", "",
      {{field_number(types::kGlobalOptions, "emailBlacklist"), StringList{},
        StringList{"a", "b", "c", "d", "e", "f", "g"}},
       {field_number(types::kGlobalOptions, "realtimeSync"), Unset{}, std::string(100, 'x')}}));
  count(p);
  std::string md = markdown_of(p);
  CHECK(md.find("| 🟢 create | `nexj.mail_channel/Mail` | 3 | description: `0`<br>alias: "
                "`1`<br>user: `2`<br>password: (sensitive)<br>from: `4`<br>domain: `5`<br>… 2 "
                "more fields |\n") != std::string::npos);
  CHECK(md.find("emailBlacklist: `[]` → `[\"a\", \"b\", \"c\", \"d\", \"e\", … 2 more]`<br>"
                "realtimeSync: `(unset)` → `\"" +
                std::string(60, 'x') + "…\"` |\n") != std::string::npos);
}

TEST_CASE("Markdown plan: a reason cannot mention, link or inject HTML", "[render]") {
  Plan p;
  p.deployment = "d";
  p.actions.push_back(plan_action(ActionKind::Blocked, types::kServiceAccount, "x",
                                  "ask @acme/admins <img src=x> *now* | [here](http://e) `a`"));
  count(p);
  CHECK(markdown_of(p) ==
        "<!-- syncdeploy plan -->\n"
        "### Plan for `d`: 0 to create, 0 to update, 0 to disable, 0 unchanged, 1 blocked\n"
        "\n"
        "Plan id `" +
            plan_id(p) +
            "` (`planId` in the saved plan)\n"
            "\n"
            "> [!WARNING]\n"
            "> This plan cannot be applied as is: 1 action is blocked.\n"
            "\n"
            "| Step | Resource type | Create | Update | Disable | Unchanged | Blocked |\n"
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: |\n"
            "| 1 | `exchange.service_account` | 0 | 0 | 0 | 0 | 1 |\n"
            "\n"
            "**Exchange and NexJ configuration (1 change):**\n"
            "\n"
            "| Action | Address | Step | Changes |\n"
            "| --- | --- | --- | --- |\n"
            "| ⛔ blocked | `exchange.service_account/x` | 1 | ask @&#8203;acme/admins &lt;img "
            "src=x&gt; "
            "\\*now\\* \\| \\[here\\](http://e) \\`a\\` |\n");
}

TEST_CASE("DOT graph: nodes clustered by step, edges along dependencies", "[render]") {
  CHECK(dot_of(sample_plan()) == R"~(digraph syncdeploy {
  rankdir=LR;
  label="plan for deployment acme-prod";
  graph [fontname="Helvetica"];
  node [style="rounded,filled", fontname="Helvetica"];
  edge [color="#555555"];
  subgraph cluster_step1 {
    label="step 1: Exchange service account and impersonation";
    a0 [label="exchange.service_account/nexj-sync\nno-op", shape=box, fillcolor="#f2f2f2", color="#9e9e9e"];
  }
  subgraph cluster_step2 {
    label="step 2: Exchange throttling policy";
    a1 [label="exchange.throttling_policy/NexJSyncPolicy\nupdate", shape=box, fillcolor="#fff4cc", color="#b08800"];
  }
  subgraph cluster_step3 {
    label="step 3: NexJ channels";
    a2 [label="nexj.mail_channel/Mail\ncreate", shape=box, fillcolor="#d9f2d9", color="#2e7d32"];
    a3 [label="nexj.http_channel/ExchangeEWSSender1\nupdate", shape=box, fillcolor="#fff4cc", color="#b08800"];
  }
  subgraph cluster_step4 {
    label="step 4: synchronization targets";
    a4 [label="nexj.target/EXCH01\ncreate", shape=box, fillcolor="#d9f2d9", color="#2e7d32"];
    a5 [label="nexj.target/EXCH02\ndisable", shape=box, fillcolor="#f9d6d5", color="#c62828"];
  }
  subgraph cluster_step7 {
    label="step 7: folder links";
    a6 [label="nexj.folder_link/jsmith/calendar\nunknown", shape=box, style="rounded,filled,dashed", fillcolor="#eeeeee", color="#6a1b9a"];
  }
  a0 -> a1;
  a0 -> a3;
  a3 -> a4;
  a4 -> a6;
}
)~");
}

TEST_CASE("DOT graph: names cannot add nodes, edges or attributes", "[render]") {
  CHECK(dot_of(hostile_plan()) == R"~(digraph syncdeploy {
  rankdir=LR;
  label="plan for deployment acme\\n\\x1B[32mPlan: 0 to change";
  graph [fontname="Helvetica"];
  node [style="rounded,filled", fontname="Helvetica"];
  edge [color="#555555"];
  subgraph cluster_step3 {
    label="step 3: NexJ channels";
    a1 [label="nexj.mail_channel/Zürich `|` <b>Ωmega</b>\nupdate", shape=box, fillcolor="#fff4cc", color="#b08800"];
  }
  subgraph cluster_step4 {
    label="step 4: synchronization targets";
    a2 [label="nexj.target/t\\\"] -> a0 [label=\\\"pwned\ndisable", shape=box, fillcolor="#f9d6d5", color="#c62828"];
  }
  subgraph cluster_step7 {
    label="step 7: folder links";
    a0 [label="nexj.folder_link/j\\\"smith\\n  + nexj.target/FORGED/calendar\ncreate", shape=box, fillcolor="#d9f2d9", color="#2e7d32"];
  }
  a0 -> a2;
  a1 -> a2;
}
)~");
}

// Not run by default: `unit_tests "[.perf]"`. 100,000 users, three links each.
TEST_CASE("renderers: 300,000 actions", "[.perf]") {
  Plan p;
  p.deployment = "big";
  p.actions.reserve(300000);
  const char* folders[] = {"calendar", "tasks", "contacts"};
  for (int i = 0; i < 300000; ++i) {
    std::string login = "user" + std::to_string(i / 3);
    p.actions.push_back(plan_action(
        ActionKind::Create, types::kFolderLink, login + "/" + folders[i % 3], "does not exist",
        {{field_number(types::kFolderLink, "target"), Unset{}, std::string("EXCH01")},
         {field_number(types::kFolderLink, "email"), Unset{}, login + "@acme.com"},
         {field_number(types::kFolderLink, "enabled"), Unset{}, true}}));
  }
  count(p);
  auto time = [&](const char* what, auto render) {
    std::ostringstream out;
    auto start = std::chrono::steady_clock::now();
    render(out);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    WARN(what << ": " << ms << " ms, " << out.str().size() << " bytes");
  };
  time("text", [&](std::ostream& o) { render_text(p, TextStyle{}, o); });
  time("json", [&](std::ostream& o) { render_json(p, o); });
  time("markdown", [&](std::ostream& o) { render_markdown(p, o); });
  time("dot", [&](std::ostream& o) { render_dot(p, o); });
}
