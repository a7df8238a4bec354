// The compiler's front door: spec file -> validated, typed spec -> desired resources.
// Stages: parse_yaml (document.h) -> check_schema (schema_check.h) -> read_spec (spec_reader.h)
// -> read CSV users (users_csv.h) -> check_semantics (semantic_rules.h)
// -> build_desired_state (desired_state.h) -> make_plan (plan.h).
#pragma once

#include <memory>
#include <string>

#include "base/error.h"
#include "base/source_files.h"
#include "spec/spec.h"
#include "spec/variables.h"

namespace sd {

struct Document;

struct LoadedSpec {
  // Where each node stands in the file (spec/document.h), for errors found after loading.
  std::shared_ptr<const Document> doc;
  Spec spec;
  // "sha256:<hex>" over the spec text, the variables it used with their values, and every CSV
  // file, in order
  std::string digest;
};

// Loads and validates the spec at `path`: every error of every stage that could run, sorted,
// without duplicates. Schema errors stop before the typed stages (their input would be
// ill-formed); CSV and semantic errors are reported together.
// `variables` gives the values of its `${var:NAME}` references (spec/variables.h).
[[nodiscard]] Result<LoadedSpec> load_spec(const std::string& path, const SourceFiles& files,
                                           const GivenVariables& variables = {});

}  // namespace sd
