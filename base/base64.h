// Standard base64 (RFC 4648 §4, with padding): HTTP Basic, WinRS streams, PowerShell's
// -EncodedCommand and the lab's folder ids all use it.
#pragma once

#include <string>
#include <string_view>

namespace sd {

[[nodiscard]] std::string base64_encode(std::string_view bytes);
// Decodes standard base64 (padding optional); false on any other character.
[[nodiscard]] bool base64_decode(std::string_view text, std::string& bytes);

}  // namespace sd
