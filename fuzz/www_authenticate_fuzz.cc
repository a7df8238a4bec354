// What a server offers in its 401 (runtime/http/http_auth.h read_challenges): each line of the
// input is one WWW-Authenticate header's value. Every input gives the challenges or a one-line
// error; nothing crashes, and no token over 64 KB gets through.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/http/http_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sd::http::Response response;
  response.status = 401;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    response.headers.emplace_back("WWW-Authenticate", std::string(text.substr(start, end - start)));
    start = end + 1;
  }
  sd::Result<std::vector<sd::http::Challenge>> challenges = sd::http::read_challenges(response);
  if (!challenges.ok()) {
    if (challenges.errors().front().message.empty()) std::abort();  // every failure says what
    return 0;
  }
  for (const sd::http::Challenge& challenge : *challenges) {
    if (challenge.scheme.empty() || challenge.token.size() > 64 * 1024) std::abort();
  }
  if (sd::http::scheme_list(*challenges).empty()) std::abort();
  return 0;
}
