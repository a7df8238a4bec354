// A small scriptable HTTPS server for the client, scheduler and probe tests: Beast over OpenSSL
// on 127.0.0.1, one thread per connection, certificates from lab::ensure_certificates in a
// temporary folder. The test chooses what each request gets, and reads back what the server
// saw: connections accepted, requests, the most requests in flight at once.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lab/server/certificates.h"
#include "runtime/http/https_client.h"

namespace sd::test {

struct TestAnswer {
  enum Kind {
    Normal,              // status, headers, body; keep-alive
    Throttle503,         // 503 with Retry-After: retry_after
    CloseWithoutAnswer,  // the connection closes once the request is read
    HalfThenStall,       // headers and part of the body, then nothing until the client leaves
    Stall,               // nothing at all until the client leaves
    HalfThenClose,       // headers and part of the body, then the connection closes
    CloseAfterAnswer,    // a keep-alive answer, then the connection closes (an idle timeout)
    NoKeepAlive,         // the answer says Connection: close, and the connection closes
    HugeBody,            // a body of huge_bytes
    Pieces,              // `pieces` written as they are, each its own TLS record, `gap` apart;
                         // then the connection closes if `close_after_pieces`
  } kind = Normal;
  int status = 200;
  http::Headers headers;
  std::string body = "ok";
  std::string retry_after = "1";
  size_t huge_bytes = 2u << 20;
  bool chunked = false;                // Transfer-Encoding: chunked instead of Content-Length
  std::chrono::milliseconds delay{0};  // before answering: lets concurrent requests overlap
  std::vector<std::string> pieces;     // Pieces: the raw response, split where the test says
  std::chrono::milliseconds gap{2};
  bool close_after_pieces = false;
};

struct ReceivedRequest {
  std::string method;
  std::string target;
  http::Headers headers;
  std::string body;
  [[nodiscard]] std::string header(const std::string& name) const;
};

class TlsTestServer {
 public:
  // Names for the certificate (localhost and 127.0.0.1 are always added) and its validity.
  explicit TlsTestServer(std::vector<std::string> names = {"exch01.example.local"},
                         int valid_days = 365);
  ~TlsTestServer();  // stops: every connection is shut down and its thread joined
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  // The answer for the n-th request (0-based, counted over all connections).
  void script(std::function<TestAnswer(unsigned n, const ReceivedRequest&)> answer);

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] const lab::CertificateFiles& certificates() const { return files_; }
  [[nodiscard]] std::string url(const std::string& target = "/EWS/Exchange.asmx") const;
  [[nodiscard]] unsigned connections_accepted() const { return connections_; }
  [[nodiscard]] unsigned requests() const { return requests_; }
  [[nodiscard]] unsigned max_in_flight() const { return max_in_flight_; }
  [[nodiscard]] std::vector<ReceivedRequest> received() const;

 private:
  void accept_loop();
  void serve(boost::asio::ip::tcp::socket socket);
  TestAnswer answer_for(const ReceivedRequest& request);

  std::string dir_;
  lab::CertificateFiles files_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::thread acceptor_thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;
  std::function<TestAnswer(unsigned, const ReceivedRequest&)> answer_;
  std::vector<ReceivedRequest> received_;
  std::vector<int> open_fds_;
  std::vector<std::thread> connection_threads_;
  std::atomic<unsigned> connections_{0};
  std::atomic<unsigned> requests_{0};
  std::atomic<unsigned> in_flight_{0};
  std::atomic<unsigned> max_in_flight_{0};
};

// A port on 127.0.0.1 that nothing listens on (it was free a moment ago).
[[nodiscard]] uint16_t unused_port();

// The one HTTPS client for `server`, trusting its CA; `options` as given otherwise (a read
// timeout of 5 s unless set).
[[nodiscard]] std::unique_ptr<http::HttpsClient> client_of(const TlsTestServer& server,
                                                           http::ClientOptions options = {});

}  // namespace sd::test
