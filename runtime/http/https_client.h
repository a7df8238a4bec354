// The one HTTPS client (Boost.Beast over OpenSSL). TLS is always verified: the chain against the
// system roots or a CA file, and the host name; there is no switch to turn that off. Keep-alive
// connections are pooled per client (one client per endpoint). Thread-safe: many threads may
// call send() at once; each call uses its own pooled connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/error.h"
#include "runtime/http/https_url.h"
#include "runtime/http/tls_context.h"

namespace sd::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "POST";
  std::string target;  // path and query; empty: the endpoint URL's own target
  Headers headers;     // e.g. Content-Type, X-AnchorMailbox
  std::string body;
};

struct Response {
  int status = 0;
  Headers headers;  // names as received
  std::string body;
  // The first header named `name` (case-insensitive), or "".
  [[nodiscard]] std::string header(std::string_view name) const;
};

class Authenticator;  // http_auth.h

struct ClientOptions {
  std::string ca_file;                   // PEM; empty: the system roots
  ClientCertificate client_certificate;  // mutual TLS; empty: none
  std::vector<ConnectTo> connect_to;
  std::chrono::milliseconds connect_timeout{10'000};  // TCP connect plus TLS handshake
  std::chrono::milliseconds read_timeout{60'000};     // whole response, from the request's end
  size_t max_response_bytes = 64u << 20;              // a larger body is an error, not a crash
  size_t max_idle_connections = 64;
  std::string user_agent = "syncdeploy";
};

// Errors a send can end in. Transport errors carry `transient` (connection refused or reset,
// timeout, a reply cut off): the request may be retried. TLS verification failures are not.
struct TransportError {
  std::string message;  // "exch01.example.local:443: certificate verify failed (self-signed
                        // certificate in certificate chain)", "...: read timed out after 60 s",
                        // "...: the connection closed in the middle of the response"
  bool transient = false;
  // The client could not authenticate (no ticket, a KDC out of reach, a scheme it may not use,
  // a malformed challenge): true of every request to this endpoint, so not worth another.
  bool authentication = false;
};

class HttpsClient {
 public:
  // Errors: a bad CA file ("cannot read CA file certs/x.pem: ..."), a URL that is not https.
  [[nodiscard]] static Result<std::unique_ptr<HttpsClient>> create(
      const HttpsUrl& endpoint, ClientOptions options,
      std::shared_ptr<Authenticator> authenticator);
  virtual ~HttpsClient() = default;

  // One request and its response. A pooled connection the server closed is reopened once,
  // transparently, if nothing of the request had been answered. Host, Content-Length,
  // User-Agent, Connection: keep-alive and Authorization are set here; a connection's
  // authentication handshake (http_auth.h) happens here too, inside its first request. A 401
  // the server gives to a finished handshake is returned as the response.
  virtual std::variant<Response, TransportError> send(Request request) = 0;

  // Many requests from the calling thread, one in flight on each of up to `connections`
  // connections at once, waiting on all of them together (poll): what a load generator does,
  // with no thread and no context switch per request. `next` gives request k (k = 0, 1, ...)
  // or nothing when there are no more; `done` gets request k's response or transport error
  // and returns false to send no more (those in flight are still read). No retries and no
  // reopen here: a caller that wants them sends the request again with send(). This default
  // sends one at a time with send() (test transports).
  using NextRequest = std::function<std::optional<Request>(size_t k)>;
  using RequestDone = std::function<bool(size_t k, std::variant<Response, TransportError>)>;
  virtual void send_many(unsigned connections, const NextRequest& next, const RequestDone& done);

  [[nodiscard]] virtual const HttpsUrl& endpoint() const = 0;
  // Connections opened so far (for tests of pooling).
  [[nodiscard]] virtual size_t connections_opened() const = 0;
};

}  // namespace sd::http
