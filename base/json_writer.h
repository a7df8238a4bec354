// A small streaming JSON writer: the JSON plan for 100,000 users has 300,000 actions, so it is
// written as it goes instead of built as one nlohmann DOM. Output is compact and deterministic.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace sd {

// Appends `text` to `out` as a JSON string literal (quotes included). Escapes quotes,
// backslashes and control characters; ill-formed UTF-8 bytes become U+FFFD, so the output is
// always valid JSON (and valid UTF-8) whatever the input.
void append_json_string(std::string& out, std::string_view text);

class JsonWriter {
 public:
  // Buffers output and writes it to `out` in large blocks.
  explicit JsonWriter(std::ostream& out);
  ~JsonWriter();  // flushes
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Containers. Misuse (a key outside an object, unbalanced ends) is a programming error and
  // is not checked beyond what comma placement needs.
  void begin_object();
  void end_object();
  // With `one_per_line`, each item starts on its own line (a plan's actions: grep- and
  // diff-friendly); the closing bracket does too.
  void begin_array(bool one_per_line = false);
  void end_array();
  // The key of the next member; must be followed by exactly one value or container.
  void key(std::string_view name);

  void string(std::string_view text);
  void number(int64_t n);
  void number(uint64_t n);
  void boolean(bool b);
  void null();
  // A member whose value is a count: "name": n.
  void count(std::string_view name, size_t n) {
    key(name);
    number(static_cast<uint64_t>(n));
  }

  // Writes the buffer to the stream.
  void flush();

 private:
  void before_value();
  void maybe_flush();

  std::ostream& out_;
  std::string buf_;
  struct Open {
    bool has_member = false;  // the next member needs a comma
    bool one_per_line = false;
  };
  std::vector<Open> open_;
  bool after_key_ = false;
};

}  // namespace sd
