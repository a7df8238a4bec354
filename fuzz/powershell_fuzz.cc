// The lab's PowerShell (lab/powershell/powershell_parser.h): scripts as the lab's powershell.exe
// reads them from WinRS, lexed and parsed whole before anything runs. Any text gives a syntax
// tree or a ParserError, printed as powershell.exe prints it (error_record_lines, and the CLIXML
// stream); nothing crashes, hangs or grows without bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lab/powershell/powershell_error_record.h"
#include "lab/powershell/powershell_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  sd::lab::PsParsed parsed = sd::lab::parse_powershell(source);
  if (parsed.error) {
    std::vector<std::string> lines = sd::lab::error_record_lines(*parsed.error, source);
    (void)sd::lab::clixml_error_stream(lines);
  }
  return 0;
}
