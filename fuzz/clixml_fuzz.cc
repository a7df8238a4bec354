// CLIXML (protocol/clixml.h): powershell.exe's error stream over WinRS, read back into lines a
// person can read. Any bytes give text (the input itself when it is not CLIXML); nothing
// crashes, hangs or grows without bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/clixml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string text = sd::decode_clixml(bytes);
  // Decoding only shortens: an _xHHHH_ escape (7 bytes) is at most 4 bytes of UTF-8, and the
  // markup goes.
  if (text.size() > size + 64) std::abort();
  return 0;
}
