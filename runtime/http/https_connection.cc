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

#include "runtime/http/http_auth.h"
#include "runtime/http/response_reader.h"

namespace sd::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using std::chrono::milliseconds;

namespace {

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
  Exchange(bool head, size_t max_body_bytes, milliseconds timeout)
      : reader(head, max_body_bytes), read_timeout(timeout) {}
  ResponseReader reader;
  milliseconds read_timeout;
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

HttpsConnection::HttpsConnection(net::ssl::context* tls, const std::string& host, uint16_t port)
    : ssl_(tls ? SSL_new(tls->native_handle()) : nullptr),
      host_(host),
      where_(host + ":" + std::to_string(port) + ": ") {
  prepared_ = !tls || (ssl_ && prepare_verification(ssl_, host_, &peer_));
}

HttpsConnection::~HttpsConnection() {
  if (ssl_) SSL_free(ssl_);  // and its BIO
  if (plain_bio_) BIO_free(plain_bio_);
  if (socket_.fd >= 0) ::close(socket_.fd);
}

void HttpsConnection::keep_login(std::unique_ptr<ConnectionAuth> login) {
  login_ = std::move(login);
}

int HttpsConnection::plain_read(void* data, size_t size, error_code& ec, bool wait) {
  for (;;) {
    errno = 0;
    int n = BIO_read(plain_bio_, data, static_cast<int>(std::min<size_t>(size, INT_MAX)));
    if (n > 0) {
      ec = {};
      return n;
    }
    if (n == 0 || socket_.eof) {
      ec = net::error::eof;
      return 0;
    }
    if (!BIO_should_retry(plain_bio_)) {
      ec = error_code(errno ? errno : EIO, boost::system::system_category());
      return n;
    }
    if (!wait) {
      ec = net::error::would_block;
      return n;
    }
    if ((ec = this->wait(POLLIN))) return n;
  }
}

void HttpsConnection::plain_write(std::string_view data, error_code& ec) {
  ec = {};
  while (!data.empty()) {
    errno = 0;
    int n = BIO_write(plain_bio_, data.data(),
                      static_cast<int>(std::min<size_t>(data.size(), INT_MAX)));
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (!BIO_should_retry(plain_bio_)) {
      ec = error_code(errno ? errno : EIO, boost::system::system_category());
      return;
    }
    if ((ec = wait(POLLOUT))) return;
  }
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
  if (plain()) {
    int n = plain_read(data, size, ec, true);
    return n > 0 ? static_cast<size_t>(n) : 0;
  }
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
  if (!bio) return error("cannot set up the connection", false);
  BIO_set_data(bio, &socket_);
  if (plain()) {
    plain_bio_ = bio;
    reusable_ = true;
    return std::nullopt;
  }
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
  current_ = std::make_unique<Exchange>(head, max_body_bytes, read_timeout);

  // One SSL_write: one TLS record, one send.
  socket_.deadline = Clock::now() + read_timeout;
  error_code ec;
  if (plain())
    plain_write(request, ec);
  else
    until_done([&] { return SSL_write(ssl_, request.data(), static_cast<int>(request.size())); },
               ec);
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
  bhttp::read(reader, buffer_, current_->reader.parser(), ec);
  return outcome(ec);
}

std::variant<HttpsConnection::Pending, Response, HttpsConnection::Failure>
HttpsConnection::read_available() {
  if (!current_) return Failure{error("no request is under way", false), false};
  error_code ec;
  for (;;) {
    if (current_->reader.parse_available(buffer_, ec)) break;
    // What has arrived, without waiting: the caller polls the socket.
    const size_t room = std::clamp<size_t>(buffer_.capacity() - buffer_.size(), 4096, 65536);
    auto space = buffer_.prepare(room);
    socket_.dont_wait = true;
    int n = plain()
                ? plain_read(space.data(), space.size(), ec, false)
                : until_done(
                      [&] { return SSL_read(ssl_, space.data(), static_cast<int>(space.size())); },
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
  if (ec == net::error::timed_out) {
    buffer_.clear();
    return Failure{error("read timed out after " + duration_text(current->read_timeout), true),
                   false};
  }
  std::variant<Response, ResponseReader::Failure> read =
      current->reader.finish(ec, buffer_.size() > 0);
  if (auto* failed = std::get_if<ResponseReader::Failure>(&read)) {
    buffer_.clear();
    return Failure{error(failed->what, failed->transient), failed->closed_unanswered};
  }
  // Bytes beyond the response mean the server and this client disagree on framing.
  reusable_ =
      current->reader.keep_alive() && buffer_.size() == 0 && (!ssl_ || SSL_pending(ssl_) == 0);
  return std::get<Response>(std::move(read));
}

}  // namespace sd::http
