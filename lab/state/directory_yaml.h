// The lab's directory file (YAML) as JSON values, with the place of every node for errors. The
// lab's own reader, on yaml-cpp's node API: the tool reads specs with spec/document.h, and a
// test oracle that shared that reader could not catch a fault in it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/error.h"

namespace sd::lab {

struct DirectoryYaml {
  std::string file;
  nlohmann::json root;
  struct Place {
    Location value, key;  // key: for mapping entries; line 0 otherwise
  };
  std::map<std::string, Place, std::less<>> places;  // JSON pointer -> where it stands

  // Where the node at `pointer` (or its nearest ancestor with a place) stands in the file.
  [[nodiscard]] Location locate(std::string_view pointer) const;
  // Where the key of the mapping entry at `pointer` stands (else locate()).
  [[nodiscard]] Location locate_key(std::string_view pointer) const;
};

// Plain scalars: null, ~ and nothing are null; true and false booleans; decimal integers
// numbers; the rest, and every quoted scalar, text. Refused with file:line:col: syntax errors,
// keys that are not text, a key given twice, more than one document. A file that would expand
// past 100,000 nodes or nest deeper than 64 (aliases) is refused as a whole.
[[nodiscard]] Result<DirectoryYaml> read_directory_yaml(const std::string& file,
                                                        std::string_view text);

// `pointer` with one more token (RFC 6901 escaping) or index.
[[nodiscard]] std::string pointer_join(std::string_view pointer, std::string_view token);
[[nodiscard]] std::string pointer_join(std::string_view pointer, size_t index);

}  // namespace sd::lab
