// One TLS connection to an HTTPS server, used by one thread at a time, with blocking calls that
// still keep their deadlines. OpenSSL talks to the socket directly, through a BIO that sends with
// MSG_NOSIGNAL and blocks in send/recv under SO_SNDTIMEO/SO_RCVTIMEO, which it keeps within the
// time left (a setsockopt only when that shrinks by more than 10 ms: not per request). When a
// send or recv gives up early, poll() waits out the rest of the deadline. A request costs one
// send and one recv in the common case: no event loop, no timer, no second thread, no poll, no
// copy through a BIO pair.
//
// Without a TLS context the connection is plain TCP through the same socket BIO: for http://
// WS-Management endpoints only, whose bodies the client seals itself (https_client.h).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/http/https_client.h"
#include "runtime/http/tls_verification.h"

namespace sd::http {

class ConnectionAuth;  // http_auth.h

// "300 ms", "10 s": how timeouts are named in errors.
[[nodiscard]] std::string duration_text(std::chrono::milliseconds duration);

// The addresses of `destination`: an IP literal as is, a name through the system resolver.
// Errors start with `where` ("host:port: "): "...: cannot resolve exch01: Host not found".
[[nodiscard]] std::variant<std::vector<boost::asio::ip::tcp::endpoint>, TransportError>
resolve_destination(const Destination& destination, const std::string& where);

class HttpsConnection {
 public:
  // `host` and `port` are the URL's: the name verified, sent as SNI and used in errors.
  // `tls` null: plain TCP, no TLS.
  HttpsConnection(boost::asio::ssl::context* tls, const std::string& host, uint16_t port);
  ~HttpsConnection();
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  // TCP connect to the first of `endpoints` that answers, then the TLS handshake with
  // verification (unless plain), all within `timeout`. Nothing on success.
  [[nodiscard]] std::optional<TransportError> open(
      const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
      std::chrono::milliseconds timeout);

  struct Failure {
    TransportError error;
    // The server closed or reset the connection before any of the response arrived: what a
    // kept-alive connection the server dropped while idle looks like.
    bool closed_unanswered = false;
  };
  // Writes `request` (a whole HTTP/1.1 request as it goes on the wire; `head`: its method is
  // HEAD, so the response has no body) and reads its response; the write must end within
  // `read_timeout`, and the response within `read_timeout` of the write's end; its body must
  // be at most `max_body_bytes`.
  [[nodiscard]] std::variant<Response, Failure> exchange(std::string_view request, bool head,
                                                         std::chrono::milliseconds read_timeout,
                                                         size_t max_body_bytes);

  // exchange() in two halves, for a caller that waits on many connections at once (poll() on
  // fd()): start() writes the request (blocking, as exchange() does) and read_available() reads
  // what has arrived without waiting, until the response is complete. Errors, limits and
  // timeouts (against deadline()) are exchange()'s, word for word.
  struct Pending {};
  [[nodiscard]] std::optional<Failure> start(std::string_view request, bool head,
                                             std::chrono::milliseconds read_timeout,
                                             size_t max_body_bytes);
  [[nodiscard]] std::variant<Pending, Response, Failure> read_available();
  [[nodiscard]] int fd() const { return socket_.fd; }
  [[nodiscard]] std::chrono::steady_clock::time_point deadline() const { return socket_.deadline; }

  // After a complete exchange: whether the server keeps the connection open for another.
  [[nodiscard]] bool reusable() const { return reusable_; }

  // Whether an authentication handshake (http_auth.h) finished on this connection, which the
  // server then keeps authenticated: later requests on it carry no credentials.
  [[nodiscard]] bool authenticated() const { return authenticated_; }
  void set_authenticated(bool authenticated) { authenticated_ = authenticated; }
  // The finished handshake's security context, kept with the connection when its messages are
  // sealed with it (message encryption over plain HTTP); null otherwise.
  [[nodiscard]] ConnectionAuth* login() const { return login_.get(); }
  void keep_login(std::unique_ptr<ConnectionAuth> login);
  [[nodiscard]] bool plain() const { return ssl_ == nullptr; }

  // The server's certificate as the handshake saw it (for the TLS probe and channel binding).
  [[nodiscard]] const PeerCertificate& peer() const { return peer_; }

  // What the connection's BIO reads and writes (public for the BIO's functions only).
  struct SocketState {
    int fd = -1;
    bool eof = false;        // recv returned 0: OpenSSL asks through BIO_CTRL_EOF
    bool dont_wait = false;  // read_available(): recv with MSG_DONTWAIT
    std::chrono::steady_clock::time_point deadline{};  // of the step under way
    // SO_RCVTIMEO and SO_SNDTIMEO as set (0: not yet).
    std::chrono::milliseconds receive_timeout{0}, send_timeout{0};
  };

  // Beast's SyncReadStream over the connection (public for Beast's concept checks only): reads
  // what OpenSSL has decrypted, waiting for the socket until the connection's deadline.
  class Reader {
   public:
    explicit Reader(HttpsConnection& connection) : connection_(connection) {}
    template <class MutableBuffers>
    size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec);
    template <class MutableBuffers>
    size_t read_some(const MutableBuffers& buffers);

   private:
    HttpsConnection& connection_;
  };

 private:
  using Clock = std::chrono::steady_clock;
  // Waits until the socket can be read (`events` POLLIN) or written (POLLOUT), at most until
  // the deadline: no error, timed_out, or the poll's own error.
  [[nodiscard]] boost::system::error_code wait(short events) const;
  // Runs an OpenSSL call (SSL_do_handshake, SSL_read, SSL_write) until it succeeds, fails or
  // the deadline passes; returns its result (> 0 on success) and sets `ec` otherwise.
  // With `wait` false, a call that wants to read returns at once with would_block.
  template <class Call>
  int until_done(Call call, boost::system::error_code& ec, bool wait = true);
  // Over plain TCP: reads (or writes, all of it) through the socket BIO until done, an error or
  // the deadline, as until_done() does for TLS.
  int plain_read(void* data, size_t size, boost::system::error_code& ec, bool wait);
  void plain_write(std::string_view data, boost::system::error_code& ec);
  // exchange()'s outcome once reading ended with `ec`, for the response `parser_` holds.
  [[nodiscard]] std::variant<Response, Failure> outcome(boost::system::error_code ec);
  [[nodiscard]] size_t read_some(void* data, size_t size, boost::system::error_code& ec);
  [[nodiscard]] boost::system::error_code connect(
      const std::vector<boost::asio::ip::tcp::endpoint>& endpoints);
  [[nodiscard]] TransportError error(const std::string& what, bool transient) const;

  struct Exchange;                     // the response parser and limits of the exchange under way
  std::unique_ptr<Exchange> current_;  // set by start() and exchange()
  SSL* ssl_ = nullptr;
  BIO* plain_bio_ = nullptr;  // plain TCP: the socket BIO, owned here (TLS: the SSL owns it)
  SocketState socket_;        // the socket, and the deadline its BIO keeps
  boost::beast::flat_buffer buffer_;
  PeerCertificate peer_;
  std::string host_;
  std::string where_;  // "host:port: "
  bool prepared_ = false;
  bool reusable_ = false;
  bool authenticated_ = false;
  std::unique_ptr<ConnectionAuth> login_;
};

template <class MutableBuffers>
size_t HttpsConnection::Reader::read_some(const MutableBuffers& buffers,
                                          boost::system::error_code& ec) {
  // Beast reads into one contiguous buffer (a flat_buffer's prepare()); take the first.
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers); ++it) {
    boost::asio::mutable_buffer buffer = *it;
    if (buffer.size() > 0) return connection_.read_some(buffer.data(), buffer.size(), ec);
  }
  ec = {};
  return 0;
}

template <class MutableBuffers>
size_t HttpsConnection::Reader::read_some(const MutableBuffers& buffers) {
  boost::system::error_code ec;
  size_t n = read_some(buffers, ec);
  if (ec) throw boost::system::system_error(ec);
  return n;
}

}  // namespace sd::http
