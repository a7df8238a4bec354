#include "compiler/source_files.h"

namespace sd {

std::string resolve_relative(const std::string& spec_path, const std::string& relative) {
  if (relative.empty() || relative[0] == '/') return relative;
  size_t slash = spec_path.rfind('/');
  if (slash == std::string::npos) return relative;
  return spec_path.substr(0, slash + 1) + relative;
}

std::string folder_of(const std::string& spec_path) {
  size_t slash = spec_path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : spec_path.substr(0, slash);
}

}  // namespace sd
