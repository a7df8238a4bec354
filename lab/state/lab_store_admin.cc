// LabStore's Exchange admin part: recipients (one row each) and the admin objects (servers,
// databases, scopes, role assignments, throttling policies and associations, AD permissions),
// kept as one JSON document in lab_exchange: they are few, and every change rewrites them
// inside one write transaction.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/sql_transaction.h"
#include "base/text_checks.h"
#include "lab/exchange/exchange_admin_rules.h"
#include "lab/state/lab_store.h"

namespace sd::lab {
namespace {

using nlohmann::json;

constexpr std::string_view kAdminSchema = R"sql(
ALTER TABLE lab_account ADD COLUMN management INTEGER NOT NULL DEFAULT 0;
CREATE TABLE lab_exchange (
  id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  version TEXT NOT NULL,
  domain TEXT NOT NULL,
  objects TEXT NOT NULL
) STRICT;
CREATE TABLE lab_recipient (
  smtp TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  name TEXT NOT NULL,
  alias TEXT NOT NULL UNIQUE COLLATE NOCASE,
  upn TEXT NOT NULL,
  database TEXT NOT NULL,
  member_of TEXT NOT NULL,
  attributes TEXT NOT NULL
) STRICT;
)sql";

// Runs `sql` with text parameters and calls `each` on every row.
template <class F>
Status each_row(SqlDatabase& db, std::string_view sql,
                std::initializer_list<std::string_view> params, F&& each) {
  Result<std::unique_ptr<SqlStatement>> stmt = db.prepare(sql);
  if (!stmt.ok()) return stmt.take_errors();
  int index = 1;
  for (std::string_view p : params) (*stmt)->bind_text(index++, p);
  for (;;) {
    Result<bool> row = (*stmt)->step();
    if (!row.ok()) return row.take_errors();
    if (!*row) return ok_status();
    each(**stmt);
  }
}

json objects_to_json(const AdminObjects& a) {
  json out = json::object();
  json& servers = out["servers"] = json::array();
  for (const LabExchangeServer& s : a.servers)
    servers.push_back({{"name", s.name}, {"dn", s.distinguished_name}, {"cas", s.client_access}});
  json& databases = out["databases"] = json::array();
  for (const LabDatabase& d : a.databases)
    databases.push_back({{"name", d.name}, {"dn", d.distinguished_name}});
  json& scopes = out["scopes"] = json::array();
  for (const LabManagementScope& s : a.scopes)
    scopes.push_back(
        {{"name", s.name}, {"filter", s.recipient_filter}, {"root", s.recipient_root}});
  json& assignments = out["assignments"] = json::array();
  for (const LabRoleAssignment& r : a.assignments)
    assignments.push_back({{"name", r.name},
                           {"role", r.role},
                           {"user", r.user},
                           {"scope", r.custom_recipient_write_scope},
                           {"enabled", r.enabled}});
  json& policies = out["policies"] = json::array();
  for (const LabThrottlingPolicy& p : a.policies)
    policies.push_back({{"name", p.name}, {"scope", p.scope}, {"limits", p.ews_limits}});
  json& associations = out["associations"] = json::array();
  for (const LabThrottlingAssociation& t : a.associations)
    associations.push_back({{"user", t.user}, {"policy", t.policy}});
  json& permissions = out["permissions"] = json::array();
  for (const LabAdPermission& p : a.permissions)
    permissions.push_back(
        {{"identity", p.identity}, {"user", p.user}, {"right", p.extended_right}});
  return out;
}

// Throws nlohmann's exceptions on a document of the wrong shape; the caller catches.
void objects_from_json(const json& in, AdminObjects& a) {
  for (const json& s : in.at("servers"))
    a.servers.push_back({s.at("name"), s.at("dn"), s.at("cas")});
  for (const json& d : in.at("databases")) a.databases.push_back({d.at("name"), d.at("dn")});
  for (const json& s : in.at("scopes"))
    a.scopes.push_back({s.at("name"), s.at("filter"), s.at("root")});
  for (const json& r : in.at("assignments"))
    a.assignments.push_back(
        {r.at("name"), r.at("role"), r.at("user"), r.at("scope"), r.at("enabled").get<bool>()});
  for (const json& p : in.at("policies"))
    a.policies.push_back(
        {p.at("name"), p.at("scope"), p.at("limits").get<std::map<std::string, std::string>>()});
  for (const json& t : in.at("associations"))
    a.associations.push_back({t.at("user"), t.at("policy")});
  for (const json& p : in.at("permissions"))
    a.permissions.push_back({p.at("identity"), p.at("user"), p.at("right")});
}

}  // namespace

Status LabStore::migrate_to_v2() {
  Status created = db_->exec(kAdminSchema);
  if (!created.ok()) return created;
  std::string first_address, hostname;
  std::vector<std::pair<std::string, std::string>> mailboxes;  // smtp, name
  std::vector<std::string> accounts;
  std::vector<Status> steps;
  steps.push_back(each_row(*db_, "SELECT upn FROM lab_account ORDER BY rowid", {},
                           [&](SqlStatement& s) { accounts.push_back(s.column_text(0)); }));
  steps.push_back(each_row(
      *db_, "SELECT smtp, name FROM lab_mailbox ORDER BY rowid", {},
      [&](SqlStatement& s) { mailboxes.emplace_back(s.column_text(0), s.column_text(1)); }));
  steps.push_back(each_row(*db_, "SELECT name FROM lab_hostname ORDER BY position LIMIT 1", {},
                           [&](SqlStatement& s) { hostname = s.column_text(0); }));
  for (Status& s : steps)
    if (!s.ok()) return s;
  first_address = !accounts.empty()    ? accounts[0]
                  : !mailboxes.empty() ? mailboxes[0].first
                                       : "lab@example.local";
  AdminObjects admin;
  admin.domain = to_lower_ascii(first_address.substr(first_address.find('@') + 1));
  std::vector<LabRecipient> none;
  AdminRules rules(admin, none);
  (void)rules.add_server(
      {hostname.empty() ? "exch01" : hostname.substr(0, hostname.find('.')), ""});
  (void)rules.add_database({"DB01", ""});
  Status written = write_admin_objects(admin);
  if (!written.ok()) return written;
  auto add = [&](const std::string& smtp, const std::string& name, bool named) -> Status {
    Result<std::string> alias = unique_alias(smtp.substr(0, smtp.find('@')));
    if (!alias.ok()) return alias.take_errors();
    return insert_recipient(
        make_recipient(named ? name : *alias, *alias, smtp, smtp, "DB01", admin.domain));
  };
  for (const auto& [smtp, name] : mailboxes) {
    if (Status s = add(smtp, name, true); !s.ok()) return s;
  }
  for (const std::string& upn : accounts) {
    Result<bool> known = exists("SELECT 1 FROM lab_recipient WHERE smtp = ?", upn);
    if (!known.ok()) return known.take_errors();
    if (*known) continue;
    if (Status s = add(upn, "", false); !s.ok()) return s;
  }
  return ok_status();
}

Result<std::string> LabStore::unique_alias(const std::string& base) {
  std::string alias = base;
  for (int n = 2;; ++n) {
    Result<bool> taken = exists("SELECT 1 FROM lab_recipient WHERE alias = ?", alias);
    if (!taken.ok()) return taken.take_errors();
    if (!*taken) return alias;
    alias = base + std::to_string(n);
  }
}

Status LabStore::insert_recipient(const LabRecipient& r) {
  return run(
      "INSERT INTO lab_recipient (smtp, name, alias, upn, database, member_of, attributes) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {r.primary_smtp, r.name, r.alias, r.upn, r.database, json(r.member_of).dump(),
       json(r.attributes).dump()});
}

Status LabStore::write_admin_objects(const AdminObjects& admin) {
  return run(
      "INSERT OR REPLACE INTO lab_exchange (id, version, domain, objects) VALUES (1, ?, ?, ?)",
      {version_name(admin.version), admin.domain, objects_to_json(admin).dump()});
}

Status LabStore::write_directory_admin(const LabDirectory& d) {
  Status written = write_admin_objects(d.admin);
  if (!written.ok()) return written;
  Status cleared = run("DELETE FROM lab_recipient", {});
  if (!cleared.ok()) return cleared;
  for (const LabRecipient& r : directory_recipients(d)) {
    Status s = insert_recipient(r);
    if (!s.ok()) return s;
  }
  return ok_status();
}

Result<AdminObjects> LabStore::read_admin_objects() {
  AdminObjects admin;
  std::string objects;
  bool found = false;
  Status read =
      each_row(*db_, "SELECT version, domain, objects FROM lab_exchange", {}, [&](SqlStatement& s) {
        found = true;
        admin.version = parse_version(s.column_text(0)).value_or(admin.version);
        admin.domain = s.column_text(1);
        objects = s.column_text(2);
      });
  if (!read.ok()) return read.take_errors();
  if (!found) return error("the lab state has no Exchange admin objects (lab_exchange is empty)");
  try {
    objects_from_json(json::parse(objects), admin);
  } catch (const std::exception& e) {
    return error(std::string("the lab state's Exchange admin objects are unreadable: ") + e.what());
  }
  return admin;
}

Result<std::vector<LabRecipient>> LabStore::read_recipients(const AdminObjects& admin) {
  std::vector<LabRecipient> out;
  std::string bad;
  Status read = each_row(
      *db_,
      "SELECT smtp, name, alias, upn, database, member_of, attributes FROM lab_recipient "
      "ORDER BY rowid",
      {}, [&](SqlStatement& s) {
        LabRecipient r = make_recipient(s.column_text(1), s.column_text(2), s.column_text(3),
                                        s.column_text(0), s.column_text(4), admin.domain);
        json member_of = json::parse(s.column_text(5), nullptr, false);
        json attributes = json::parse(s.column_text(6), nullptr, false);
        if (!member_of.is_array() || !attributes.is_object()) {
          bad = r.primary_smtp;
          return;
        }
        for (const json& g : member_of)
          if (g.is_string()) r.member_of.push_back(g.get<std::string>());
        for (const auto& [key, value] : attributes.items())
          if (value.is_string()) r.attributes[key] = value.get<std::string>();
        out.push_back(std::move(r));
      });
  if (!read.ok()) return read.take_errors();
  if (!bad.empty()) return error(fmt::format("the lab state's recipient {} is unreadable", bad));
  return out;
}

Status LabStore::load_admin(LabContents& out) {
  Result<AdminObjects> admin = read_admin_objects();
  if (!admin.ok()) return admin.take_errors();
  Result<std::vector<LabRecipient>> recipients = read_recipients(*admin);
  if (!recipients.ok()) return recipients.take_errors();
  out.admin = std::move(*admin);
  out.recipients = std::move(*recipients);
  return ok_status();
}

Status LabStore::update_admin(const AdminChange& change) {
  return in_transaction(*db_, [&]() -> Status {
    Result<AdminObjects> admin = read_admin_objects();
    if (!admin.ok()) return admin.take_errors();
    Result<std::vector<LabRecipient>> recipients = read_recipients(*admin);
    if (!recipients.ok()) return recipients.take_errors();
    Status changed = change(*admin, *recipients);
    if (!changed.ok()) return changed;
    return write_admin_objects(*admin);
  });
}

}  // namespace sd::lab
