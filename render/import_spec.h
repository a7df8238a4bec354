// `syncdeploy import`: a spec written from what the live systems hold, in the project's own
// style, so that a plan of it against the same live state has nothing to do. The connections
// (where Exchange management, the environment file and the store are, how to sign in, which
// secrets) come from the spec import started from; everything else from the live objects.
// Secrets are written as references, never as values. Pure: objects in, text out.
#pragma once

#include <string>
#include <vector>

#include "plan/observed_state.h"
#include "spec/spec.h"

namespace sd {

struct ImportSource {
  const Spec& start;
  // Present objects of the parts imported; the parts not imported are given as the start's own
  // objects (engine/import_session.cc), so that one writer serves both.
  const std::vector<ObservedResource>& live;
  // Said first among what was left out (a part that could not be read, for one).
  std::vector<std::string> notes = {};
};

struct ImportedSpec {
  std::string yaml;
  std::string csv;       // the users, when too many to list in the spec; else empty
  std::string csv_path;  // relative to the spec's folder: "users/<deployment>-users.csv"
  // What the spec language cannot say, one line each; also written in the spec as comments.
  std::vector<std::string> left_out;
  size_t users = 0, links = 0;
};

// More users than this go to a CSV file beside the spec.
inline constexpr size_t kImportInlineUsers = 20;

[[nodiscard]] ImportedSpec write_imported_spec(const ImportSource& source);

}  // namespace sd
