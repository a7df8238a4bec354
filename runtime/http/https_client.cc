#include "runtime/http/https_client.h"

#include <poll.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <cerrno>
#include <climits>
#include <mutex>
#include <system_error>

#include "base/text_checks.h"
#include "runtime/http/http_auth.h"
#include "runtime/http/https_connection.h"
#include "runtime/http/sealed_messages.h"
#include "runtime/http/tls_context.h"

namespace sd::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

// A header line break would let a value smuggle a header or a second request.
bool is_header_safe(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

struct WireRequest {
  std::string text;   // request line, headers, blank line, body
  bool head = false;  // HEAD: the response has no body
};

// The client: one TLS context, a stack of idle keep-alive connections, and the destination's
// addresses looked up once a minute at most. No lock is held during I/O.
class PooledHttpsClient : public HttpsClient {
 public:
  PooledHttpsClient(HttpsUrl endpoint, ClientOptions options,
                    std::shared_ptr<Authenticator> authenticator,
                    std::shared_ptr<net::ssl::context> tls)
      : endpoint_(std::move(endpoint)),
        options_(std::move(options)),
        authenticator_(std::move(authenticator)),
        tls_(std::move(tls)),
        destination_(destination_of(endpoint_, options_.connect_to)),
        where_(endpoint_.host + ":" + std::to_string(endpoint_.port) + ": ") {}

  std::variant<Response, TransportError> send(Request request) override {
    try {
      // A sealed request is built per connection, once its login can seal it.
      std::optional<WireRequest> wire;
      if (!sealing()) {
        std::variant<WireRequest, TransportError> message = build(request, every_request_value());
        if (auto* error = std::get_if<TransportError>(&message)) return *error;
        wire = std::move(std::get<WireRequest>(message));
      }
      bool fresh_only = false;
      for (;;) {
        std::unique_ptr<HttpsConnection> connection;
        bool reused = false;
        if (!fresh_only) {
          connection = take_idle();
          reused = connection != nullptr;
        }
        if (!connection) {
          std::variant<std::unique_ptr<HttpsConnection>, TransportError> opened = open();
          if (auto* error = std::get_if<TransportError>(&opened)) return *error;
          connection = std::move(std::get<std::unique_ptr<HttpsConnection>>(opened));
        }
        auto outcome =
            wire ? exchange_on(*connection, request, *wire) : exchange_sealed(*connection, request);
        if (auto* response = std::get_if<Response>(&outcome)) {
          if (connection->reusable()) give_back(std::move(connection));
          return std::move(*response);
        }
        auto& failure = std::get<HttpsConnection::Failure>(outcome);
        // A kept-alive connection the server closed while it was idle: once, on a new one.
        if (reused && failure.closed_unanswered) {
          fresh_only = true;
          continue;
        }
        return failure.error;
      }
    } catch (const std::exception& e) {
      return TransportError{where_ + e.what(), false};
    }
  }

  void send_many(unsigned connections, const NextRequest& next, const RequestDone& done) override {
    // Sealed messages go one at a time: WS-Management, never a bulk load.
    if (sealing()) return HttpsClient::send_many(connections, next, done);
    // A request on its way on one connection.
    struct Slot {
      std::unique_ptr<HttpsConnection> connection;
      size_t k = 0;
      bool busy = false;
      Request request;  // kept for a login the server forgot (a 401 on a logged-in connection)
    };
    std::vector<Slot> slots(std::max(1u, connections));
    std::vector<pollfd> ready;
    std::vector<size_t> polled;  // the slot of each entry of `ready`
    bool sending = true;
    size_t k = 0;
    constexpr size_t kNone = SIZE_MAX;
    size_t in_hand = kNone;  // a request taken from next() and not yet under way
    // A request that failed before it was under way.
    auto unsent = [&](size_t failed, const TransportError& error) {
      in_hand = kNone;
      if (!done(failed, error)) sending = false;
    };
    auto finish = [&](Slot& slot, std::variant<Response, TransportError> outcome) {
      slot.busy = false;
      if (slot.connection && !slot.connection->reusable()) slot.connection.reset();
      if (!done(slot.k, std::move(outcome))) sending = false;
    };
    try {
      for (;;) {
        // Every free connection takes the next request.
        for (Slot& slot : slots) {
          if (!sending || slot.busy) continue;
          std::optional<Request> request = next(k);
          if (!request) {
            sending = false;
            break;
          }
          in_hand = k;
          slot.k = k++;
          std::variant<WireRequest, TransportError> wire = build(*request, every_request_value());
          if (auto* error = std::get_if<TransportError>(&wire)) {
            unsent(slot.k, *error);
            continue;
          }
          if (!slot.connection) slot.connection = take_idle();
          if (!slot.connection) {
            std::variant<std::unique_ptr<HttpsConnection>, TransportError> opened = open();
            if (auto* error = std::get_if<TransportError>(&opened)) {
              unsent(slot.k, *error);
              continue;
            }
            slot.connection = std::move(std::get<std::unique_ptr<HttpsConnection>>(opened));
          }
          const WireRequest& w = std::get<WireRequest>(wire);
          if (needs_handshake(*slot.connection)) {
            // A connection's handshake waits for its legs, once per connection; the requests
            // after it are polled with the others.
            auto outcome = exchange_on(*slot.connection, *request, w);
            slot.busy = true;
            in_hand = kNone;
            if (auto* response = std::get_if<Response>(&outcome))
              finish(slot, std::move(*response));
            else
              finish(slot, std::get<HttpsConnection::Failure>(outcome).error);
            continue;
          }
          std::optional<HttpsConnection::Failure> failed = slot.connection->start(
              w.text, w.head, options_.read_timeout, options_.max_response_bytes);
          if (authenticator_ && !every_request_) slot.request = std::move(*request);
          slot.busy = true;
          in_hand = kNone;
          if (failed) finish(slot, failed->error);
        }
        // Wait for any answer, at most until the earliest deadline.
        ready.clear();
        polled.clear();
        auto first_deadline = std::chrono::steady_clock::time_point::max();
        for (size_t i = 0; i < slots.size(); ++i) {
          if (!slots[i].busy) continue;
          ready.push_back({slots[i].connection->fd(), POLLIN, 0});
          polled.push_back(i);
          first_deadline = std::min(first_deadline, slots[i].connection->deadline());
        }
        if (ready.empty()) {
          if (!sending) break;
          continue;  // every free connection failed to start: the next requests are taken
        }
        auto left = std::chrono::ceil<std::chrono::milliseconds>(first_deadline -
                                                                 std::chrono::steady_clock::now());
        int timeout = static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT_MAX));
        if (::poll(ready.data(), ready.size(), timeout) < 0 && errno != EINTR)
          throw std::system_error(errno, std::generic_category(), "poll");
        const auto now = std::chrono::steady_clock::now();
        for (size_t j = 0; j < ready.size(); ++j) {
          Slot& slot = slots[polled[j]];
          if (ready[j].revents == 0 && now < slot.connection->deadline()) continue;
          auto outcome = slot.connection->read_available();
          if (std::holds_alternative<HttpsConnection::Pending>(outcome)) continue;
          if (auto* response = std::get_if<Response>(&outcome)) {
            if (response->status == 401 && authenticator_ && !every_request_)
              finish(slot, log_in_again(slot.connection, slot.request));
            else
              finish(slot, std::move(*response));
          } else {
            finish(slot, std::get<HttpsConnection::Failure>(outcome).error);
          }
        }
      }
    } catch (const std::exception& e) {
      // Whatever was taken and not answered ends here, with the reason; it may be sent again.
      const TransportError error{where_ + e.what(), true};
      if (in_hand != kNone) (void)done(in_hand, error);
      for (Slot& slot : slots)
        if (slot.busy && slot.k != in_hand) (void)done(slot.k, error);
      return;
    }
    for (Slot& slot : slots)
      if (slot.connection) give_back(std::move(slot.connection));
  }

  const HttpsUrl& endpoint() const override { return endpoint_; }
  size_t connections_opened() const override { return opened_.load(); }

 private:
  // The request as it goes on the wire: written here in one string, which is cheaper than
  // building Beast's header tree and serializing it per request. `authorization`, when given,
  // replaces a caller's Authorization header.
  std::variant<WireRequest, TransportError> build(const Request& request,
                                                  const std::string* authorization) const {
    const std::string& target = request.target.empty() ? endpoint_.target : request.target;
    if (!is_header_safe(target) || target.find(' ') != std::string::npos)
      return TransportError{where_ + "the request target has a space or a line break", false};
    bhttp::verb method = bhttp::string_to_verb(request.method);
    if (method == bhttp::verb::unknown)
      return TransportError{where_ + "unknown HTTP method \"" + request.method + "\"", false};
    WireRequest wire;
    wire.head = method == bhttp::verb::head;
    std::string& text = wire.text;
    text.reserve(256 + target.size() + request.body.size() + 64 * request.headers.size() +
                 (authorization ? authorization->size() : 0));
    text.append(request.method).append(" ").append(target).append(" HTTP/1.1\r\n");
    bool has_user_agent = false;
    for (const auto& [name, value] : request.headers) {
      if (name.empty() || name.find_first_of(" \t:") != std::string::npos ||
          !is_header_safe(name) || !is_header_safe(value))
        return TransportError{where_ + "the request header \"" + name + "\" is malformed", false};
      // Set below, where the client decides them.
      if (iequals(name, "Host") || iequals(name, "Content-Length") || iequals(name, "Connection") ||
          iequals(name, "Transfer-Encoding"))
        continue;
      if (iequals(name, "Authorization")) {
        if (!authorization) authorization = &value;
        continue;
      }
      has_user_agent = has_user_agent || iequals(name, "User-Agent");
      text.append(name).append(": ").append(value).append("\r\n");
    }
    if (authorization) {
      if (!is_header_safe(*authorization))
        return TransportError{where_ + "the Authorization header is malformed", false};
      text.append("Authorization: ").append(*authorization).append("\r\n");
    }
    text.append("Host: ").append(endpoint_.authority()).append("\r\n");
    if (!has_user_agent) text.append("User-Agent: ").append(options_.user_agent).append("\r\n");
    text.append("Connection: keep-alive\r\n");
    // As Beast's prepare_payload: a length for any body, and for POST, PUT and OPTIONS always.
    if (!request.body.empty() || method == bhttp::verb::post || method == bhttp::verb::put ||
        method == bhttp::verb::options)
      text.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
    text.append("\r\n").append(request.body);
    return wire;
  }

  // `request` as it goes on the wire (`authorization`: build()'s), exchanged on `connection`.
  std::variant<Response, HttpsConnection::Failure> build_and_exchange(
      HttpsConnection& connection, const Request& request, const std::string* authorization) {
    std::variant<WireRequest, TransportError> wire = build(request, authorization);
    if (auto* error = std::get_if<TransportError>(&wire))
      return HttpsConnection::Failure{*error, false};
    const WireRequest& w = std::get<WireRequest>(wire);
    return connection.exchange(w.text, w.head, options_.read_timeout, options_.max_response_bytes);
  }

  // One request over plain HTTP on `connection`, sealed with its login. A connection without
  // one logs in first with an empty request of the same kind (the context that seals comes out
  // of that handshake). A 401 to a sealed request (the server forgot the login) gets one new
  // login, as forgotten() gives one. A body that cannot be sealed or an answer that cannot be
  // unsealed ends the request, and the connection with it (its sequence numbers no longer
  // agree with the server's).
  std::variant<Response, HttpsConnection::Failure> exchange_sealed(HttpsConnection& connection,
                                                                   const Request& request) {
    auto failed = [this](const std::string& what) {
      return HttpsConnection::Failure{TransportError{where_ + what, false}, false};
    };
    for (int logins = 0;;) {
      if (!connection.login()) {
        ++logins;
        Request empty = request;
        empty.body.clear();
        auto outcome = handshake(connection, empty);
        // A failure, or the server's refusal as it is (the caller says so).
        if (!std::holds_alternative<Response>(outcome) || !connection.login()) return outcome;
      }
      Result<Request> sealed = seal_request(request, *connection.login());
      if (!sealed.ok()) return failed(sealed.errors().front().message);
      auto outcome = build_and_exchange(connection, *sealed, nullptr);
      auto* response = std::get_if<Response>(&outcome);
      if (!response) return outcome;
      if (response->status == 401 && logins < 2) {
        connection.keep_login(nullptr);
        connection.set_authenticated(false);
        if (!connection.reusable())
          return HttpsConnection::Failure{
              TransportError{where_ + "the server forgot the login and closed the connection",
                             true},
              true};
        continue;
      }
      Result<Response> plain =
          unseal_response(std::move(*response), *connection.login(), options_.max_response_bytes);
      if (!plain.ok()) return failed(plain.errors().front().message);
      return std::move(plain).value();
    }
  }

  // Basic's header, on every request; nothing for a connection-level scheme.
  const std::string* every_request_value() const {
    return every_request_ ? &*every_request_ : nullptr;
  }

  // Over plain HTTP every body is sealed with its connection's login (create() allows http://
  // only then).
  bool sealing() const { return !endpoint_.tls; }

  bool needs_handshake(const HttpsConnection& connection) const {
    return authenticator_ && !every_request_ && !connection.authenticated();
  }

  // One request on `connection`: as it is when the connection needs no handshake; otherwise
  // inside the handshake. A 401 on a connection authenticated before (the server forgot it)
  // gets one new handshake.
  std::variant<Response, HttpsConnection::Failure> exchange_on(HttpsConnection& connection,
                                                               const Request& request,
                                                               const WireRequest& wire) {
    if (!needs_handshake(connection)) {
      auto outcome = connection.exchange(wire.text, wire.head, options_.read_timeout,
                                         options_.max_response_bytes);
      auto* response = std::get_if<Response>(&outcome);
      if (!response || response->status != 401 || !authenticator_) return outcome;
      if (every_request_) return per_request_refusal(std::move(*response));
      return forgotten(connection, request);
    }
    return handshake(connection, request);
  }

  // A 401 on a connection the server had logged in: it forgot the login (a load balancer moved
  // the connection, or IIS keeps none). One new handshake on it; or, when the server also
  // closed it, a fresh connection (send() opens one once for a failure "closed unanswered").
  std::variant<Response, HttpsConnection::Failure> forgotten(HttpsConnection& connection,
                                                             const Request& request) {
    connection.set_authenticated(false);
    if (!connection.reusable())
      return HttpsConnection::Failure{
          TransportError{where_ + "the server forgot the login and closed the connection", true},
          true};
    return handshake(connection, request);
  }

  // send_many()'s answer to a 401 on a logged-in connection: forgotten(), waited for, on a fresh
  // connection when the server closed this one.
  std::variant<Response, TransportError> log_in_again(std::unique_ptr<HttpsConnection>& connection,
                                                      const Request& request) {
    auto again = forgotten(*connection, request);
    if (auto* failure = std::get_if<HttpsConnection::Failure>(&again)) {
      if (!failure->closed_unanswered) return failure->error;
      std::variant<std::unique_ptr<HttpsConnection>, TransportError> opened = open();
      if (auto* error = std::get_if<TransportError>(&opened)) {
        connection.reset();
        return *error;
      }
      connection = std::move(std::get<std::unique_ptr<HttpsConnection>>(opened));
      again = handshake(*connection, request);
    }
    if (auto* response = std::get_if<Response>(&again)) return std::move(*response);
    return std::get<HttpsConnection::Failure>(again).error;
  }

  // A 401 to a per-request value (Basic, WinRM's certificate): the response as it is (a wrong
  // password), or an error when what the server offers says more (Basic not offered).
  std::variant<Response, HttpsConnection::Failure> per_request_refusal(Response response) {
    Result<std::vector<Challenge>> offered = read_challenges(response);
    if (offered.ok())
      if (std::optional<std::string> why = authenticator_->refusal(*offered)) return refused(*why);
    return response;
  }

  HttpsConnection::Failure refused(const std::string& why) const {
    TransportError error{where_ + "cannot authenticate " + authenticator_->who() + ": " + why,
                         false};
    error.authentication = true;
    return HttpsConnection::Failure{std::move(error), false};
  }

  // The connection-level handshake, carrying `request` in every leg: the legs the server asks
  // for on this connection, at most kMaxLegs, then its answer to the last one. The server's
  // 401 that names other schemes than the one tried makes the client choose again, once.
  std::variant<Response, HttpsConnection::Failure> handshake(HttpsConnection& connection,
                                                             const Request& request) {
    constexpr int kMaxLegs = 4;
    X509* certificate = connection.peer().leaf.get();
    // Every connection starts with the settings' own scheme and chooses again only from its own
    // 401: one odd answer must not steer later connections (to NTLM, or to nothing).
    Result<std::unique_ptr<ConnectionAuth>> auth = authenticator_->begin(certificate, {});
    if (!auth.ok()) return refused(auth.errors().front().message);
    Result<std::string> value = (*auth)->first();
    bool chose_again = false;
    for (int leg = 0; leg < kMaxLegs; ++leg) {
      if (!value.ok()) return refused(value.errors().front().message);
      auto outcome = build_and_exchange(connection, request, &*value);
      auto* response = std::get_if<Response>(&outcome);
      if (!response) return outcome;
      Result<std::vector<Challenge>> challenges = read_challenges(*response);
      if (!challenges.ok()) return refused(challenges.errors().front().message);
      const Challenge* ours = nullptr;  // the last of our scheme
      for (const Challenge& challenge : *challenges)
        if (iequals(challenge.scheme, (*auth)->scheme())) ours = &challenge;
      if (response->status != 401) {
        // A 400 (a token too large for the server) or a proxy's 503 logs nobody in.
        if (response->status < 200 || response->status >= 400) return outcome;
        Status finished = (*auth)->finish(ours ? ours->token : "");
        if (!finished.ok())
          return refused(finished.errors().front().message +
                         " (the server may have carried out the request)");
        connection.set_authenticated(true);
        if (sealing()) connection.keep_login(std::move(auth).value());
        return outcome;
      }
      const bool more = ours && !ours->token.empty();
      if (!more && !ours && !chose_again && !challenges->empty()) {
        chose_again = true;
        auth = authenticator_->begin(certificate, *challenges);
        if (!auth.ok()) return refused(auth.errors().front().message);
        value = (*auth)->first();
      } else if (more) {
        value = (*auth)->next(ours->token);
      } else {
        return outcome;  // refused: the caller says so, with its words
      }
      if (!connection.reusable())
        return HttpsConnection::Failure{
            TransportError{where_ + "the server closed the connection in the middle of the " +
                               std::string((*auth)->scheme()) + " handshake",
                           true},
            false};
    }
    return refused("the server asked for more than " + std::to_string(kMaxLegs) +
                   " legs of the handshake");
  }

  std::unique_ptr<HttpsConnection> take_idle() {
    std::lock_guard lock(pool_mutex_);
    if (idle_.empty()) return nullptr;
    std::unique_ptr<HttpsConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
  }

  void give_back(std::unique_ptr<HttpsConnection> connection) {
    std::lock_guard lock(pool_mutex_);
    if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(connection));
    // else: closed here. That is cheap; there is no TLS shutdown round trip.
  }

  std::variant<std::unique_ptr<HttpsConnection>, TransportError> open() {
    std::variant<std::vector<tcp::endpoint>, TransportError> addresses = resolve();
    if (auto* error = std::get_if<TransportError>(&addresses)) return *error;
    auto connection = std::make_unique<HttpsConnection>(sealing() ? nullptr : tls_.get(),
                                                        endpoint_.host, endpoint_.port);
    std::optional<TransportError> failed =
        connection->open(std::get<std::vector<tcp::endpoint>>(addresses), options_.connect_timeout);
    if (failed) {
      // Addresses may have moved; look them up again next time.
      std::lock_guard lock(resolve_mutex_);
      resolved_.clear();
      return *failed;
    }
    ++opened_;
    return connection;
  }

  // Looked up once a minute at most, so that a burst of new connections asks the resolver once.
  std::variant<std::vector<tcp::endpoint>, TransportError> resolve() {
    auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(resolve_mutex_);
      if (!resolved_.empty() && now - resolved_at_ < std::chrono::minutes(1)) return resolved_;
    }
    auto addresses = resolve_destination(destination_, where_);
    if (auto* endpoints = std::get_if<std::vector<tcp::endpoint>>(&addresses)) {
      std::lock_guard lock(resolve_mutex_);
      resolved_ = *endpoints;
      resolved_at_ = now;
    }
    return addresses;
  }

  HttpsUrl endpoint_;
  ClientOptions options_;
  std::shared_ptr<Authenticator> authenticator_;
  std::optional<std::string> every_request_ =
      authenticator_ ? authenticator_->every_request() : std::nullopt;
  std::shared_ptr<net::ssl::context> tls_;
  Destination destination_;
  std::string where_;

  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<HttpsConnection>> idle_;
  std::atomic<size_t> opened_{0};

  std::mutex resolve_mutex_;
  std::vector<tcp::endpoint> resolved_;
  std::chrono::steady_clock::time_point resolved_at_;
};

}  // namespace

void HttpsClient::send_many(unsigned, const NextRequest& next, const RequestDone& done) {
  for (size_t k = 0;; ++k) {
    std::optional<Request> request = next(k);
    if (!request || !done(k, send(std::move(*request)))) return;
  }
}

std::string Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
  return "";
}

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(
    const HttpsUrl& endpoint, ClientOptions options, std::shared_ptr<Authenticator> authenticator) {
  try {
    if (endpoint.host.empty()) return make_error("the URL has no host");
    // Plain HTTP only where every body is sealed: never a password or a message in clear.
    if (!endpoint.tls && !(authenticator && authenticator->seals_messages()))
      return make_error(endpoint.text() +
                        " is plain http, which only Kerberos, NTLM or "
                        "Negotiate with message encryption may use: use https");
    Result<std::shared_ptr<net::ssl::context>> tls =
        make_client_tls_context(options.ca_file, options.client_certificate);
    if (!tls.ok()) return tls.take_errors();
    return std::unique_ptr<HttpsClient>(std::make_unique<PooledHttpsClient>(
        endpoint, std::move(options), std::move(authenticator), std::move(tls).value()));
  } catch (const std::exception& e) {
    return make_error("cannot create the HTTPS client for " + endpoint.text() + ": " + e.what());
  }
}

}  // namespace sd::http
