// Golden files: expected outputs kept beside the inputs. UPDATE_GOLDEN=1 rewrites them from the
// current behaviour (then review the diff before committing: that review is the test).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace sd::test {

struct CliRun {
  int code = 0;
  std::string out, err;
};

// Runs the CLI in-process with `env` as the whole environment and stdout not a terminal.
CliRun run_cli(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {});

// The file's content, or nothing if it does not exist.
std::optional<std::string> read_text(const std::string& path);

// Compares `actual` with the golden file at `path`; with UPDATE_GOLDEN=1 writes it instead.
// Returns an empty string when equal, else a description of the first difference.
std::string check_golden(const std::string& path, const std::string& actual);

// Why `doc` does not match the JSON Schema (draft 7) in `schema_path`; empty when it does.
std::vector<std::string> schema_violations(const std::string& schema_path,
                                           const nlohmann::json& doc);

// The non-empty lines of `text`: a golden case's arguments.
std::vector<std::string> lines_of(const std::string& text);

// A golden case's `env` file (NAME=value lines) as a map; empty when it has none.
std::map<std::string, std::string> case_env(const std::string& dir);

// Files in `folder` whose names end in `suffix`, sorted.
std::vector<std::string> list_files(const std::string& folder, const std::string& suffix);
std::vector<std::string> list_folders(const std::string& folder);

}  // namespace sd::test
