#include "lab/state/directory_yaml.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>

namespace sd::lab {
namespace {

using nlohmann::json;

constexpr size_t kMaxNodes = 100'000;
constexpr size_t kMaxDirectoryDepth = 64;

Location location_of(const std::string& file, const YAML::Mark& mark) {
  if (mark.line < 0) return Location{file};
  return Location{file, static_cast<uint32_t>(mark.line + 1),
                  static_cast<uint32_t>(mark.column + 1)};
}

json plain_scalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  const char* begin = text.data() + (text.front() == '+' ? 1 : 0);
  int64_t number = 0;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), number);
  if (ec == std::errc() && end == text.data() + text.size() && begin != end) return number;
  return text;
}

class Converter {
 public:
  explicit Converter(DirectoryYaml& out) : out_(out) {}

  Status convert(const YAML::Node& node, const std::string& pointer, size_t depth, json& into) {
    if (++nodes_ > kMaxNodes || depth > kMaxDirectoryDepth)
      return make_error("the directory file is too large or nests too deep (more than " +
                            std::to_string(kMaxNodes) + " nodes or " +
                            std::to_string(kMaxDirectoryDepth) + " levels)",
                        Location{out_.file});
    out_.places[pointer].value = location_of(out_.file, node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        into = nullptr;
        return ok_status();
      case YAML::NodeType::Scalar:
        // A quoted scalar has the tag "!", a plain one "?".
        into = node.Tag() == "!" ? json(node.Scalar()) : plain_scalar(node.Scalar());
        return ok_status();
      case YAML::NodeType::Sequence: {
        into = json::array();
        size_t i = 0;
        for (const YAML::Node& item : node) {
          json value;
          if (Status s = convert(item, pointer_join(pointer, i++), depth + 1, value); !s.ok())
            return s;
          into.push_back(std::move(value));
        }
        return ok_status();
      }
      case YAML::NodeType::Map: {
        into = json::object();
        for (const auto& entry : node) {
          const YAML::Node& key = entry.first;
          Location at = location_of(out_.file, key.Mark());
          if (!key.IsScalar()) return make_error("a key must be text", at);
          const std::string& name = key.Scalar();
          if (into.contains(name)) return make_error("the key '" + name + "' is given twice", at);
          std::string child = pointer_join(pointer, name);
          json value;
          if (Status s = convert(entry.second, child, depth + 1, value); !s.ok()) return s;
          out_.places[child].key = at;
          into[name] = std::move(value);
        }
        return ok_status();
      }
    }
    return ok_status();
  }

 private:
  DirectoryYaml& out_;
  size_t nodes_ = 0;
};

}  // namespace

Location DirectoryYaml::locate(std::string_view pointer) const {
  for (std::string_view p = pointer;; p = p.substr(0, p.rfind('/'))) {
    if (auto it = places.find(p); it != places.end() && it->second.value.line > 0)
      return it->second.value;
    if (p.empty()) return Location{file};
  }
}

Location DirectoryYaml::locate_key(std::string_view pointer) const {
  if (auto it = places.find(pointer); it != places.end() && it->second.key.line > 0)
    return it->second.key;
  return locate(pointer);
}

std::string pointer_join(std::string_view pointer, std::string_view token) {
  std::string out(pointer);
  out += '/';
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string pointer_join(std::string_view pointer, size_t index) {
  return std::string(pointer) + "/" + std::to_string(index);
}

Result<DirectoryYaml> read_directory_yaml(const std::string& file, std::string_view text) {
  DirectoryYaml out;
  out.file = file;
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return make_error("YAML syntax: " + e.msg, location_of(file, e.mark));
  }
  if (documents.size() > 1)
    return make_error("the directory file holds more than one YAML document", Location{file});
  if (documents.empty()) return out;  // null root: the reader says what is missing
  try {
    Converter converter(out);
    if (Status s = converter.convert(documents.front(), "", 0, out.root); !s.ok())
      return s.take_errors();
  } catch (const YAML::Exception& e) {
    return make_error("the directory file cannot be read: " + e.msg, location_of(file, e.mark));
  }
  return out;
}

}  // namespace sd::lab
