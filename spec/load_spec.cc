#include "spec/load_spec.h"

#include "base/digest.h"
#include "base/text_checks.h"
#include "spec/document.h"
#include "spec/schema_check.h"
#include "spec/semantic_rules.h"
#include "spec/spec_reader.h"
#include "spec/users_csv.h"

namespace sd {
namespace {

constexpr std::string_view kCannotRead = "cannot read file: ";  // SourceFiles' own prefix

// A spec under review must not make CI read files elsewhere (its errors would quote them):
// user lists stay inside the spec's folder.
std::string csv_path_problem(std::string_view path) {
  if (path.empty()) return "the path is empty";
  if (path.front() == '/') return "the path is absolute; name a file inside the spec's folder";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..")
      return "the path leaves the spec's folder ('..'); keep user lists beside the spec";
    start = end + 1;
  }
  return {};
}

}  // namespace

Result<LoadedSpec> load_spec(const std::string& path, const SourceFiles& files,
                             const GivenVariables& variables) {
  Result<std::string> text = files.read(path);
  if (!text.ok()) return text.take_errors();
  Result<Document> doc = parse_yaml(path, *text);
  if (!doc.ok()) return doc.take_errors();
  // Before the schema: it checks what the values make (a URL, a host name).
  VariableValues used;
  if (std::vector<Error> wrong = substitute_variables(*doc, variables, used); !wrong.empty()) {
    sort_and_dedupe(wrong);
    return wrong;
  }

  // A spec that does not match the schema would give the typed stages nonsense: stop here.
  std::vector<Error> errors = check_schema(*doc);
  if (!errors.empty()) return errors;

  LoadedSpec loaded{std::make_shared<const Document>(std::move(doc).value()), {}, {}};
  loaded.spec = read_spec(*loaded.doc);
  loaded.spec.file = path;
  Users& users = loaded.spec.users;

  Sha256 digest;
  digest.add_part(*text);
  for (const auto& [name, value] : used) digest.add_part("var " + name + "=" + value);
  for (size_t i = 0; i < users.csvFiles.size(); ++i) {
    const std::string written = users.csvFiles[i];
    std::string pointer = i < users.csvAt.size() ? users.csvAt[i] : users.at;
    if (std::string problem = csv_path_problem(written); !problem.empty()) {
      errors.push_back(make_error("users CSV " + quoted(written) + ": " + problem,
                                  loaded.doc->locate(pointer), human_path(pointer)));
      continue;
    }
    // Errors then name the CSV by a path the user can open from where they ran the command.
    users.csvFiles[i] = resolve_relative(path, written);
    Result<std::string> csv = files.read_inside(folder_of(path), written);
    if (!csv.ok()) {
      std::string why = csv.errors().front().message;
      if (why.starts_with(kCannotRead)) why.erase(0, kCannotRead.size());
      errors.push_back(make_error("cannot read users CSV " + users.csvFiles[i] + ": " + why,
                                  loaded.doc->locate(pointer), human_path(pointer)));
      continue;
    }
    // The path as written, not as resolved: the digest must not depend on where the command
    // was run from or how the spec's path was typed.
    digest.add_part(written);
    digest.add_part(*csv);
    std::vector<Error> csv_errors =
        parse_users_csv(users.csvFiles[i], *csv, static_cast<uint16_t>(i + 1), users, users.list);
    errors.insert(errors.end(), std::make_move_iterator(csv_errors.begin()),
                  std::make_move_iterator(csv_errors.end()));
  }
  loaded.digest = "sha256:" + digest.hex();

  std::vector<Error> rule_errors = check_semantics(loaded.spec, *loaded.doc);
  errors.insert(errors.end(), std::make_move_iterator(rule_errors.begin()),
                std::make_move_iterator(rule_errors.end()));
  if (!errors.empty()) {
    sort_and_dedupe(errors);
    return errors;
  }
  return loaded;
}

}  // namespace sd
