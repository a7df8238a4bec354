#include "tests/cli/golden_support.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace sd::test {

CliRun run_cli(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env) {
  cli::Environment environment;
  environment.get_env = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  std::ostringstream out, err;
  CliRun run;
  run.code = cli::run(args, out, err, environment);
  run.out = out.str();
  run.err = err.str();
  return run;
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

std::map<std::string, std::string> case_env(const std::string& dir) {
  std::map<std::string, std::string> env;
  for (const std::string& line : lines_of(read_text(dir + "/env").value_or(""))) {
    size_t eq = line.find('=');
    env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

std::string check_golden(const std::string& path, const std::string& actual) {
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return {};
  }
  std::optional<std::string> expected = read_text(path);
  if (!expected) return "missing golden file " + path + " (run with UPDATE_GOLDEN=1)";
  if (*expected == actual) return {};
  size_t i = 0;
  while (i < expected->size() && i < actual.size() && (*expected)[i] == actual[i]) ++i;
  size_t line = 1 + static_cast<size_t>(std::count(expected->begin(), expected->begin() + i, '\n'));
  auto excerpt = [&](const std::string& s) {
    size_t start = s.rfind('\n', i == 0 ? 0 : i - 1);
    start = start == std::string::npos ? 0 : start + 1;
    size_t end = s.find('\n', i);
    return s.substr(start, (end == std::string::npos ? s.size() : end) - start);
  };
  return path + " differs at line " + std::to_string(line) + "\n  expected: " + excerpt(*expected) +
         "\n  actual:   " + excerpt(actual);
}

std::vector<std::string> schema_violations(const std::string& schema_path,
                                           const nlohmann::json& doc) {
  std::optional<std::string> text = read_text(schema_path);
  if (!text) return {"cannot read " + schema_path};
  nlohmann::json schema_doc = nlohmann::json::parse(*text);
  valijson::Schema schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(doc);
  std::vector<std::string> violations;
  if (validator.validate(schema, adapter, &results)) return violations;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string where;
    for (const std::string& part : error.context) where += part;
    violations.push_back(where + ": " + error.description);
  }
  if (violations.empty()) violations.push_back("invalid");
  return violations;
}

std::vector<std::string> list_files(const std::string& folder, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.ends_with(suffix)) out.push_back(folder + "/" + name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> list_folders(const std::string& folder) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_directory()) out.push_back(folder + "/" + entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sd::test
