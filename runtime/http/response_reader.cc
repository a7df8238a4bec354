#include "runtime/http/response_reader.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cctype>
#include <iterator>

namespace sd::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

std::string lower_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

namespace {

// OpenSSL 3 reports a peer that closed without close_notify as an SSL error, which Boost 1.74
// does not map to stream_truncated.
bool is_unexpected_eof(const error_code& ec) {
  return ec.category() == net::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
             SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

Response to_response(bhttp::response<LimitedBody>&& message) {
  Response response;
  response.status = static_cast<int>(message.result_int());
  response.headers.reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message)
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  response.body = std::move(message.body().text);
  return response;
}

}  // namespace

void LimitedBody::reader::init(const boost::optional<uint64_t>& length, error_code& ec) {
  if (length && *length > body_.limit) {
    ec = bhttp::error::body_limit;
    return;
  }
  if (length) body_.text.reserve(static_cast<size_t>(*length));
  ec = {};
}

bool is_closed(const error_code& ec) {
  return ec == net::error::eof || ec == net::ssl::error::stream_truncated ||
         ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || is_unexpected_eof(ec);
}

ResponseReader::ResponseReader(bool head, size_t max_body_bytes) : max_body_bytes_(max_body_bytes) {
  // Both limits. Beast 1.74 compares a Content-Length with its limit as an optional, so with
  // no limit (boost::none) every length is "too large"; the error only surfaces when the header
  // arrives alone (in the same read as the body, the eager loop clears it). LimitedBody checks
  // again as the body comes, where Beast loses the error.
  parser_.body_limit(static_cast<uint64_t>(max_body_bytes));
  parser_.get().body().limit = max_body_bytes;
  parser_.header_limit(kMaxHeaderBytes);
  parser_.eager(true);
  if (head) parser_.skip(true);
}

bool ResponseReader::parse_available(boost::beast::flat_buffer& buffer, error_code& ec) {
  while (buffer.size() > 0) {
    size_t used = parser_.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      return false;
    }
    if (ec || parser_.is_done()) return true;
    if (used == 0) return false;
  }
  return false;
}

std::variant<Response, ResponseReader::Failure> ResponseReader::finish(error_code ec,
                                                                       bool bytes_left) {
  if (!ec && !parser_.is_done()) ec = bhttp::error::partial_message;  // not a caller's slip
  // A body that ends with the connection ends at an unclean close too.
  if (is_closed(ec) && parser_.is_header_done() && parser_.need_eof() && !parser_.is_done()) {
    error_code eof_error;
    parser_.put_eof(eof_error);
    if (!eof_error) ec = {};
  }
  bool answered = parser_.got_some() || bytes_left;
  if (ec) {
    if (ec == bhttp::error::body_limit)
      return Failure{"the response is larger than " + std::to_string(max_body_bytes_) + " bytes",
                     false};
    if (ec == bhttp::error::header_limit)
      return Failure{
          "the response headers are larger than " + std::to_string(kMaxHeaderBytes) + " bytes",
          false};
    if (is_closed(ec))
      return Failure{answered ? "the connection closed in the middle of the response"
                              : "the connection closed before the response",
                     true, !answered};
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category())
      return Failure{"the response is not valid HTTP (" + ec.message() + ")", false};
    return Failure{lower_first(ec.message()), true};
  }
  keep_alive_ = parser_.get().keep_alive() && !parser_.need_eof();
  return to_response(parser_.release());
}

}  // namespace sd::http
