#include "base/json_writer.h"

#include <charconv>

#include "base/text_checks.h"

namespace sd {
namespace {

constexpr size_t kFlushAt = 1 << 16;
constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    // Copy the run of bytes that need nothing, in one append.
    size_t run = i;
    while (run < n) {
      unsigned char c = static_cast<unsigned char>(text[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out.append(text.data() + i, run - i);
    i = run;
    if (i == n) break;
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      uint32_t code_point = 0;
      size_t len = decode_utf8(text, i, code_point);
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.data() + i, len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    ++i;
  }
  out += '"';
}

JsonWriter::JsonWriter(std::ostream& out) : out_(out) {
  buf_.reserve(kFlushAt + 4096);
}

JsonWriter::~JsonWriter() {
  flush();
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!open_.empty()) {
    Open& top = open_.back();
    if (top.has_member) buf_ += ',';
    if (top.one_per_line) buf_ += '\n';
    top.has_member = true;
  }
}

void JsonWriter::maybe_flush() {
  if (buf_.size() >= kFlushAt) flush();
}

void JsonWriter::begin_object() {
  before_value();
  buf_ += '{';
  open_.push_back({});
}

void JsonWriter::end_object() {
  buf_ += '}';
  if (!open_.empty()) open_.pop_back();
  maybe_flush();
}

void JsonWriter::begin_array(bool one_per_line) {
  before_value();
  buf_ += '[';
  open_.push_back({false, one_per_line});
}

void JsonWriter::end_array() {
  if (!open_.empty()) {
    if (open_.back().one_per_line && open_.back().has_member) buf_ += '\n';
    open_.pop_back();
  }
  buf_ += ']';
  maybe_flush();
}

void JsonWriter::key(std::string_view name) {
  before_value();
  append_json_string(buf_, name);
  buf_ += ':';
  after_key_ = true;
}

void JsonWriter::string(std::string_view text) {
  before_value();
  append_json_string(buf_, text);
  maybe_flush();
}

void JsonWriter::number(int64_t n) {
  before_value();
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  buf_.append(digits, end);
}

void JsonWriter::number(uint64_t n) {
  before_value();
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  buf_.append(digits, end);
}

void JsonWriter::boolean(bool b) {
  before_value();
  buf_ += b ? "true" : "false";
}

void JsonWriter::null() {
  before_value();
  buf_ += "null";
}

void JsonWriter::flush() {
  if (buf_.empty()) return;
  out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  buf_.clear();
}

}  // namespace sd
