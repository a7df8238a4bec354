// A scratch deployment for apply tests: a spec copied into a temporary folder (its environment
// file and store land there), the CLI run against it, and the live state read back exactly.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tests/cli/golden_support.h"

namespace sd::test {

extern const std::map<std::string, std::string> kDemoSecrets;

// Where apply puts the examples' store, and the quickstart's environment file, in a Workspace.
extern const char* const kStore;
extern const char* const kQuickstartEnvironmentFile;

class Workspace {
 public:
  // Copies `spec` (and `extra` files, relative to the spec's folder) into a new temporary folder.
  explicit Workspace(const std::string& spec, const std::vector<std::string>& extra = {});
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] std::string path(const std::string& relative) const {
    return dir_ + "/" + relative;
  }
  [[nodiscard]] std::string spec() const { return spec_; }
  void write(const std::string& relative, std::string_view content) const;

  // The CLI with the demo secrets; `args` may use the spec's path through spec().
  [[nodiscard]] CliRun run(const std::vector<std::string>& args) const;
  // Same, with a function called at every apply checkpoint (crash tests).
  [[nodiscard]] CliRun run_with_checkpoints(const std::vector<std::string>& args,
                                            std::function<void(std::string_view)> reached) const;

 private:
  std::string dir_;
  std::string spec_;
};

// The arguments of plan and of apply (without asking) of the workspace's spec, NexJ only, with
// `more` after them.
[[nodiscard]] std::vector<std::string> plan_args(const Workspace& w,
                                                 const std::vector<std::string>& more = {});
[[nodiscard]] std::vector<std::string> apply_args(const Workspace& w,
                                                  const std::vector<std::string>& more = {});

// run_cli() with `env` as the whole environment and `reached` called at every apply checkpoint.
[[nodiscard]] CliRun run_cli_with_checkpoints(const std::vector<std::string>& args,
                                              const std::map<std::string, std::string>& env,
                                              std::function<void(std::string_view)> reached);

// Every table of the SQLite file at `path`, sorted, one line per row ("table: a | b | NULL"),
// so that two stores compare as text.
[[nodiscard]] std::string dump_store(const std::string& path);

// Replaces the spec's users with a CSV of `logins` (emails <login>@example.com), written into
// the workspace as users.csv, every user with the folders `folders` (YAML flow list items).
void use_csv_users(const Workspace& w, const std::vector<std::string>& logins,
                   const std::string& folders = "calendar, tasks, contacts");

// The first column of every row `sql` returns from the SQLite file at `path`, as text.
[[nodiscard]] std::vector<std::string> query_rows(const std::string& path, const std::string& sql);

// `err` without the line that says what was asked over EWS ("Exchange: asked 3 mailboxes ..."):
// its timing varies; tests that care about it read it themselves.
[[nodiscard]] std::string without_ews_summary(const std::string& err);

// Runs one SQL statement that returns no rows; fails the test on error.
void sql_exec(const std::string& path, const std::string& sql);

}  // namespace sd::test
