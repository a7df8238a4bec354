// The HTTP/1.1 response reader of the one HTTPS client (runtime/http/response_reader.h): the
// bytes as the server's TLS stream delivers them, read both ways the client reads: blocking
// (boost::beast::http::read, as HttpsConnection::exchange) and piecewise as bytes become
// available (as send_many). The first byte chooses the request (HEAD or not), the body limit
// and the size of the pieces the stream delivers; the rest is the response, then the close.
// Every input gives a response or a one-line error; nothing crashes, hangs or reads beyond the
// limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "runtime/http/response_reader.h"
#include "tests/runtime/http/response_bytes_support.h"

namespace {

void check(const sd::test::ResponseOutcome& outcome, size_t max_body_bytes) {
  if (const auto* response = std::get_if<sd::http::Response>(&outcome)) {
    if (response->body.size() > max_body_bytes) std::abort();  // the limit held
  } else if (std::get<sd::http::ResponseReader::Failure>(outcome).what.empty()) {
    std::abort();  // every failure says what
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool head = (data[0] & 0x80) != 0;
  const size_t max_body_bytes = (data[0] & 0x40) ? 64 : 64u << 20;
  const size_t piece = 1 + (data[0] & 0x3F) * 7;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  sd::http::ResponseReader blocking(head, max_body_bytes);
  check(sd::test::read_blocking(blocking, bytes, piece), max_body_bytes);
  sd::http::ResponseReader piecewise(head, max_body_bytes);
  check(sd::test::read_piecewise(piecewise, bytes, piece), max_body_bytes);
  return 0;
}
