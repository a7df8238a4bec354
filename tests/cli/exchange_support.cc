#include "tests/cli/exchange_support.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>

#include "lab/state/lab_state.h"

namespace sd::test {

std::string replaced_once(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

void replace_in_file(const Workspace& w, const std::string& relative, const std::string& from,
                     const std::string& to) {
  std::optional<std::string> text = read_text(w.path(relative));
  REQUIRE(text);
  w.write(relative, replaced_once(std::move(*text), from, to));
}

const char* const kQuickstartServiceAccount = "nexj-sync@example.local";

std::string quickstart_lab_directory(const std::vector<std::string>& mailboxes,
                                     const std::string& account, const std::string& more) {
  std::string out = "hostnames: [exch01.example.local, crm.example.local]\naccounts:\n  - {upn: " +
                    std::string(kQuickstartServiceAccount) + ", password: sync-pw, " + account +
                    "}\nmailboxes:\n";
  for (const std::string& smtp : mailboxes) out += "  - {smtp: " + smtp + "}\n";
  return out + more;
}

std::string fresh_lab_directory(const std::vector<std::string>& mailboxes, const std::string& more,
                                const std::string& accounts) {
  std::string out =
      "hostnames: [exch01.example.local, crm.example.local]\n"
      "accounts:\n"
      "  - {upn: deploy-admin@example.local, password: admin-pw, management: true}\n" +
      accounts + "mailboxes:\n";
  for (const std::string& smtp : mailboxes) out += "  - {smtp: " + smtp + "}\n";
  return out + more;
}

std::string fresh_quickstart_directory(const std::string& more) {
  return fresh_lab_directory({"jsmith@example.com", "mlee@example.com", "akumar@example.com"},
                             more);
}

std::vector<std::string> numbered_users(size_t count) {
  std::vector<std::string> out;
  char login[16];
  for (size_t i = 1; i <= count; ++i) {
    std::snprintf(login, sizeof login, "u%04zu", i);
    out.push_back(login);
  }
  return out;
}

std::vector<std::string> emails_of(const std::vector<std::string>& logins) {
  std::vector<std::string> out;
  for (const std::string& login : logins) out.push_back(login + "@example.com");
  return out;
}

CliRun run_in_lab(RunningLab& lab, const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& more_env) {
  std::map<std::string, std::string> env = lab.env_with(kDemoSecrets);
  for (const auto& [name, value] : more_env) env[name] = value;
  return run_cli(args, env);
}

nlohmann::json parse_plan(const CliRun& r) {
  INFO(r.err);
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

std::map<std::string, nlohmann::json> folder_links(const nlohmann::json& plan) {
  std::map<std::string, nlohmann::json> out;
  for (const nlohmann::json& a : plan["actions"])
    if (a["type"] == "nexj.folder_link") out[a["address"].get<std::string>()] = a;
  return out;
}

std::string field_after(const nlohmann::json& action, const std::string& field) {
  for (const nlohmann::json& c : action["changes"])
    if (c["field"] == field) return c["after"].get<std::string>();
  return "";
}

std::string unknown_reason(const std::string& smtp, const std::string& why) {
  return "could not be read: the mailbox " + smtp + " could not be checked: " + why;
}

std::string lab_folder_id(RunningLab& lab, const std::string& smtp, const std::string& folder) {
  std::optional<sd::lab::LabFolder> found = lab.server().state().distinguished_folder(smtp, folder);
  if (!found) FAIL("the lab has no " << folder << " folder for " << smtp);
  return found->id;
}

std::vector<std::string> stored_links(const std::string& store) {
  return query_rows(store,
                    "SELECT login || '/' || folder || ' ' || email || ' ' || "
                    "coalesce(folder_id, 'NULL') FROM sync_folder_link ORDER BY login, folder");
}

std::string stored_link(RunningLab& lab, const std::string& login, const std::string& folder) {
  const std::string smtp = login + "@example.com";
  return login + "/" + folder + " " + smtp + " " + lab_folder_id(lab, smtp, folder);
}

std::string ews_summary(const std::string& err) {
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("Exchange: asked ")) return line;
  return "";
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace sd::test
