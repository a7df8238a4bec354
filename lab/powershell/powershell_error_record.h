// What the lab's PowerShell says when something fails: an ErrorRecord as powershell.exe prints
// it (`Cmd : message`, `At line:N char:M`, the source line underlined with `~`, CategoryInfo,
// FullyQualifiedErrorId; a ParserError puts the message after the underline), and the CLIXML
// stderr stream it writes when its output is redirected (docs/powershell-subset.md).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sd::lab {

// A stretch of the script: byte offsets [begin, end).
struct PsExtent {
  size_t begin = 0;
  size_t end = 0;
};

struct PsErrorRecord {
  std::string command;  // the cmdlet that failed ("" for a ParserError)
  std::string message;
  PsExtent extent;
  std::string category;  // e.g. "ParserError: (:) [], ParentContainsErrorRecordException"
  std::string error_id;  // FullyQualifiedErrorId
  bool parser_error = false;
};

[[nodiscard]] PsErrorRecord make_parser_error(std::string message, std::string error_id,
                                              PsExtent extent);
// A runtime error of `command`: CategoryInfo "<category>: (<target>) [<command>], <exception>".
[[nodiscard]] PsErrorRecord make_command_error(std::string command, std::string message,
                                               PsExtent extent, std::string_view category,
                                               std::string_view exception, std::string error_id,
                                               std::string_view target = ":");

// 1-based line and column (in code points) of a byte offset.
struct PsPosition {
  size_t line = 1;
  size_t column = 1;
};
[[nodiscard]] PsPosition ps_position(std::string_view source, size_t offset);

// The lines powershell.exe prints for the record (without line ends).
[[nodiscard]] std::vector<std::string> error_record_lines(const PsErrorRecord& record,
                                                          std::string_view source);

// A line of powershell.exe's stderr and its stream: "Error", or "warning" (a warning's
// message, without the "WARNING: " the console adds).
struct PsStreamLine {
  std::string_view stream;
  std::string text;
};
// `#< CLIXML\r\n<Objs ...>` with one <S S="stream"> per line, each ending in _x000D__x000A_.
[[nodiscard]] std::string clixml_streams(const std::vector<PsStreamLine>& lines);
// The same, every line of the Error stream.
[[nodiscard]] std::string clixml_error_stream(const std::vector<std::string>& lines);

}  // namespace sd::lab
