#include "base/error.h"

#include <algorithm>
#include <tuple>

#include "base/text_checks.h"

namespace sd {

std::string Error::format() const {
  // Parts may carry text from files and names; escaping the whole line keeps it one line.
  return escape_controls(format_raw());
}

std::string Error::format_raw() const {
  std::string out;
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) {
      out += ':' + std::to_string(where.line);
      if (where.column > 0) out += ':' + std::to_string(where.column);
    }
    out += ": ";
  } else if (!subject.empty()) {
    // No place in a file: the resource address or path stands where the file would.
    return subject + ": error: " + message;
  }
  out += "error: " + message;
  if (!subject.empty()) out += " (" + subject + ")";
  return out;
}

Error make_error(std::string message, Location where, std::string subject) {
  return Error{std::move(message), std::move(where), std::move(subject)};
}

void sort_and_dedupe(std::vector<Error>& errors) {
  auto key = [](const Error& e) {
    return std::tie(e.where.file, e.where.line, e.where.column, e.message, e.subject);
  };
  std::sort(errors.begin(), errors.end(),
            [&](const Error& a, const Error& b) { return key(a) < key(b); });
  errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
}

std::string format_all(const std::vector<Error>& errors) {
  std::string out;
  for (const Error& e : errors) out += e.format() + '\n';
  return out;
}

}  // namespace sd
