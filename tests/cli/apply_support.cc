#include "tests/cli/apply_support.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/sqlite_database.h"
#include "cli/cli.h"
#include "tests/cli/lab_support.h"

namespace sd::test {

const std::map<std::string, std::string> kDemoSecrets = {{"EXCH_ADMIN_PASSWORD", "admin-pw"},
                                                         {"NEXJ_SYNC_PASSWORD", "sync-pw"},
                                                         {"CRM_MAIL_PASSWORD", "mail-pw"}};

const char* const kStore = "state/nexj-config.db";
const char* const kQuickstartEnvironmentFile = "env/quickstart.environment";

Workspace::Workspace(const std::string& spec, const std::vector<std::string>& extra) {
  char pattern[] = "/tmp/sd-apply-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  REQUIRE(made != nullptr);
  dir_ = made;
  namespace fs = std::filesystem;
  fs::path source(spec);
  spec_ = dir_ + "/" + source.filename().string();
  fs::copy_file(source, spec_);
  for (const std::string& file : extra) {
    fs::path to = fs::path(dir_) / file;
    fs::create_directories(to.parent_path());
    fs::copy_file(source.parent_path() / file, to);
  }
}

Workspace::~Workspace() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void Workspace::write(const std::string& relative, std::string_view content) const {
  std::filesystem::path to = std::filesystem::path(dir_) / relative;
  std::filesystem::create_directories(to.parent_path());
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

CliRun Workspace::run(const std::vector<std::string>& args) const {
  return run_cli(args, RunningLab::shared().env_with(kDemoSecrets));
}

CliRun Workspace::run_with_checkpoints(const std::vector<std::string>& args,
                                       std::function<void(std::string_view)> reached) const {
  return run_cli_with_checkpoints(args, RunningLab::shared().env_with(kDemoSecrets),
                                  std::move(reached));
}

namespace {

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

std::vector<std::string> plan_args(const Workspace& w, const std::vector<std::string>& more) {
  return with({"plan", w.spec(), "--only", "nexj"}, more);
}

std::vector<std::string> apply_args(const Workspace& w, const std::vector<std::string>& more) {
  return with({"apply", w.spec(), "--only", "nexj", "--auto-approve"}, more);
}

CliRun run_cli_with_checkpoints(const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env,
                                std::function<void(std::string_view)> reached) {
  cli::Environment environment;
  environment.get_env = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  environment.checkpoints.reached = std::move(reached);
  std::ostringstream out, err;
  CliRun result;
  result.code = cli::run(args, out, err, environment);
  result.out = out.str();
  result.err = err.str();
  return result;
}

namespace {

std::unique_ptr<SqlDatabase> open_existing(const std::string& path) {
  auto db = open_sqlite(path, SqlOpenMode::ReadOnly);
  if (!db.ok()) FAIL(db.errors().front().format());
  return std::move(db).value();
}

std::vector<std::string> rows_of(SqlDatabase& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  if (!stmt.ok()) FAIL(stmt.errors().front().format());
  std::vector<std::string> out;
  while (true) {
    auto row = (*stmt)->step();
    if (!row.ok()) FAIL(row.errors().front().format());
    if (!*row) break;
    out.push_back((*stmt)->column_text(0));
  }
  return out;
}

}  // namespace

void use_csv_users(const Workspace& w, const std::vector<std::string>& logins,
                   const std::string& folders) {
  std::string csv = "login,email\n";
  for (const std::string& login : logins) csv += login + "," + login + "@example.com\n";
  w.write("users.csv", csv);
  std::string spec = *read_text(w.spec());
  size_t users = spec.find("\nusers:");
  REQUIRE(users != std::string::npos);
  spec.resize(users);
  spec +=
      "\nusers:\n  defaults: { target: EXCH01, folders: [" + folders + "] }\n  csv: users.csv\n";
  w.write(std::filesystem::path(w.spec()).filename().string(), spec);
}

std::vector<std::string> query_rows(const std::string& path, const std::string& sql) {
  auto db = open_existing(path);
  return rows_of(*db, sql);
}

std::string dump_store(const std::string& path) {
  auto db = open_existing(path);
  std::ostringstream out;
  for (const std::string& table :
       rows_of(*db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")) {
    std::vector<std::string> columns =
        rows_of(*db, "SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid");
    std::string select = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i)
      select += (i ? " || ' | ' || " : "") + std::string("coalesce(quote(\"") + columns[i] +
                "\"), 'NULL')";
    select += " FROM \"" + table + "\" ORDER BY 1";
    out << table << " (";
    for (size_t i = 0; i < columns.size(); ++i) out << (i ? ", " : "") << columns[i];
    out << ")\n";
    for (const std::string& row : rows_of(*db, select)) out << "  " << row << "\n";
  }
  return out.str();
}

std::string without_ews_summary(const std::string& err) {
  std::string out;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (!line.starts_with("Exchange: asked ")) out += line + "\n";
  return out;
}

void sql_exec(const std::string& path, const std::string& sql) {
  auto db = open_sqlite(path, SqlOpenMode::ReadWriteCreate);
  if (!db.ok()) FAIL(db.errors().front().format());
  Status done = (*db)->exec(sql);
  if (!done.ok()) FAIL(done.errors().front().format());
}

}  // namespace sd::test
