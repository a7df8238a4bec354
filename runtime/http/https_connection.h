// One TLS connection to an HTTPS server, used by one thread at a time. It owns its io_context so
// that a blocking caller still gets timeouts: every step is an asynchronous operation, driven by
// io_context::run_one_until(deadline); at the deadline the socket is closed. (No asio timer: a
// timer costs two timerfd system calls per operation, and this is every request's path.)
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/http/https_client.h"
#include "runtime/http/tls_verification.h"

namespace sd::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// "300 ms", "10 s": how timeouts are named in errors.
[[nodiscard]] std::string duration_text(std::chrono::milliseconds duration);

// The addresses of `destination`: an IP literal as is, a name through the system resolver.
// Errors start with `where` ("host:port: "): "...: cannot resolve exch01: Host not found".
[[nodiscard]] std::variant<std::vector<boost::asio::ip::tcp::endpoint>, TransportError>
resolve_destination(const Destination& destination, const std::string& where);

class HttpsConnection {
 public:
  // `host` and `port` are the URL's: the name verified, sent as SNI and used in errors.
  HttpsConnection(boost::asio::ssl::context& tls, const std::string& host, uint16_t port);
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  // TCP connect to the first of `endpoints` that answers, then the TLS handshake with
  // verification, all within `timeout`. Nothing on success.
  [[nodiscard]] std::optional<TransportError> open(
      const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
      std::chrono::milliseconds timeout);

  struct Failure {
    TransportError error;
    // The server closed or reset the connection before any of the response arrived: what a
    // kept-alive connection the server dropped while idle looks like.
    bool closed_unanswered = false;
  };
  // Writes `request` and reads its response; the response must end within `read_timeout` of
  // the request being sent, and its body be at most `max_body_bytes`.
  [[nodiscard]] std::variant<Response, Failure> exchange(const BeastRequest& request,
                                                         std::chrono::milliseconds read_timeout,
                                                         size_t max_body_bytes);

  // After a complete exchange: whether the server keeps the connection open for another.
  [[nodiscard]] bool reusable() const { return reusable_; }

  // The server's certificate as the handshake saw it (for the TLS probe).
  [[nodiscard]] const PeerCertificate& peer() const { return peer_; }

 private:
  using Clock = std::chrono::steady_clock;
  // Runs the io_context until its work is done (true) or `deadline` passes (false: the
  // operations were cancelled and the socket closed). Handlers may move `deadline`.
  [[nodiscard]] bool run_until(const Clock::time_point& deadline);
  [[nodiscard]] TransportError error(const std::string& what, bool transient) const;

  boost::asio::io_context io_{1};
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
  PeerCertificate peer_;
  std::string host_;
  std::string where_;  // "host:port: "
  bool prepared_ = false;
  bool reusable_ = false;
};

}  // namespace sd::http
