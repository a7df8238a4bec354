// Bytes read as a response without a socket, in pieces, both ways HttpsConnection reads: through
// boost::beast::http::read() (exchange()) and piece by piece as they become available
// (read_available()). Header-only: the tests and fuzz/http_response_fuzz.cc share it.
#pragma once

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http/read.hpp>
#include <string_view>
#include <variant>

#include "runtime/http/response_reader.h"

namespace sd::test {

using ResponseOutcome = std::variant<http::Response, http::ResponseReader::Failure>;

// A SyncReadStream over `bytes`, `piece` bytes a read at most, then the end of the stream.
class PieceStream {
 public:
  PieceStream(std::string_view bytes, size_t piece) : bytes_(bytes), piece_(piece) {}

  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    if (bytes_.empty()) {
      ec = boost::asio::error::eof;
      return 0;
    }
    ec = {};
    size_t n = boost::asio::buffer_copy(
        buffers, boost::asio::buffer(bytes_.data(), std::min(piece_, bytes_.size())));
    bytes_.remove_prefix(n);
    return n;
  }
  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  std::string_view bytes_;
  size_t piece_;
};

// As exchange() reads.
inline ResponseOutcome read_blocking(http::ResponseReader& reader, std::string_view bytes,
                                     size_t piece) {
  PieceStream stream(bytes, piece);
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec;
  boost::beast::http::read(stream, buffer, reader.parser(), ec);
  return reader.finish(ec, buffer.size() > 0);
}

// As read_available() reads: `piece` bytes arrive at a time, then the close.
inline ResponseOutcome read_piecewise(http::ResponseReader& reader, std::string_view bytes,
                                      size_t piece) {
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec;
  while (!reader.parse_available(buffer, ec)) {
    if (bytes.empty()) {
      ec = boost::asio::error::eof;
      break;
    }
    size_t n = std::min(piece, bytes.size());
    buffer.commit(
        boost::asio::buffer_copy(buffer.prepare(n), boost::asio::buffer(bytes.data(), n)));
    bytes.remove_prefix(n);
  }
  return reader.finish(ec, buffer.size() > 0);
}

}  // namespace sd::test
