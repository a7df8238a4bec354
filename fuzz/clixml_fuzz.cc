// CLIXML (protocol/clixml.h): powershell.exe's error stream over WinRS, read back into lines a
// person can read. Any bytes give text (the input itself when it is not CLIXML); nothing
// crashes, hangs or grows without bound: at most 3 bytes out for one in (a byte that is not
// UTF-8 becomes U+FFFD), since the decoder always gives UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/clixml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string text = sd::decode_clixml(bytes);
  // An _xHHHH_ escape (7 bytes) is at most 4 bytes of UTF-8 and the markup goes; a byte that is
  // not UTF-8 becomes U+FFFD (3 bytes).
  if (text.size() > 3 * size + 64) std::abort();
  return 0;
}
