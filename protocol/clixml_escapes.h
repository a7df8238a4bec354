// PowerShell's escaping of text in CLIXML (what <S> and names hold), both ways: _xHHHH_
// (UTF-16 code units) for what XML 1.0 cannot hold and for the '_' of a literal "_x" or "_X",
// as the recorded Windows hosts write them (tests/data/psrp-captures). Unescaping joins an
// escaped surrogate pair into one character; a lone one, like any byte that is not UTF-8,
// becomes U+FFFD: the result is always UTF-8. Shared by powershell.exe's stderr reader
// (clixml.h) and remote PowerShell's values (psrp/clixml_value.h).
#pragma once

#include <string>
#include <string_view>

namespace sd {

[[nodiscard]] std::string escape_clixml_string(std::string_view utf8);
[[nodiscard]] std::string unescape_clixml_string(std::string_view escaped);

}  // namespace sd
