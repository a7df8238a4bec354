#include "runtime/nexj/config_store.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/source_files.h"
#include "base/sqlite_database.h"
#include "plan/desired_state.h"
#include "runtime/nexj/config_store_schema.h"
#include "spec/load_spec.h"
#include "tests/base/temp_dir_support.h"

using namespace sd;

namespace {

using sd::test::TempDir;

// Rows of `sql` on the file, columns joined with '|', NULL as "NULL".
std::vector<std::string> rows(const std::string& path, const std::string& sql, int columns) {
  auto db = open_sqlite(path, SqlOpenMode::ReadOnly);
  REQUIRE(db.ok());
  auto stmt = (*db)->prepare(sql);
  REQUIRE(stmt.ok());
  std::vector<std::string> out;
  for (;;) {
    Result<bool> row = (*stmt)->step();
    REQUIRE(row.ok());
    if (!*row) return out;
    std::string line;
    for (int c = 0; c < columns; ++c)
      line.append(c ? "|" : "").append((*stmt)->is_null(c) ? "NULL" : (*stmt)->column_text(c));
    out.push_back(line);
  }
}

void sql(const std::string& path, const std::string& text) {
  auto db = open_sqlite(path, SqlOpenMode::ReadWriteCreate);
  REQUIRE(db.ok());
  REQUIRE((*db)->exec(text).ok());
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::unique_ptr<ConfigStore> writable(const std::string& path, Checkpoints checkpoints = {}) {
  auto store = open_config_store_for_writing(path, std::move(checkpoints));
  if (!store.ok()) FAIL(format_all(store.errors()));
  return std::move(store).value();
}

std::unique_ptr<ConfigStore> readable(const std::string& path) {
  auto store = open_config_store_for_reading(path);
  if (!store.ok()) FAIL(format_all(store.errors()));
  return std::move(store).value();
}

const char* const kSpec = R"(version: 1
deployment: store-test
exchange:
  version: Exchange2016
  management: {url: "https://exch01.example.local:5986/wsman", auth: basic,
               username: deploy-admin, password: "${env:ADMIN_PW}"}
  serviceAccount: {identity: nexj-sync, upn: nexj-sync@example.local,
                   password: "${env:SYNC_PW}"}
  impersonation: {method: rbac}
  servers:
    - {name: exch01, host: exch01.example.local}
    - {name: exch02, host: exch02.example.local}
nexj:
  url: https://crm.example.local/nexj
  environmentFile: env/test.environment
  store: sqlite:state/store.db
  channels:
    senders:
      - {channel: ExchangeEWSSender1, server: exch01}
      - {channel: ExchangeEWSSender2, server: exch02}
    receiver: {channel: ExchangeEWSNotificationReceiver}
  targets:
    - {name: EXCH01, server: exch01, sender: ExchangeEWSSender1, keepItemsOlderThanDays: 30}
TARGET2  globalOptions:
    batchSyncSetup: {enabled: true, startTime: "01:30", periodMinutes: 60}
    realtimeSync: running
    emailBlacklist: ['^noreply@.*$', '.*@spam\.example$']
  userOptions:
    - {scope: system, enableMeetingAlarmSynchronization: true}
users:
  defaults: {target: EXCH01, folders: [calendar, tasks]}
  list:
USERS)";

const char* const kTarget2 =
    "    - {name: EXCH02, server: exch02, sender: ExchangeEWSSender2, autodiscover: true}\n";
const char* const kUsers =
    "    - {login: jsmith, email: jsmith@example.com}\n"
    "    - {login: mlee, email: mlee@example.com, folders: [contacts]}\n";

std::string spec_text(const std::string& target2 = kTarget2, const std::string& users = kUsers) {
  std::string out = kSpec;
  out.replace(out.find("TARGET2"), 7, target2);
  out.replace(out.find("USERS"), 5, users);
  return out;
}

DesiredState desired_from(const std::string& yaml) {
  MemoryFiles files;
  files.files["spec.yaml"] = yaml;
  Result<LoadedSpec> loaded = load_spec("spec.yaml", files);
  if (!loaded.ok()) FAIL(format_all(loaded.errors()));
  return build_desired_state(loaded->spec, {});
}

Plan plan_for(ConfigStore& store, DesiredState desired, PlanOptions options = {}) {
  ObservedState observed;
  store.observe(desired, observed);
  return make_plan(std::move(desired), std::move(observed), options);
}

bool is_change(ActionKind k) {
  return k == ActionKind::Create || k == ActionKind::Update || k == ActionKind::Disable;
}

// Indices of the store's Create/Update/Disable actions.
std::vector<uint32_t> changes(const Plan& plan, const ConfigStore& store) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < plan.actions.size(); ++i)
    if (store.manages(*plan.actions[i].type) && is_change(plan.actions[i].kind)) out.push_back(i);
  return out;
}

// Applies every change of the store; returns the errors ("" for each success).
std::vector<std::string> apply_changes(ConfigStore& store, const Plan& plan) {
  std::vector<uint32_t> todo = changes(plan, store);
  std::vector<ActionResult> results = store.apply(plan, todo, {});
  REQUIRE(results.size() == todo.size());
  std::vector<std::string> out;
  for (const ActionResult& r : results) out.push_back(r.ok ? "" : r.error);
  return out;
}

// "<kind> <address>" of the store's actions that are not no-ops.
std::vector<std::string> pending(const Plan& plan, const ConfigStore& store) {
  std::vector<std::string> out;
  for (const Action& a : plan.actions)
    if (store.manages(*a.type) && a.kind != ActionKind::NoOp)
      out.push_back(std::string(to_string(a.kind)) + " " + a.address());
  return out;
}

const std::vector<std::string> kNone;

}  // namespace

TEST_CASE("store columns follow the resource fields, in order", "[config_store]") {
  for (const StoreTable& t : store_tables()) {
    REQUIRE(t.columns.size() == t.type->fields.size());
    for (size_t i = 0; i < t.columns.size(); ++i)
      CHECK(t.columns[i].field == t.type->fields[i].name);
  }
}

TEST_CASE("migrations build a fresh file once, a newer store is refused", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  CHECK(writable(path)->schema_version() == kStoreSchemaVersion);
  CHECK(rows(path, "SELECT id, version FROM syncdeploy_schema", 2) ==
        std::vector<std::string>{"1|1"});
  CHECK(rows(path, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", 1) ==
        std::vector<std::string>{"NJExchangeProspect", "sync_email_blacklist", "sync_folder_link",
                                 "sync_global_options", "sync_target", "sync_user_options",
                                 "syncdeploy_schema"});
  // Migration 1 has no IF NOT EXISTS: running it again would fail, and the row would be lost.
  sql(path, "INSERT INTO sync_target (id, name) VALUES ('0123456789abcdef0123456789abcdef', 'T')");
  CHECK(writable(path)->schema_version() == 1);
  CHECK(readable(path)->schema_version() == 1);
  CHECK(rows(path, "SELECT name FROM sync_target", 1) == std::vector<std::string>{"T"});

  sql(path, "UPDATE syncdeploy_schema SET version = 3");
  const std::string refusal =
      "configuration store " + path +
      " has schema version 3; this syncdeploy knows up to 1: upgrade syncdeploy";
  auto r = open_config_store_for_reading(path);
  REQUIRE(!r.ok());
  CHECK(r.errors()[0].message == refusal);
  auto w = open_config_store_for_writing(path);
  REQUIRE(!w.ok());
  CHECK(w.errors()[0].message == refusal);
  CHECK(rows(path, "SELECT version FROM syncdeploy_schema", 1) == std::vector<std::string>{"3"});
}

TEST_CASE("a database that is not a store is refused, never migrated into", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("other.db");
  sql(path, "CREATE TABLE accounts (id INTEGER)");
  auto w = open_config_store_for_writing(path);
  REQUIRE(!w.ok());
  CHECK(w.errors()[0].format() ==
        path +
            ": error: is not a syncdeploy configuration store (it has tables but no "
            "syncdeploy_schema table)");
  ObservedState observed;
  readable(path)->observe({}, observed);
  CHECK(observed.failed_types.size() == 4);
  CHECK(observed.resources.empty());
}

TEST_CASE("reading a missing store creates nothing and reads as empty", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("missing/store.db");
  auto store = readable(path);
  CHECK(store->describe() == "configuration store " + path);
  Plan plan = plan_for(*store, desired_from(spec_text()));
  CHECK(plan.observed.resources.empty());
  CHECK(plan.observed.failed_types.empty());
  CHECK(pending(plan, *store) ==
        std::vector<std::string>{
            "create nexj.target/EXCH01", "create nexj.target/EXCH02",
            "create nexj.global_options/exchange", "create nexj.user_options/system",
            "create nexj.folder_link/jsmith/calendar", "create nexj.folder_link/jsmith/tasks",
            "create nexj.folder_link/mlee/contacts"});
  CHECK(apply_changes(*store, plan)[0] ==
        "configuration store " + path + " is open for reading only: nothing was changed");
  CHECK(store->list_prospects().value().empty());
  CHECK(!std::filesystem::exists(dir.file("missing")));
}

TEST_CASE("apply creates exact rows, and the next plan has nothing to do", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  auto store = writable(path);
  Plan plan = plan_for(*store, desired_from(spec_text()));
  CHECK(apply_changes(*store, plan) == std::vector<std::string>(7, ""));

  CHECK(
      rows(path,
           "SELECT name, host, nexj_url, version, subscription, autodiscover, use_internal_cas,"
           " keep_items_older_than_days, sender, receiver, enabled FROM sync_target ORDER BY name",
           11) ==
      std::vector<std::string>{
          "EXCH01|exch01.example.local|https://crm.example.local/nexj/anon|Exchange2016|push|0|0|"
          "30|ExchangeEWSSender1|ExchangeEWSNotificationReceiver|1",
          "EXCH02|exch02.example.local|https://crm.example.local/nexj/anon|Exchange2016|push|1|0|"
          "NULL|ExchangeEWSSender2|ExchangeEWSNotificationReceiver|1"});
  for (const std::string& id : rows(path, "SELECT id FROM sync_target", 1)) {
    CHECK(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  CHECK(rows(path, "SELECT * FROM sync_global_options", 13) ==
        std::vector<std::string>{"1|1|01:30|60|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|running"});
  CHECK(rows(path, "SELECT position, pattern FROM sync_email_blacklist ORDER BY position", 2) ==
        std::vector<std::string>{"0|^noreply@.*$", "1|.*@spam\\.example$"});
  CHECK(rows(path, "SELECT * FROM sync_user_options", 7) ==
        std::vector<std::string>{"system|NULL|NULL|NULL|1|NULL|NULL"});
  CHECK(rows(path,
             "SELECT l.login, l.folder, t.name, l.email, l.folder_id, l.enabled FROM "
             "sync_folder_link AS l JOIN sync_target AS t ON t.id = l.target_id",
             6) == std::vector<std::string>{"jsmith|calendar|EXCH01|jsmith@example.com|NULL|1",
                                            "jsmith|tasks|EXCH01|jsmith@example.com|NULL|1",
                                            "mlee|contacts|EXCH01|mlee@example.com|NULL|1"});

  Plan again = plan_for(*store, desired_from(spec_text()));
  CHECK(again.observed.failed_types.empty());
  CHECK(pending(again, *store) == kNone);
  // A second apply of the first plan: every Create is an upsert to the same values.
  std::vector<std::string> ids = rows(path, "SELECT id FROM sync_target ORDER BY name", 1);
  CHECK(apply_changes(*store, plan) == std::vector<std::string>(7, ""));
  CHECK(rows(path, "SELECT id FROM sync_target ORDER BY name", 1) == ids);
  CHECK(rows(path, "SELECT count(*) FROM sync_folder_link", 1) == std::vector<std::string>{"3"});
}

TEST_CASE("an update writes only the changed columns", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  auto store = writable(path);
  REQUIRE(apply_changes(*store, plan_for(*store, desired_from(spec_text()))) ==
          std::vector<std::string>(7, ""));
  std::string changed = spec_text();
  changed.replace(changed.find("keepItemsOlderThanDays: 30"), 26, "keepItemsOlderThanDays: 60");
  changed.replace(changed.find("periodMinutes: 60"), 17, "periodMinutes: 90");
  Plan plan = plan_for(*store, desired_from(changed));
  CHECK(pending(plan, *store) == std::vector<std::string>{"update nexj.target/EXCH01",
                                                          "update nexj.global_options/exchange"});
  // Someone edits other columns after the plan was made: the update must not undo that.
  sql(path,
      "UPDATE sync_target SET host = 'edited', sender = 'S2' WHERE name = 'EXCH01';"
      "UPDATE sync_global_options SET realtime_sync = 'paused';"
      "INSERT INTO sync_email_blacklist VALUES (2, 'kept')");
  CHECK(apply_changes(*store, plan) == std::vector<std::string>{"", ""});
  CHECK(rows(path,
             "SELECT host, sender, keep_items_older_than_days FROM sync_target "
             "WHERE name = 'EXCH01'",
             3) == std::vector<std::string>{"edited|S2|60"});
  CHECK(rows(path,
             "SELECT batch_sync_setup_period_minutes, realtime_sync FROM "
             "sync_global_options",
             2) == std::vector<std::string>{"90|paused"});
  CHECK(rows(path, "SELECT count(*) FROM sync_email_blacklist", 1) ==
        std::vector<std::string>{"3"});
}

TEST_CASE("targets left out are disabled, links only with prune", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  auto store = writable(path);
  REQUIRE(apply_changes(*store, plan_for(*store, desired_from(spec_text()))) ==
          std::vector<std::string>(7, ""));
  sql(path, "UPDATE sync_folder_link SET folder_id = 'AAMk=' WHERE login = 'mlee'");
  const std::string smaller = spec_text("", "    - {login: jsmith, email: jsmith@example.com}\n");

  Plan keep = plan_for(*store, desired_from(smaller));
  CHECK(pending(keep, *store) == std::vector<std::string>{"disable nexj.target/EXCH02"});
  Plan prune = plan_for(*store, desired_from(smaller), PlanOptions{true});
  CHECK(pending(prune, *store) ==
        std::vector<std::string>{"disable nexj.target/EXCH02",
                                 "disable nexj.folder_link/mlee/contacts"});
  CHECK(apply_changes(*store, prune) == std::vector<std::string>{"", ""});
  CHECK(rows(path, "SELECT name, enabled FROM sync_target ORDER BY name", 2) ==
        std::vector<std::string>{"EXCH01|1", "EXCH02|0"});
  CHECK(rows(path, "SELECT login, folder_id, enabled FROM sync_folder_link WHERE login = 'mlee'",
             3) == std::vector<std::string>{"mlee|AAMk=|0"});
  CHECK(pending(plan_for(*store, desired_from(smaller), PlanOptions{true}), *store) == kNone);
  // Disabling what is already gone succeeds: nothing is left to switch off.
  sql(path, "DELETE FROM sync_folder_link WHERE login = 'mlee'");
  CHECK(apply_changes(*store, prune) == std::vector<std::string>{"", ""});
}

TEST_CASE("logins match without case, a new address clears the folder id", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  auto store = writable(path);
  const std::string upper = spec_text("", "    - {login: JSmith, email: jsmith@example.com}\n");
  REQUIRE(apply_changes(*store, plan_for(*store, desired_from(upper))) ==
          std::vector<std::string>(5, ""));
  sql(path, "UPDATE sync_folder_link SET folder_id = 'AAMk='");
  const std::string lower = spec_text("", "    - {login: jsmith, email: js@example.com}\n");
  Plan plan = plan_for(*store, desired_from(lower));
  CHECK(pending(plan, *store) == std::vector<std::string>{"update nexj.folder_link/jsmith/calendar",
                                                          "update nexj.folder_link/jsmith/tasks"});
  CHECK(apply_changes(*store, plan) == std::vector<std::string>{"", ""});
  CHECK(rows(path, "SELECT login, folder, email, folder_id FROM sync_folder_link", 4) ==
        std::vector<std::string>{"JSmith|calendar|js@example.com|NULL",
                                 "JSmith|tasks|js@example.com|NULL"});
  ObservedState observed;
  store->observe({}, observed);
  CHECK(observed.resources.back().name == "JSmith/tasks");  // exactly as stored
  CHECK(pending(plan_for(*store, desired_from(lower)), *store) == kNone);
}

namespace {

Resource resource(const ResourceType& type, std::string name, std::vector<Value> values) {
  Resource r;
  r.type = &type;
  r.name = std::move(name);
  r.values = std::move(values);
  r.values.resize(type.fields.size());
  return r;
}

Resource target(std::string name, Value host = std::string("exch01.example.local")) {
  return resource(
      types::kTarget, std::move(name),
      {host, std::string("https://crm/anon"), std::string("Exchange2016"), std::string("push"),
       false, false, Unset{}, std::string("Sender"), std::string("Receiver"), true});
}

Resource link(std::string login, std::string folder, std::string target_name, std::string email) {
  return resource(types::kFolderLink, login + "/" + folder,
                  {std::move(target_name), std::move(email), true});
}

}  // namespace

TEST_CASE("hostile strings round-trip exactly", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  auto store = writable(path);
  const std::string drop = "'); DROP TABLE sync_target;--";
  const std::string odd = "O'Brien \"%_\\ Ünïcødé 名前 100%_x";
  DesiredState d;
  d.resources.push_back(target(drop, odd));
  d.resources.push_back(
      resource(types::kGlobalOptions, "exchange",
               {Unset{}, odd, Unset{}, Unset{}, Unset{}, Unset{}, Unset{}, Unset{}, Unset{},
                Unset{}, Unset{}, Unset{}, StringList{drop, odd, "%", "_", ""}}));
  d.resources.push_back(resource(types::kUserOptions, "user:" + drop, {true}));
  d.resources.push_back(link(odd, "calendar", drop, drop + "@x"));
  d.resources.push_back(link("%", "tasks", drop, "_@x"));
  Plan plan = plan_for(*store, d);
  CHECK(apply_changes(*store, plan) == std::vector<std::string>(5, ""));
  CHECK(rows(path, "SELECT name, host FROM sync_target", 2) ==
        std::vector<std::string>{drop + "|" + odd});
  CHECK(rows(path, "SELECT login FROM sync_folder_link ORDER BY login", 1) ==
        std::vector<std::string>{"%", odd});

  ObservedState observed;
  store->observe(d, observed);
  observed.index();
  REQUIRE(observed.resources.size() == 5);
  for (const Resource& want : d.resources) {
    const ObservedResource* got = nullptr;
    CHECK(observed.presence_of(*want.type, want.address(), &got, nullptr) == Presence::Present);
    REQUIRE(got);
    CHECK(got->name == want.name);
    for (size_t i = 0; i < want.values.size(); ++i)
      if (!is_unset(want.values[i])) CHECK(got->values[i] == want.values[i]);
  }
  CHECK(pending(plan_for(*store, d), *store) == kNone);
}

TEST_CASE("a failing action fails alone, the others commit", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  auto store = writable(path);
  DesiredState d;
  d.resources.push_back(target("EXCH01"));
  d.resources.push_back(link("a", "calendar", "EXCH01", "a@x"));
  d.resources.push_back(link("b", "calendar", "NOPE", "b@x"));
  d.resources.push_back(link("c", "calendar", "EXCH01", "c@x"));
  d.resources.push_back(resource(types::kUserOptions, "bogus-scope", {true}));
  Plan plan = plan_for(*store, d);
  std::vector<std::string> results = apply_changes(*store, plan);
  const std::string where = "configuration store " + path;
  // Plan order: target, user options, then the links by address.
  CHECK(results == std::vector<std::string>{
                       "",
                       where + ", table sync_user_options: a statement failed: CHECK constraint "
                               "failed: scope = 'system' OR scope GLOB 'userType:?*' OR scope "
                               "GLOB 'user:?*'",
                       "", where + ", table sync_folder_link: target \"NOPE\" does not exist", ""});
  CHECK(rows(path, "SELECT login FROM sync_folder_link", 1) == std::vector<std::string>{"a", "c"});

  // An update of an object deleted since the plan fails; its neighbours still commit.
  sql(path, "UPDATE sync_folder_link SET email = 'old@x'");
  Plan update = plan_for(*store, d);
  sql(path, "DELETE FROM sync_folder_link WHERE login = 'a'");
  results = apply_changes(*store, update);
  CHECK(results[1] == where +
                          ", table sync_folder_link: nexj.folder_link/a/calendar does not "
                          "exist any more");
  CHECK(rows(path, "SELECT login, email FROM sync_folder_link", 2) ==
        std::vector<std::string>{"c|c@x"});
}

TEST_CASE("apply is one transaction with checkpoints, a failed commit changes nothing",
          "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  std::vector<std::string> reached;
  std::unique_ptr<SqlDatabase> reader;  // when set at "before commit", it blocks the commit
  bool block_commit = false;
  auto store = writable(path, Checkpoints{[&](std::string_view where) {
                          reached.emplace_back(where);
                          if (where != "configuration store: before commit") return;
                          if (!block_commit) {  // not visible to others before the commit
                            CHECK(rows(path, "SELECT count(*) FROM sync_folder_link", 1)[0] == "0");
                            return;
                          }
                          reader = std::move(open_sqlite(path, SqlOpenMode::ReadOnly).value());
                          REQUIRE(reader->exec("BEGIN; SELECT count(*) FROM sync_target").ok());
                        }});
  DesiredState d;
  d.resources.push_back(target("EXCH01"));
  for (int i = 0; i < 10000; ++i)
    d.resources.push_back(link("u" + std::to_string(i), "calendar", "EXCH01", "u@x"));
  Plan plan = plan_for(*store, d);
  CHECK(apply_changes(*store, plan) == std::vector<std::string>(10001, ""));
  CHECK(reached == std::vector<std::string>{"configuration store: in transaction",
                                            "configuration store: before commit",
                                            "configuration store: committed"});
  CHECK(rows(path, "SELECT count(*) FROM sync_folder_link", 1)[0] == "10000");

  // A reader holds its lock through our commit (which waits the 5 s busy timeout, then fails).
  block_commit = true;
  d.resources.resize(2);
  d.resources[0].values[1] = std::string("https://changed/anon");
  d.resources[1].values[1] = std::string("new@x");
  std::vector<std::string> results = apply_changes(*store, plan_for(*store, d));
  REQUIRE(results.size() == 2);
  CHECK(results[0].starts_with("configuration store " + path + ": cannot commit: "));
  CHECK(results[1] == results[0]);
  reader.reset();
  CHECK(rows(path, "SELECT nexj_url FROM sync_target", 1)[0] == "https://crm/anon");
  CHECK(rows(path, "SELECT email FROM sync_folder_link WHERE login = 'u0'", 1)[0] == "u@x");
  CHECK(!std::filesystem::exists(path + "-journal"));
}

TEST_CASE("prospects are staged all or nothing and listed", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  auto store = writable(path);
  DesiredState d;
  d.resources.push_back(target("EXCH01"));
  REQUIRE(apply_changes(*store, plan_for(*store, d)) == std::vector<std::string>{""});
  const std::string id = rows(path, "SELECT id FROM sync_target", 1)[0];
  const std::string e1(32, 'a'), e2 = "0123456789abcdef0123456789abcdef";
  std::vector<ProspectInput> bad = {{"EXCH01", e1, true}, {"NOPE", e2, true}};
  CHECK(store->stage_prospects(bad).errors()[0].message ==
        "configuration store " + path + ": prospect 2: target \"NOPE\" does not exist");
  bad = {{"EXCH01", "ABC", true}};
  CHECK(store->stage_prospects(bad).errors()[0].message ==
        "configuration store " + path +
            ": prospect 1: entity id \"ABC\" is not 32 lowercase hex digits");
  CHECK(store->list_prospects().value().empty());

  std::vector<ProspectInput> good = {{"EXCH01", e1, true}, {"EXCH01", e2, false}};
  REQUIRE(store->stage_prospects(good).ok());
  auto listed = store->list_prospects();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  const Prospect& p = (*listed)[1];
  CHECK(p.target_id == id);
  CHECK(p.target == "EXCH01");
  CHECK(p.entity_id == e2);
  CHECK(!p.activate);
  CHECK(p.attempts == 0);
  CHECK(p.created.size() == 24);  // 2025-01-31T12:34:56.789Z
  CHECK(p.created.back() == 'Z');
  CHECK(rows(path, "SELECT target_id, entity_id, activate, attempts FROM NJExchangeProspect", 4) ==
        std::vector<std::string>{id + "|" + e1 + "|1|0", id + "|" + e2 + "|0|0"});
  CHECK(readable(path)->list_prospects().value().size() == 2);
  CHECK(!readable(path)->stage_prospects(good).ok());
}

TEST_CASE("opening for reading never writes", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  {
    auto store = writable(path);
    REQUIRE(apply_changes(*store, plan_for(*store, desired_from(spec_text()))).size() == 7);
  }
  const std::string before = bytes_of(path);
  {
    auto store = readable(path);
    std::string changed = spec_text();
    changed.replace(changed.find("keepItemsOlderThanDays: 30"), 26, "keepItemsOlderThanDays: 60");
    Plan plan = plan_for(*store, desired_from(changed));
    CHECK(pending(plan, *store) == std::vector<std::string>{"update nexj.target/EXCH01"});
    CHECK(
        apply_changes(*store, plan)[0].ends_with("is open for reading only: nothing was changed"));
    CHECK(
        !store->stage_prospects(std::vector<ProspectInput>{{"EXCH01", std::string(32, 'a')}}).ok());
    CHECK(store->list_prospects().ok());
  }
  CHECK(bytes_of(path) == before);
  // No journal or other file left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("a store that cannot be read fails its types, never reads as empty", "[config_store]") {
  TempDir dir;
  const std::string path = dir.file("store.db");
  std::ofstream(path, std::ios::binary) << std::string(4096, '\x5a');
  const std::string garbage = bytes_of(path);
  auto store = readable(path);
  Plan plan = plan_for(*store, desired_from(spec_text()));
  CHECK(plan.observed.failed_types.size() == 4);
  CHECK(plan.observed.failed_types.at("nexj.folder_link") ==
        "configuration store " + path +
            " cannot be read: a statement failed: file is not a database");
  for (const Action& a : plan.actions)
    if (store->manages(*a.type)) CHECK(a.kind == ActionKind::Unknown);
  CHECK(!open_config_store_for_writing(path).ok());
  CHECK(bytes_of(path) == garbage);

  // One table gone: only its type fails.
  TempDir dir2;
  const std::string path2 = dir2.file("store.db");
  {
    auto store2 = writable(path2);
    REQUIRE(apply_changes(*store2, plan_for(*store2, desired_from(spec_text()))).size() == 7);
  }
  sql(path2, "DROP TABLE sync_folder_link");
  ObservedState observed;
  readable(path2)->observe({}, observed);
  CHECK(observed.failed_types ==
        std::map<std::string, std::string, std::less<>>{
            {"nexj.folder_link", "configuration store " + path2 +
                                     ": reading sync_folder_link: cannot prepare a statement: "
                                     "no such table: sync_folder_link"}});
  CHECK(observed.resources.size() == 4);  // 2 targets, global options, user options
}

// Figures, not a test: ./unit_tests "[config_store_bench]" on a Release build.
TEST_CASE("config store: 300,000 folder links", "[.bench][config_store_bench]") {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point since) {
    return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
  };
  static constexpr const char* kFolders[] = {"calendar", "tasks", "contacts"};
  TempDir dir;
  const std::string path = dir.file("store.db");
  auto store = writable(path);
  DesiredState d;
  d.resources.reserve(300001);
  d.resources.push_back(target("EXCH01"));
  for (int u = 0; u < 100000; ++u)
    for (const char* f : kFolders)
      d.resources.push_back(link("user" + std::to_string(100000 + u), f, "EXCH01",
                                 "user" + std::to_string(100000 + u) + "@example.com"));
  Plan plan = plan_for(*store, d);
  std::vector<uint32_t> todo = changes(plan, *store);
  REQUIRE(todo.size() == 300001);
  auto t0 = Clock::now();
  std::vector<ActionResult> results = store->apply(plan, todo, {});
  double apply_ms = ms(t0);
  for (const ActionResult& r : results) REQUIRE(r.ok);

  ObservedState observed;
  t0 = Clock::now();
  store->observe(d, observed);
  double observe_ms = ms(t0);
  REQUIRE(observed.resources.size() == 300001);
  CHECK(pending(make_plan(d, std::move(observed), {}), *store) == kNone);

  // The same rows through the SQL seam alone, into the links table of a fresh store.
  const std::string raw = dir.file("raw.db");
  writable(raw).reset();
  auto db = open_sqlite(raw, SqlOpenMode::ReadWriteCreate);
  REQUIRE(db.ok());
  REQUIRE((*db)->exec("PRAGMA foreign_keys = OFF").ok());
  auto insert = (*db)->prepare(
      "INSERT INTO sync_folder_link (login, folder, target_id, email, enabled) "
      "VALUES (?1, ?2, '0123456789abcdef0123456789abcdef', ?3, 1)");
  REQUIRE(insert.ok());
  t0 = Clock::now();
  REQUIRE((*db)->begin().ok());
  for (size_t i = 1; i < d.resources.size(); ++i) {
    const std::string& name = d.resources[i].name;
    size_t slash = name.find('/');
    (*insert)->bind_text(1, std::string_view(name).substr(0, slash));
    (*insert)->bind_text(2, std::string_view(name).substr(slash + 1));
    (*insert)->bind_text(3, std::get<std::string>(d.resources[i].values[1]));
    REQUIRE((*insert)->step().ok());
    (*insert)->reset();
  }
  REQUIRE((*db)->commit().ok());
  double raw_ms = ms(t0);
  std::cout << "config store, 300,000 links: apply (creates) " << apply_ms << " ms, observe "
            << observe_ms << " ms; plain prepared inserts " << raw_ms << " ms; file "
            << std::filesystem::file_size(path) / 1024 << " KiB\n";
}
