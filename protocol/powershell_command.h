// How a PowerShell script travels on a command line: `powershell -EncodedCommand <base64 of the
// script in UTF-16LE>` (what pywinrm's run_ps sends), so that no quoting of cmd.exe or of
// PowerShell's own command-line parser is involved.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace sd {

// UTF-8 -> UTF-16LE bytes. Invalid UTF-8 sequences become U+FFFD.
[[nodiscard]] std::string utf16le_from_utf8(std::string_view utf8);
// UTF-16LE bytes -> UTF-8. Errors: an odd byte count, an unpaired surrogate (with its offset).
[[nodiscard]] Result<std::string> utf8_from_utf16le(std::string_view utf16le);

// base64(UTF-16LE(script)).
[[nodiscard]] std::string encode_powershell_command(std::string_view script);
// The script from an -EncodedCommand argument. Errors: not base64, not UTF-16LE.
[[nodiscard]] Result<std::string> decode_powershell_command(std::string_view encoded);

}  // namespace sd
