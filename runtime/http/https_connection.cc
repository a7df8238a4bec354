#include "runtime/http/https_connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>

namespace sd::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using std::chrono::milliseconds;

namespace {

constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

std::string lower_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// OpenSSL 3 reports a peer that closed without close_notify as an SSL error, which Boost 1.74
// does not map to stream_truncated.
bool is_unexpected_eof(const error_code& ec) {
  return ec.category() == net::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
             SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

// The server went away: a clean or unclean close, or a reset.
bool is_closed(const error_code& ec) {
  return ec == net::error::eof || ec == net::ssl::error::stream_truncated ||
         ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || is_unexpected_eof(ec);
}

// A string body with a size limit checked by the body itself. Beast 1.74's parser loses its own
// body_limit error for a Content-Length response when body bytes follow the header in the same
// read (the eager parse loop clears the error), and then reads any size.
struct LimitedBody {
  struct value_type {
    std::string text;
    uint64_t limit = UINT64_MAX;
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<uint64_t>& length, error_code& ec) {
      if (length && *length > body_.limit) {
        ec = bhttp::error::body_limit;
        return;
      }
      if (length) body_.text.reserve(static_cast<size_t>(*length));
      ec = {};
    }

    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      size_t size = net::buffer_size(buffers);
      if (body_.text.size() + size > body_.limit) {
        ec = bhttp::error::body_limit;
        return 0;
      }
      for (net::const_buffer buffer : beast::buffers_range_ref(buffers))
        body_.text.append(static_cast<const char*>(buffer.data()), buffer.size());
      ec = {};
      return size;
    }

    void finish(error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

Response to_response(bhttp::response<LimitedBody>&& message) {
  Response response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message)
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  response.body = std::move(message.body().text);
  return response;
}

}  // namespace

std::string duration_text(milliseconds duration) {
  if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

std::variant<std::vector<net::ip::tcp::endpoint>, TransportError> resolve_destination(
    const Destination& destination, const std::string& where) {
  using tcp = net::ip::tcp;
  error_code ec;
  net::ip::address literal = net::ip::make_address(destination.address, ec);
  if (!ec) return std::vector<tcp::endpoint>{tcp::endpoint(literal, destination.port)};
  // The resolver needs an io_context for its service; a blocking resolve never runs it.
  net::io_context io(1);
  tcp::resolver resolver(io);
  auto results = resolver.resolve(destination.address, std::to_string(destination.port), ec);
  if (ec)
    return TransportError{where + "cannot resolve " + destination.address + ": " + ec.message(),
                          ec == net::error::host_not_found_try_again};
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  return endpoints;
}

HttpsConnection::HttpsConnection(net::ssl::context& tls, const std::string& host, uint16_t port)
    : stream_(io_, tls), host_(host), where_(host + ":" + std::to_string(port) + ": ") {
  prepared_ = prepare_verification(stream_.native_handle(), host_, &peer_);
}

bool HttpsConnection::run_until(const Clock::time_point& deadline) {
  io_.restart();
  // The deadline is read on every turn: a handler may move it.
  while (!io_.stopped()) {
    if (Clock::now() >= deadline) {
      // Time is up: the operations end with operation_aborted, and the connection with them.
      error_code ignored;
      stream_.next_layer().close(ignored);
      io_.restart();
      io_.run();
      return false;
    }
    io_.run_one_until(deadline);
  }
  return true;
}

TransportError HttpsConnection::error(const std::string& what, bool transient) const {
  return TransportError{where_ + what, transient};
}

std::optional<TransportError> HttpsConnection::open(
    const std::vector<net::ip::tcp::endpoint>& endpoints, milliseconds timeout) {
  if (!prepared_) return error("cannot set up TLS verification for " + host_, false);
  if (endpoints.empty()) return error("no address to connect to", false);
  // One deadline for the TCP connect and the TLS handshake together.
  Clock::time_point deadline = Clock::now() + timeout;
  error_code ec;
  net::async_connect(stream_.next_layer(), endpoints,
                     [&](const error_code& e, const net::ip::tcp::endpoint&) { ec = e; });
  if (!run_until(deadline)) return error("connect timed out after " + duration_text(timeout), true);
  if (ec == net::error::connection_refused) return error("connection refused", true);
  if (ec) return error(lower_first(ec.message()), true);
  error_code ignored;
  stream_.next_layer().set_option(net::ip::tcp::no_delay(true), ignored);

  stream_.async_handshake(net::ssl::stream_base::client, [&](const error_code& e) { ec = e; });
  bool in_time = run_until(deadline);
  if (std::optional<std::string> verify =
          verification_failure(stream_.native_handle(), peer_, host_))
    return error(*verify, false);
  if (!in_time) return error("connect timed out after " + duration_text(timeout), true);
  if (ec) {
    if (is_closed(ec)) return error("the connection closed during the TLS handshake", true);
    return error("TLS handshake failed: " + ec.message(), false);
  }
  reusable_ = true;
  return std::nullopt;
}

std::variant<Response, HttpsConnection::Failure> HttpsConnection::exchange(
    const BeastRequest& request, milliseconds read_timeout, size_t max_body_bytes) {
  reusable_ = false;
  bhttp::response_parser<LimitedBody> parser;
  parser.body_limit(boost::none);  // LimitedBody's own limit, which Beast 1.74 honours
  parser.get().body().limit = max_body_bytes;
  parser.header_limit(kMaxHeaderBytes);
  if (request.method() == bhttp::verb::head) parser.skip(true);

  // Write and read in one run of the io_context. The deadline covers the write too, and moves
  // to read_timeout after the write's end when the write took a noticeable time.
  error_code write_error, ec;
  bool written = false;
  Clock::time_point deadline = Clock::now() + read_timeout;
  bhttp::async_write(stream_, request, [&](const error_code& e, size_t) {
    write_error = e;
    if (e) return;
    written = true;
    Clock::time_point now = Clock::now();
    if (now + read_timeout - deadline > milliseconds(10)) deadline = now + read_timeout;
    bhttp::async_read(stream_, buffer_, parser, [&](const error_code& r, size_t) { ec = r; });
  });
  bool in_time = run_until(deadline);
  if (!written) {
    if (!in_time)
      return Failure{error("write timed out after " + duration_text(read_timeout), true), false};
    if (is_closed(write_error))
      return Failure{error("the connection closed before the request was sent", true), true};
    return Failure{error(lower_first(write_error.message()), true), false};
  }
  if (!in_time) {
    buffer_.clear();
    return Failure{error("read timed out after " + duration_text(read_timeout), true), false};
  }
  // A body that ends with the connection ends at an unclean close too.
  if (is_closed(ec) && parser.is_header_done() && parser.need_eof() && !parser.is_done()) {
    error_code eof_error;
    parser.put_eof(eof_error);
    if (!eof_error) ec = {};
  }
  bool answered = parser.got_some() || buffer_.size() > 0;
  if (ec) {
    buffer_.clear();
    if (ec == bhttp::error::body_limit)
      return Failure{
          error("the response is larger than " + std::to_string(max_body_bytes) + " bytes", false),
          false};
    if (ec == bhttp::error::header_limit)
      return Failure{error("the response headers are larger than " +
                               std::to_string(kMaxHeaderBytes) + " bytes",
                           false),
                     false};
    if (is_closed(ec))
      return Failure{error(answered ? "the connection closed in the middle of the response"
                                    : "the connection closed before the response",
                           true),
                     !answered};
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category())
      return Failure{error("the response is not valid HTTP (" + ec.message() + ")", false), false};
    return Failure{error(lower_first(ec.message()), true), false};
  }
  // Bytes beyond the response mean the server and this client disagree on framing.
  reusable_ = parser.get().keep_alive() && !parser.need_eof() && buffer_.size() == 0;
  return to_response(parser.release());
}

}  // namespace sd::http
