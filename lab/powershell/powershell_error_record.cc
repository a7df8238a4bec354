#include "lab/powershell/powershell_error_record.h"

#include <algorithm>
#include <cstdio>

namespace sd::lab {
namespace {

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

size_t code_points(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

size_t line_start(std::string_view source, size_t offset) {
  size_t start = offset;
  while (start > 0 && source[start - 1] != '\n' && source[start - 1] != '\r') --start;
  return start;
}

size_t line_end(std::string_view source, size_t offset) {
  size_t end = offset;
  while (end < source.size() && source[end] != '\n' && source[end] != '\r') ++end;
  return end;
}

// XML text the way PowerShell's serializer writes a string: &, <, > as entities; control
// characters (C0, DEL, C1) as _xHHHH_; an underscore that would read as such an escape
// ("_x") as _x005F_.
std::string clixml_escape(std::string_view text) {
  std::string out;
  auto hex_escape = [&out](unsigned code) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "_x%04X_", code);
    out += buffer;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '_' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      out += "_x005F_";
    } else if (u < 0x20 || u == 0x7F) {
      hex_escape(u);
    } else if (u == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      hex_escape(static_cast<unsigned char>(text[++i]));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

PsErrorRecord make_parser_error(std::string message, std::string error_id, PsExtent extent) {
  PsErrorRecord record;
  record.message = std::move(message);
  record.error_id = std::move(error_id);
  record.extent = extent;
  record.category = "ParserError: (:) [], ParentContainsErrorRecordException";
  record.parser_error = true;
  return record;
}

PsErrorRecord make_command_error(std::string command, std::string message, PsExtent extent,
                                 std::string_view category, std::string_view exception,
                                 std::string error_id, std::string_view target) {
  PsErrorRecord record;
  record.category = std::string(category) + ": (" + std::string(target) + ") [" + command + "], " +
                    std::string(exception);
  record.command = std::move(command);
  record.message = std::move(message);
  record.extent = extent;
  record.error_id = std::move(error_id);
  return record;
}

PsPosition ps_position(std::string_view source, size_t offset) {
  offset = std::min(offset, source.size());
  PsPosition position;
  for (size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n' ||
        (source[i] == '\r' && (i + 1 >= source.size() || source[i + 1] != '\n'))) {
      ++position.line;
    }
  }
  size_t start = line_start(source, offset);
  position.column = code_points(source.substr(start, offset - start)) + 1;
  return position;
}

std::vector<std::string> error_record_lines(const PsErrorRecord& record, std::string_view source) {
  std::vector<std::string> lines;
  if (!record.parser_error) {
    lines.push_back(record.command.empty() ? record.message
                                           : record.command + " : " + record.message);
  }
  size_t begin = std::min(record.extent.begin, source.size());
  PsPosition at = ps_position(source, begin);
  lines.push_back("At line:" + std::to_string(at.line) + " char:" + std::to_string(at.column));
  size_t start = line_start(source, begin);
  size_t stop = line_end(source, begin);
  lines.push_back("+ " + std::string(source.substr(start, stop - start)));
  size_t underline_end = std::clamp(record.extent.end, begin, stop);
  size_t width = std::max<size_t>(1, code_points(source.substr(begin, underline_end - begin)));
  lines.push_back("+ " + std::string(at.column - 1, ' ') + std::string(width, '~'));
  if (record.parser_error) lines.push_back(record.message);
  lines.push_back("    + CategoryInfo          : " + record.category);
  lines.push_back("    + FullyQualifiedErrorId : " + record.error_id);
  return lines;
}

std::string clixml_streams(const std::vector<PsStreamLine>& lines) {
  std::string out =
      "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
      "xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">";
  for (const PsStreamLine& line : lines) {
    out += "<S S=\"" + std::string(line.stream) + "\">" + clixml_escape(line.text) +
           "_x000D__x000A_</S>";
  }
  out += "</Objs>";
  return out;
}

std::string clixml_error_stream(const std::vector<std::string>& lines) {
  std::vector<PsStreamLine> errors;
  for (const std::string& line : lines) errors.push_back({"Error", line});
  return clixml_streams(errors);
}

}  // namespace sd::lab
