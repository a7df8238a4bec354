#include "base/source_files.h"

namespace sd {

Result<std::string> SourceFiles::read_inside(const std::string& folder,
                                             const std::string& relative) const {
  return read(join_path(folder, relative));
}

std::string join_path(const std::string& folder, const std::string& relative) {
  if (folder == ".") return relative;
  return folder + (folder.ends_with('/') ? "" : "/") + relative;
}

std::string resolve_relative(const std::string& spec_path, const std::string& relative) {
  if (relative.empty() || relative[0] == '/') return relative;
  return join_path(folder_of(spec_path), relative);
}

std::string folder_of(const std::string& spec_path) {
  size_t slash = spec_path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : spec_path.substr(0, slash);
}

}  // namespace sd
