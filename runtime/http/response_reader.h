// The reading of one HTTP/1.1 response from the bytes a connection delivers: Beast's parser with
// the header and body limits, and what the end of reading means (the response, or a one-line
// error). No socket and no TLS: HttpsConnection feeds it what OpenSSL decrypted, and the fuzz
// target (fuzz/http_response_fuzz.cc) feeds it bytes.
#pragma once

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "runtime/http/https_client.h"

namespace sd::http {

// A string body with a size limit checked by the body itself. Beast 1.74's parser loses its own
// body_limit error for a Content-Length response when body bytes follow the header in the same
// read (the eager parse loop clears the error), and then reads any size; so both are set.
struct LimitedBody {
  struct value_type {
    std::string text;
    uint64_t limit = UINT64_MAX;
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    void init(const boost::optional<uint64_t>& length, boost::system::error_code& ec);
    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec);
    void finish(boost::system::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

// Response headers larger than this are an error.
inline constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

// An error_code's message as a clause of ours: "Connection reset by peer" -> "connection ...".
[[nodiscard]] std::string lower_first(std::string text);

// The server went away: a clean or unclean close, or a reset.
[[nodiscard]] bool is_closed(const boost::system::error_code& ec);

class ResponseReader {
 public:
  // `head`: the request was a HEAD, so the response has no body.
  ResponseReader(bool head, size_t max_body_bytes);

  // The parser, limits set, for boost::beast::http::read().
  [[nodiscard]] boost::beast::http::response_parser<LimitedBody>& parser() { return parser_; }

  // Parses what `buffer` holds and consumes what was used. True when reading is over: the
  // response is complete, or `ec` says why it cannot be; false when more bytes are needed.
  [[nodiscard]] bool parse_available(boost::beast::flat_buffer& buffer,
                                     boost::system::error_code& ec);

  struct Failure {
    std::string what;  // "the response is larger than N bytes", "the connection closed ..."
    bool transient = false;
    // The connection closed before any of the response arrived.
    bool closed_unanswered = false;
  };
  // What reading that stopped with `ec` (nothing: the parser is done) gave; `bytes_left` tells
  // whether bytes arrived that the parser did not take. Call once.
  [[nodiscard]] std::variant<Response, Failure> finish(boost::system::error_code ec,
                                                       bool bytes_left);

  // After finish() gave a Response: the server keeps the connection open, and the response
  // was framed by its length (not by the close).
  [[nodiscard]] bool keep_alive() const { return keep_alive_; }

 private:
  boost::beast::http::response_parser<LimitedBody> parser_;
  size_t max_body_bytes_;
  bool keep_alive_ = false;
};

template <class ConstBufferSequence>
size_t LimitedBody::reader::put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
  size_t size = boost::asio::buffer_size(buffers);
  if (body_.text.size() + size > body_.limit) {
    ec = boost::beast::http::error::body_limit;
    return 0;
  }
  for (boost::asio::const_buffer buffer : boost::beast::buffers_range_ref(buffers))
    body_.text.append(static_cast<const char*>(buffer.data()), buffer.size());
  ec = {};
  return size;
}

}  // namespace sd::http
