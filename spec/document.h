// A YAML file loaded as JSON values, with the source location of every node, so that schema
// and semantic errors can point at file:line:col.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/error.h"

namespace sd {

// Positions of one node: its value, and its key when it is a mapping entry.
struct NodePosition {
  uint32_t line = 0, column = 0;          // of the value
  uint32_t key_line = 0, key_column = 0;  // of the key; 0 for list items and the root
};

struct Document {
  std::string file;
  nlohmann::json root;
  // JSON pointer (RFC 6901, "" for the root) -> where that node stands in the file.
  std::unordered_map<std::string, NodePosition> positions;

  // Location of the node at `pointer`, or of its nearest ancestor that has one.
  [[nodiscard]] Location locate(std::string_view pointer) const;
  // Location of the key of the mapping entry at `pointer` (falls back to locate()).
  [[nodiscard]] Location locate_key(std::string_view pointer) const;
};

// Parses YAML text. Plain scalars follow the YAML 1.2 core schema (null, true/false, integers,
// floats); quoted scalars are always strings. Rejects, with file:line:col: syntax errors,
// invalid UTF-8, duplicate keys, non-string keys, anchors/aliases and more than one document.
[[nodiscard]] Result<Document> parse_yaml(std::string file, std::string_view text);

// JSON pointer helpers. `exchange.servers[0].name` is the human form used in messages.
[[nodiscard]] std::string pointer_append(std::string_view pointer, std::string_view token);
[[nodiscard]] std::string pointer_append(std::string_view pointer, size_t index);
[[nodiscard]] std::string human_path(std::string_view pointer);

}  // namespace sd
