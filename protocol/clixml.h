// CLIXML, the serialization powershell.exe writes its error stream in when its host is not a
// console (WinRS): read back into text a person can read.
#pragma once

#include <string>
#include <string_view>

namespace sd {

// The readable text of powershell.exe's CLIXML stderr (`#< CLIXML` and <Objs>): the strings of
// the error stream, _xHHHH_ escapes decoded, one line per record line. Text that is not CLIXML
// is returned as it is.
[[nodiscard]] std::string decode_clixml(std::string_view stderr_bytes);

}  // namespace sd
