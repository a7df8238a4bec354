// One connection of the lab's server (lab_server.cc), over TLS (HTTPS) or plain TCP (HTTP):
// reads requests, hands each to the RequestHandler with the connection's login, and carries
// out the decision on the wire (the answer, or an injected reset or stall). The two kinds run
// the same code; only the TLS handshake and shutdown differ.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>

namespace sd::lab {

class RequestHandler;

class LabSession {
 public:
  virtual ~LabSession() = default;
  virtual void start() = 0;
  // Closes the socket; only while no thread runs the io_context (LabServer::stop).
  virtual void close_now() = 0;
};

// What a session needs of the server.
class SessionHost {
 public:
  [[nodiscard]] virtual RequestHandler& handler() = 0;
  [[nodiscard]] virtual uint64_t max_body() const = 0;
  // Called by a session's destructor.
  virtual void forget(LabSession* session) = 0;

 protected:
  ~SessionHost() = default;
};

[[nodiscard]] std::shared_ptr<LabSession> make_tls_session(boost::asio::ip::tcp::socket socket,
                                                           boost::asio::ssl::context& tls,
                                                           SessionHost& host);
[[nodiscard]] std::shared_ptr<LabSession> make_plain_session(boost::asio::ip::tcp::socket socket,
                                                             SessionHost& host);

}  // namespace sd::lab
