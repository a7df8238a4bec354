#include "spec/document.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <charconv>
#include <cmath>
#include <istream>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "base/text_checks.h"

namespace sd {
namespace {

using nlohmann::json;

// Specs are small configuration files; nesting deeper than this is a mistake or an attack.
constexpr size_t kMaxDepth = 64;

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> options) {
  for (std::string_view o : options)
    if (s == o) return true;
  return false;
}

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
json resolve_plain_scalar(const std::string& s) {
  if (is_one_of(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (is_one_of(s, {"true", "True", "TRUE"})) return true;
  if (is_one_of(s, {"false", "False", "FALSE"})) return false;

  const char* begin = s.data();
  const char* end = s.data() + s.size();
  // Integers: decimal with optional sign, 0o octal, 0x hex.
  {
    std::string_view body = s;
    int base = 10;
    bool negative = false;
    if (body.starts_with("0o")) {
      base = 8, body.remove_prefix(2);
    } else if (body.starts_with("0x")) {
      base = 16, body.remove_prefix(2);
    } else if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
      negative = body[0] == '-';
      body.remove_prefix(1);
    }
    bool digits_only = !body.empty();
    for (char c : body) {
      bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                           : (c >= '0' && c < static_cast<char>('0' + base));
      digits_only = digits_only && ok;
    }
    if (digits_only) {
      uint64_t magnitude = 0;
      auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), magnitude, base);
      if (ec == std::errc() && ptr == body.data() + body.size()) {
        if (!negative) return magnitude;
        if (magnitude <= static_cast<uint64_t>(INT64_MAX) + 1)
          return static_cast<int64_t>(0 - magnitude);
      }
      // Out of range: fall through to a float, which the schema reports as "not an integer".
    }
  }
  if (is_one_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}))
    return std::numeric_limits<double>::infinity();
  if (is_one_of(s, {"-.inf", "-.Inf", "-.INF"})) return -std::numeric_limits<double>::infinity();
  if (is_one_of(s, {".nan", ".NaN", ".NAN"})) return std::numeric_limits<double>::quiet_NaN();
  // Floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  {
    const char* p = begin;
    if (p != end && (*p == '-' || *p == '+')) ++p;
    size_t int_digits = 0, frac_digits = 0;
    while (p != end && std::isdigit(static_cast<unsigned char>(*p))) ++p, ++int_digits;
    bool has_dot = p != end && *p == '.';
    if (has_dot) {
      ++p;
      while (p != end && std::isdigit(static_cast<unsigned char>(*p))) ++p, ++frac_digits;
    }
    bool mantissa_ok = int_digits > 0 || frac_digits > 0;
    bool exponent_ok = true;
    if (mantissa_ok && p != end && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p != end && (*p == '-' || *p == '+')) ++p;
      size_t exp_digits = 0;
      while (p != end && std::isdigit(static_cast<unsigned char>(*p))) ++p, ++exp_digits;
      exponent_ok = exp_digits > 0;
    }
    if (mantissa_ok && exponent_ok && p == end) return std::strtod(s.c_str(), nullptr);
  }
  return s;
}

// Builds JSON values from yaml-cpp's parse events, recording positions as it goes. Events are
// used instead of YAML::Node so that aliases can be refused before they expand (a "billion
// laughs" file would otherwise exhaust memory) and so that quoted scalars stay strings.
class Builder : public YAML::EventHandler {
 public:
  Builder(Document& doc) : doc_(doc) {}

  std::vector<Error> errors;
  bool have_root = false;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { add_value(nullptr, mark); }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    fail(mark, "aliases (*name) are not supported in specs; write the value out");
    add_value(nullptr, mark);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                const std::string& value) override {
    json v;
    if (tag == "?") {
      v = resolve_plain_scalar(value);
    } else if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      v = value;
    } else if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
               tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
      v = resolve_plain_scalar(value);
    } else {
      fail(mark, fmt::format("unsupported YAML tag '{}'", printable(tag)));
      v = value;
    }
    if (v.is_number_float() && !std::isfinite(v.get<double>())) {
      fail(mark, "infinite and NaN numbers are not allowed");
      v = nullptr;
    }
    add_value(std::move(v), mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    open(json::array(), mark);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    open(json::object(), mark);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json value;
    std::string pointer;
    YAML::Mark mark;
    // Inside a mapping: the key waiting for its value.
    std::optional<std::string> key;
    YAML::Mark key_mark;
    bool key_is_scalar = true;
  };

  static uint32_t line(const YAML::Mark& m) { return static_cast<uint32_t>(m.line + 1); }
  static uint32_t column(const YAML::Mark& m) { return static_cast<uint32_t>(m.column + 1); }

  void fail(const YAML::Mark& mark, std::string message) {
    errors.push_back(make_error(std::move(message), Location{doc_.file, line(mark), column(mark)}));
  }

  // The pointer of the next value, and whether it is a mapping key rather than a value.
  std::pair<std::string, bool> next_slot() {
    if (stack_.empty()) return {"", false};
    Frame& top = stack_.back();
    if (top.value.is_array()) return {pointer_append(top.pointer, top.value.size()), false};
    if (!top.key) return {"", true};
    return {pointer_append(top.pointer, *top.key), false};
  }

  void add_value(json v, const YAML::Mark& mark) {
    auto [pointer, is_key] = next_slot();
    if (is_key) {
      Frame& top = stack_.back();
      top.key_mark = mark;
      top.key_is_scalar = true;
      if (v.is_string()) {
        top.key = v.get<std::string>();
      } else if (v.is_null()) {
        fail(mark, "a mapping key is empty");
        top.key = "";
      } else {
        top.key = v.dump();  // `1: x` or `true: x`: keys are names, take the text.
      }
      return;
    }
    place(std::move(v), pointer, mark);
  }

  void open(json container, const YAML::Mark& mark) {
    auto [pointer, is_key] = next_slot();
    if (is_key) {
      fail(mark, "a mapping key must be a plain name, not a list or mapping");
      stack_.back().key = "?";
      stack_.back().key_mark = mark;
      stack_.back().key_is_scalar = false;
      pointer = pointer_append(stack_.back().pointer, "?");
    }
    if (stack_.size() >= kMaxDepth) {
      if (!too_deep_) fail(mark, fmt::format("nesting is deeper than {} levels", kMaxDepth));
      too_deep_ = true;
    }
    stack_.push_back(Frame{std::move(container), pointer, mark, std::nullopt, {}, true});
  }

  void close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    place(std::move(frame.value), frame.pointer, frame.mark);
  }

  // Stores a finished value in its parent (or as the root) and records its position.
  void place(json v, const std::string& pointer, const YAML::Mark& mark) {
    NodePosition pos{line(mark), column(mark), 0, 0};
    if (stack_.empty()) {
      doc_.root = std::move(v);
      have_root = true;
    } else if (Frame& top = stack_.back(); top.value.is_array()) {
      top.value.push_back(std::move(v));
    } else {
      std::string key = std::move(*top.key);
      top.key.reset();
      pos.key_line = line(top.key_mark);
      pos.key_column = column(top.key_mark);
      if (top.value.contains(key)) {
        const NodePosition& first = doc_.positions[pointer];
        fail(top.key_mark, fmt::format("duplicate key '{}' (first defined at line {})",
                                       printable(key), first.key_line));
        return;
      }
      top.value[key] = std::move(v);
    }
    doc_.positions.emplace(pointer, pos);
  }

  Document& doc_;
  std::vector<Frame> stack_;
  bool too_deep_ = false;
};

void append_escaped_token(std::string& out, std::string_view token) {
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string pointer_append(std::string_view pointer, std::string_view token) {
  std::string out(pointer);
  out += '/';
  append_escaped_token(out, token);
  return out;
}

std::string pointer_append(std::string_view pointer, size_t index) {
  std::string out(pointer);
  out += '/';
  out += std::to_string(index);
  return out;
}

std::string human_path(std::string_view pointer) {
  std::string out;
  size_t pos = 0;
  if (pointer.empty()) return "(document root)";
  while (pos < pointer.size()) {
    size_t next = pointer.find('/', pos + 1);
    if (next == std::string_view::npos) next = pointer.size();
    std::string token;
    for (size_t i = pos + 1; i < next; ++i) {
      if (pointer[i] == '~' && i + 1 < next) {
        token += pointer[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        token += pointer[i];
      }
    }
    bool numeric = !token.empty() && token.size() < 10 &&
                   token.find_first_not_of("0123456789") == std::string::npos;
    bool identifier = !token.empty() && token.find_first_not_of(
                                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_-") == std::string::npos;
    if (numeric) {
      out += '[' + token + ']';
    } else if (identifier) {
      if (!out.empty()) out += '.';
      out += token;
    } else {
      out += "[" + sd::quoted(token) + "]";
    }
    pos = next;
  }
  return out;
}

Location Document::locate(std::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    auto it = positions.find(p);
    if (it != positions.end()) return Location{file, it->second.line, it->second.column};
    if (p.empty()) return Location{file, 0, 0};
    p.resize(p.rfind('/'));
  }
}

Location Document::locate_key(std::string_view pointer) const {
  auto it = positions.find(std::string(pointer));
  if (it != positions.end() && it->second.key_line > 0)
    return Location{file, it->second.key_line, it->second.key_column};
  return locate(pointer);
}

Result<Document> parse_yaml(std::string file, std::string_view text) {
  Document doc;
  doc.file = std::move(file);
  if (auto bad = find_invalid_utf8(text)) {
    return make_error(
        fmt::format("invalid UTF-8 (byte 0x{:02X}); specs must be UTF-8 text", bad->byte),
        Location{doc.file, bad->line, bad->column});
  }
  // Anywhere, comments included: such a character makes the file read otherwise than it is
  // (a line that is not a line, text shown in another order) and no field needs one.
  if (auto hidden = find_hidden_character(text)) {
    return make_error(hidden_character_name(hidden->code_point) +
                          " is not allowed in a spec: it changes how the text reads",
                      Location{doc.file, hidden->line, hidden->column});
  }
  std::istringstream in{std::string(text)};
  Builder builder(doc);
  try {
    YAML::Parser parser(in);
    if (parser.HandleNextDocument(builder)) {
      Document scratch;
      Builder rest(scratch);
      if (parser.HandleNextDocument(rest) && rest.have_root)
        builder.errors.push_back(
            make_error("the file holds more than one YAML document; a spec is one document",
                       Location{doc.file, 0, 0}));
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (its parser recurses): the builder has said where our limit was
    // passed, further up.
    if (!builder.errors.empty()) {
      sort_and_dedupe(builder.errors);
      return std::move(builder.errors);
    }
    return make_error(fmt::format("nesting is deeper than {} levels", kMaxDepth),
                      Location{doc.file, static_cast<uint32_t>(e.mark.line + 1),
                               static_cast<uint32_t>(e.mark.column + 1)});
  } catch (const YAML::Exception& e) {
    std::string message = e.msg;
    if (!message.empty()) message[0] = static_cast<char>(std::tolower(message[0]));
    return make_error("YAML syntax: " + message,
                      Location{doc.file, static_cast<uint32_t>(e.mark.line + 1),
                               static_cast<uint32_t>(e.mark.column + 1)});
  }
  if (!builder.errors.empty()) {
    sort_and_dedupe(builder.errors);
    return std::move(builder.errors);
  }
  if (!builder.have_root) doc.root = nullptr;
  return doc;
}

}  // namespace sd
