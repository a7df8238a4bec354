#include "runtime/http/https_connection.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <cctype>
#include <cerrno>
#include <climits>
#include <iterator>

namespace sd::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using std::chrono::milliseconds;

// Not in the anonymous namespace: HttpsConnection::Exchange, declared in the header, holds a
// parser of it.
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

Response to_response(bhttp::response<LimitedBody>&& message) {
  Response response;
  response.status = static_cast<int>(message.result_int());
  response.headers.reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message)
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  response.body = std::move(message.body().text);
  return response;
}

// A socket BIO of our own: it sends with MSG_NOSIGNAL, so that a server that went away is EPIPE
// and not a SIGPIPE that ends the process (OpenSSL's socket BIO uses write()). Its data is the
// connection's SocketState.
HttpsConnection::SocketState& state_of(BIO* bio) {
  return *static_cast<HttpsConnection::SocketState*>(BIO_get_data(bio));
}

// Keeps SO_RCVTIMEO or SO_SNDTIMEO (`option`, as set: `current`) within the deadline, so that a
// blocking call cannot outlast it by more than 10 ms; raises it again when a new deadline is far
// later. The flags for the send or recv: MSG_DONTWAIT when the timeout could not be set (the
// caller's poll() waits then); nothing when the deadline has passed.
std::optional<int> fit_timeout(HttpsConnection::SocketState& socket, int option,
                               milliseconds& current) {
  auto left = std::chrono::floor<milliseconds>(socket.deadline - std::chrono::steady_clock::now());
  if (left <= milliseconds(0)) return std::nullopt;
  if (current == milliseconds(0) || left + milliseconds(10) < current ||
      left > current + milliseconds(100)) {
    timeval value{static_cast<time_t>(left.count() / 1000),
                  static_cast<suseconds_t>(left.count() % 1000 * 1000)};
    if (::setsockopt(socket.fd, SOL_SOCKET, option, &value, sizeof value) != 0) {
      current = milliseconds(0);
      return MSG_DONTWAIT;
    }
    current = left;
  }
  return 0;
}

int socket_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  HttpsConnection::SocketState& socket = state_of(bio);
  std::optional<int> flags = fit_timeout(socket, SO_SNDTIMEO, socket.send_timeout);
  if (!flags) {
    BIO_set_retry_write(bio);  // the caller's poll() reports the timeout
    return -1;
  }
  ssize_t n = ::send(socket.fd, data, static_cast<size_t>(size), MSG_NOSIGNAL | *flags);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int socket_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  HttpsConnection::SocketState& socket = state_of(bio);
  std::optional<int> flags =
      socket.dont_wait ? MSG_DONTWAIT : fit_timeout(socket, SO_RCVTIMEO, socket.receive_timeout);
  if (!flags) {
    BIO_set_retry_read(bio);
    return -1;
  }
  ssize_t n = ::recv(socket.fd, data, static_cast<size_t>(size), *flags);
  if (n == 0) socket.eof = true;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

long socket_ctrl(BIO* bio, int command, long, void*) {
  if (command == BIO_CTRL_FLUSH) return 1;
  if (command == BIO_CTRL_EOF) return state_of(bio).eof ? 1 : 0;
  return 0;
}

int socket_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "syncdeploy socket");
    if (m) {
      BIO_meth_set_write(m, socket_write);
      BIO_meth_set_read(m, socket_read);
      BIO_meth_set_ctrl(m, socket_ctrl);
      BIO_meth_set_create(m, socket_create);
    }
    return m;
  }();
  return method;
}

}  // namespace

struct HttpsConnection::Exchange {
  bhttp::response_parser<LimitedBody> parser;
  milliseconds read_timeout{0};
  size_t max_body_bytes = 0;
};

std::string duration_text(milliseconds duration) {
  if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

std::variant<std::vector<net::ip::tcp::endpoint>, TransportError> resolve_destination(
    const Destination& destination, const std::string& where) {
  error_code ec;
  net::ip::address literal = net::ip::make_address(destination.address, ec);
  if (!ec)
    return std::vector<net::ip::tcp::endpoint>{net::ip::tcp::endpoint(literal, destination.port)};
  // The resolver needs an io_context for its service; a blocking resolve never runs it.
  net::io_context io(1);
  net::ip::tcp::resolver resolver(io);
  auto results = resolver.resolve(destination.address, std::to_string(destination.port), ec);
  if (ec)
    return TransportError{where + "cannot resolve " + destination.address + ": " + ec.message(),
                          ec == net::error::host_not_found_try_again};
  std::vector<net::ip::tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  return endpoints;
}

HttpsConnection::HttpsConnection(net::ssl::context& tls, const std::string& host, uint16_t port)
    : ssl_(SSL_new(tls.native_handle())),
      host_(host),
      where_(host + ":" + std::to_string(port) + ": ") {
  prepared_ = ssl_ && prepare_verification(ssl_, host_, &peer_);
}

HttpsConnection::~HttpsConnection() {
  if (ssl_) SSL_free(ssl_);  // and its BIO
  if (socket_.fd >= 0) ::close(socket_.fd);
}

TransportError HttpsConnection::error(const std::string& what, bool transient) const {
  return TransportError{where_ + what, transient};
}

error_code HttpsConnection::wait(short events) const {
  for (;;) {
    Clock::duration left = socket_.deadline - Clock::now();
    if (left <= Clock::duration::zero()) return net::error::timed_out;
    // Rounded up: a poll that returns early only loops.
    auto ms = std::chrono::ceil<milliseconds>(left).count();
    pollfd entry{socket_.fd, events, 0};
    int ready = ::poll(&entry, 1, static_cast<int>(std::min<int64_t>(ms, INT_MAX)));
    if (ready > 0) return {};  // readable, writable, or an error the next call reports
    if (ready < 0 && errno != EINTR) return error_code(errno, boost::system::system_category());
  }
}

template <class Call>
int HttpsConnection::until_done(Call call, error_code& ec, bool wait) {
  for (;;) {
    // The queue is per thread; a stale entry would name the wrong error.
    if (ERR_peek_error() != 0) ERR_clear_error();
    errno = 0;
    int result = call();
    int saved_errno = errno;
    if (result > 0) {
      ec = {};
      return result;
    }
    int ssl_error = SSL_get_error(ssl_, result);
    unsigned long queued = ERR_get_error();
    switch (ssl_error) {
      case SSL_ERROR_WANT_READ:
        if (!wait) {
          ec = net::error::would_block;
          return result;
        }
        if ((ec = this->wait(POLLIN))) return result;
        continue;
      case SSL_ERROR_WANT_WRITE:
        if ((ec = this->wait(POLLOUT))) return result;
        continue;
      case SSL_ERROR_ZERO_RETURN:  // close_notify
        ec = net::error::eof;
        return result;
      case SSL_ERROR_SYSCALL:
        if (queued)
          ec = error_code(static_cast<int>(queued), net::error::get_ssl_category());
        else if (saved_errno)
          ec = error_code(saved_errno, boost::system::system_category());
        else
          ec = net::ssl::error::stream_truncated;
        return result;
      case SSL_ERROR_SSL:
        ec = error_code(static_cast<int>(queued), net::error::get_ssl_category());
        return result;
      default:
        ec = net::ssl::error::unexpected_result;
        return result;
    }
  }
}

size_t HttpsConnection::read_some(void* data, size_t size, error_code& ec) {
  int n = until_done(
      [&] { return SSL_read(ssl_, data, static_cast<int>(std::min<size_t>(size, INT_MAX))); }, ec);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

error_code HttpsConnection::connect(const std::vector<net::ip::tcp::endpoint>& endpoints) {
  error_code ec;
  for (const net::ip::tcp::endpoint& endpoint : endpoints) {
    int& fd = socket_.fd;
    if (fd >= 0) ::close(fd);
    fd = ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  IPPROTO_TCP);
    if (fd < 0) {
      ec = error_code(errno, boost::system::system_category());
      continue;
    }
    if (::connect(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0) return {};
    if (errno != EINPROGRESS) {
      ec = error_code(errno, boost::system::system_category());
      continue;
    }
    if ((ec = wait(POLLOUT))) {
      if (ec == net::error::timed_out) return ec;
      continue;
    }
    int result = 0;
    socklen_t length = sizeof result;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &result, &length) != 0) result = errno;
    if (result == 0) return {};
    ec = error_code(result, boost::system::system_category());
  }
  return ec;
}

std::optional<TransportError> HttpsConnection::open(
    const std::vector<net::ip::tcp::endpoint>& endpoints, milliseconds timeout) {
  if (!prepared_) return error("cannot set up TLS verification for " + host_, false);
  if (endpoints.empty()) return error("no address to connect to", false);
  // One deadline for the TCP connect and the TLS handshake together.
  socket_.deadline = Clock::now() + timeout;
  error_code ec = connect(endpoints);
  if (ec == net::error::timed_out)
    return error("connect timed out after " + duration_text(timeout), true);
  if (ec == net::error::connection_refused) return error("connection refused", true);
  if (ec) return error(lower_first(ec.message()), true);
  int on = 1;
  (void)::setsockopt(socket_.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  // Blocking from here on: send and recv wait in the kernel, under the BIO's timeouts.
  int flags = ::fcntl(socket_.fd, F_GETFL);
  if (flags < 0 || ::fcntl(socket_.fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
    return error(lower_first(error_code(errno, boost::system::system_category()).message()), true);

  BIO_METHOD* method = socket_method();
  BIO* bio = method ? BIO_new(method) : nullptr;
  if (!bio) return error("cannot set up the TLS connection", false);
  BIO_set_data(bio, &socket_);
  SSL_set_bio(ssl_, bio, bio);  // the SSL owns it now
  // Whole records in one recv rather than a header and then a body.
  SSL_set_read_ahead(ssl_, 1);
  SSL_set_connect_state(ssl_);

  until_done([&] { return SSL_do_handshake(ssl_); }, ec);
  if (std::optional<std::string> verify = verification_failure(ssl_, peer_, host_))
    return error(*verify, false);
  if (ec == net::error::timed_out)
    return error("connect timed out after " + duration_text(timeout), true);
  if (ec) {
    if (is_closed(ec)) return error("the connection closed during the TLS handshake", true);
    return error("TLS handshake failed: " + ec.message(), false);
  }
  reusable_ = true;
  return std::nullopt;
}

std::optional<HttpsConnection::Failure> HttpsConnection::start(std::string_view request, bool head,
                                                               milliseconds read_timeout,
                                                               size_t max_body_bytes) {
  reusable_ = false;
  if (request.empty() || request.size() > INT_MAX)
    return Failure{error("the request is empty or too large", false), false};
  current_ = std::make_unique<Exchange>();
  current_->read_timeout = read_timeout;
  current_->max_body_bytes = max_body_bytes;
  bhttp::response_parser<LimitedBody>& parser = current_->parser;
  // Both limits. Beast 1.74 compares a Content-Length with its limit as an optional, so with
  // no limit (boost::none) every length is "too large"; the error only surfaces when the header
  // arrives alone (in the same read as the body, the eager loop clears it). LimitedBody checks
  // again as the body comes, where Beast loses the error.
  parser.body_limit(static_cast<uint64_t>(max_body_bytes));
  parser.get().body().limit = max_body_bytes;
  parser.header_limit(kMaxHeaderBytes);
  parser.eager(true);
  if (head) parser.skip(true);

  // One SSL_write: one TLS record, one send.
  socket_.deadline = Clock::now() + read_timeout;
  error_code ec;
  until_done([&] { return SSL_write(ssl_, request.data(), static_cast<int>(request.size())); }, ec);
  if (ec) {
    current_.reset();
    if (ec == net::error::timed_out)
      return Failure{error("write timed out after " + duration_text(read_timeout), true), false};
    if (is_closed(ec))
      return Failure{error("the connection closed before the request was sent", true), true};
    return Failure{error(lower_first(ec.message()), true), false};
  }
  socket_.deadline = Clock::now() + read_timeout;
  return std::nullopt;
}

std::variant<Response, HttpsConnection::Failure> HttpsConnection::exchange(
    std::string_view request, bool head, milliseconds read_timeout, size_t max_body_bytes) {
  if (std::optional<Failure> failed = start(request, head, read_timeout, max_body_bytes))
    return std::move(*failed);
  error_code ec;
  Reader reader(*this);
  bhttp::read(reader, buffer_, current_->parser, ec);
  return outcome(ec);
}

std::variant<HttpsConnection::Pending, Response, HttpsConnection::Failure>
HttpsConnection::read_available() {
  if (!current_) return Failure{error("no request is under way", false), false};
  bhttp::response_parser<LimitedBody>& parser = current_->parser;
  error_code ec;
  for (;;) {
    if (buffer_.size() > 0) {
      size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) {
        ec = {};
      } else if (ec || parser.is_done()) {
        break;
      } else if (used > 0) {
        continue;
      }
    }
    // What has arrived, without waiting: the caller polls the socket.
    const size_t room = std::clamp<size_t>(buffer_.capacity() - buffer_.size(), 4096, 65536);
    auto space = buffer_.prepare(room);
    socket_.dont_wait = true;
    int n = until_done([&] { return SSL_read(ssl_, space.data(), static_cast<int>(space.size())); },
                       ec, false);
    socket_.dont_wait = false;
    if (ec == net::error::would_block) {
      // What had arrived is read; only then may the deadline end the wait.
      if (Clock::now() < socket_.deadline) return Pending{};
      ec = net::error::timed_out;
    }
    if (ec) break;
    buffer_.commit(static_cast<size_t>(n));
  }
  std::variant<Response, Failure> done = outcome(ec);
  if (auto* response = std::get_if<Response>(&done)) return std::move(*response);
  return std::get<Failure>(std::move(done));
}

std::variant<Response, HttpsConnection::Failure> HttpsConnection::outcome(error_code ec) {
  std::unique_ptr<Exchange> current = std::move(current_);
  bhttp::response_parser<LimitedBody>& parser = current->parser;
  const milliseconds read_timeout = current->read_timeout;
  const size_t max_body_bytes = current->max_body_bytes;
  if (ec == net::error::timed_out) {
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
  reusable_ = parser.get().keep_alive() && !parser.need_eof() && buffer_.size() == 0 &&
              SSL_pending(ssl_) == 0;
  return to_response(parser.release());
}

}  // namespace sd::http
