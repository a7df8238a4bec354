// The lab's HTTPS server on Boost.Beast: one strand per connection, a pool of threads running
// one io_context, keep-alive, and the injected faults carried out on the wire. What to answer
// is decided by RequestHandler; this file only moves bytes and keeps time.
#include "lab/server/lab_server.h"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "lab/server/certificates.h"
#include "lab/server/request_handler.h"

namespace sd::lab {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kIdleTimeout = 120s;  // IIS's connection timeout
constexpr auto kWriteTimeout = 30s;
constexpr auto kStallHold = 30s;
constexpr auto kShutdownTimeout = 2s;
constexpr auto kDrainTimeout = 5s;

class LabServerImpl;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, net::ssl::context& tls, LabServerImpl& server)
      : stream_(std::move(socket), tls), timer_(stream_.get_executor()), server_(server) {}
  ~Session();

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::handshake, shared_from_this()));
  }
  // Closes the socket; only while no thread runs the io_context (LabServer::stop).
  void close_now() {
    error_code ec;
    timer_.cancel(ec);
    beast::get_lowest_layer(stream_).close();
  }

 private:
  void handshake() {
    beast::get_lowest_layer(stream_).expires_after(kHandshakeTimeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = shared_from_this()](error_code ec) {
                              if (!ec) self->read_request();
                            });
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(max_body());
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(error_code ec, size_t) {
    if (ec == bhttp::error::header_limit) return refuse(431, "request headers too large");
    // The parser checks Content-Length against body_limit as soon as the head is read.
    if (ec == bhttp::error::body_limit) return refuse(413, "request body too large");
    if (ec) return;  // closed, timed out or not HTTP: drop the connection
    if (parser_->content_length() && *parser_->content_length() > max_body())
      return refuse(413, "request body too large");
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_body, shared_from_this()));
  }

  void on_body(error_code ec, size_t);

  void act() {
    switch (decision_.action) {
      case Decision::Action::Reset:
        return reset();
      case Decision::Action::Stall:
        return stall();
      case Decision::Action::Answer:
        break;
    }
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<unsigned>(decision_.answer.status));
    for (auto& [name, value] : decision_.answer.headers) response_.insert(name, value);
    response_.body() = std::move(decision_.answer.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    write();
  }

  void write() {
    beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
    bhttp::async_write(stream_, response_, [self = shared_from_this()](error_code ec, size_t) {
      self->decision_.ticket.release();
      if (ec) return;
      if (self->unread_body_) return self->drain();
      if (!self->response_.keep_alive()) return self->shutdown();
      self->read_request();
    });
  }

  // An answer that ends the connection (413, 431): the rest of the request is never read.
  void refuse(unsigned status, std::string_view text) {
    decision_ = {};
    decision_.answer = HttpAnswer{static_cast<int>(status),
                                  {{"Content-Type", "text/plain; charset=utf-8"}},
                                  std::to_string(status) + " " + std::string(text) + "\n"};
    keep_alive_ = false;
    unread_body_ = true;
    act();
  }

  // After refusing a request whose body was not read: closing now, with the body still
  // arriving, would reset the connection and the client could lose the answer. The rest is
  // read and dropped until the client closes (it has its answer) or kDrainTimeout passes.
  void drain() {
    beast::get_lowest_layer(stream_).expires_after(kDrainTimeout);
    hold();
  }

  // RST: SO_LINGER with a zero timeout makes close() abort the connection.
  void reset() {
    error_code ec;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.set_option(net::socket_base::linger(true, 0), ec);
    socket.close(ec);
  }

  // The head and half the body, then silence until the client leaves or kStallHold passes.
  void stall() {
    const HttpAnswer& answer = decision_.answer;
    raw_ = "HTTP/1.1 " + std::to_string(answer.status) + " " +
           std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(answer.status))) + "\r\n";
    for (const auto& [name, value] : answer.headers) raw_ += name + ": " + value + "\r\n";
    raw_ += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n\r\n";
    raw_ += answer.body.substr(0, answer.body.size() / 2);
    beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
    net::async_write(stream_, net::buffer(raw_),
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (ec) return;
                       beast::get_lowest_layer(self->stream_).expires_after(kStallHold);
                       self->hold();
                     });
  }

  // Reads and drops whatever the client sends until it closes or the deadline passes.
  void hold() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](error_code ec, size_t) {
                              if (!ec) return self->hold();
                              beast::get_lowest_layer(self->stream_).close();
                            });
  }

  void shutdown() {
    beast::get_lowest_layer(stream_).expires_after(kShutdownTimeout);
    stream_.async_shutdown([self = shared_from_this()](error_code) {
      beast::get_lowest_layer(self->stream_).close();
    });
  }

  [[nodiscard]] uint64_t max_body() const;

  beast::ssl_stream<beast::tcp_stream> stream_;
  net::steady_timer timer_;
  LabServerImpl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  Decision decision_;
  ConnectionLogin login_;  // the connection's Negotiate or NTLM login, kept across requests
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool unread_body_ = false;
  std::string raw_;
  std::array<char, 4096> scratch_{};
};

class LabServerImpl : public LabServer {
 public:
  explicit LabServerImpl(LabOptions options)
      : options_(std::move(options)), ioc_(static_cast<int>(std::max(1u, options_.threads))) {}
  ~LabServerImpl() override { stop(); }

  Status open() {
    Result<std::unique_ptr<LabState>> state =
        LabState::open(options_.state_file, options_.directory_file);
    if (!state.ok()) return state.take_errors();
    state_ = std::move(*state);
    CertificateOptions names;
    names.names = state_->hostnames();
    Result<CertificateFiles> certs = ensure_certificates(options_.cert_dir, names);
    if (!certs.ok()) return certs.take_errors();
    certs_ = *certs;
    error_code ec;
    tls_.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                         net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                         net::ssl::context::no_tlsv1_1,
                     ec);
    if (!ec) tls_.use_certificate_chain_file(certs_.cert_file, ec);
    if (!ec) tls_.use_private_key_file(certs_.key_file, net::ssl::context::pem, ec);
    if (ec)
      return make_error("cannot load the lab's certificate: " + ec.message(),
                        Location{certs_.cert_file});
    handler_ = std::make_unique<RequestHandler>(
        *state_, options_.faults, std::make_unique<WindowsAuth>(options_.auth, certs_.cert_file));
    return listen();
  }

  void run() {
    do_accept();
    for (unsigned i = 0; i < std::max(1u, options_.threads); ++i)
      threads_.emplace_back([this] {
        // A handler that throws (out of memory) must not take the process down.
        for (;;) {
          try {
            ioc_.run();
            return;
          } catch (const std::exception&) {
          }
        }
      });
  }

  uint16_t port() const override { return port_; }
  std::string ca_file() const override { return certs_.ca_file; }
  std::string ews_url() const override {
    return "https://127.0.0.1:" + std::to_string(port_) + std::string(kEwsPath);
  }
  LabStats stats() const override { return handler_->stats(); }
  LabState& state() override { return *state_; }
  RequestHandler& handler() { return *handler_; }
  uint64_t max_body() const { return options_.max_request_bytes; }

  void stop() override {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    // Stopping the io_context abandons every pending operation, stalled ones included; with
    // no thread left running it, the sockets can be closed from here.
    ioc_.stop();
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
    error_code ec;
    acceptor_.close(ec);
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard sessions(sessions_mutex_);
      for (auto& [raw, weak] : sessions_)
        if (auto session = weak.lock()) open.push_back(std::move(session));
    }
    for (auto& session : open) session->close_now();
  }

  void forget(Session* session) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
  }

 private:
  Status listen() {
    error_code ec;
    net::ip::address address = net::ip::make_address(options_.bind_address, ec);
    if (ec)
      return make_error("the bind address '" + options_.bind_address + "' is not an IP address");
    tcp::endpoint endpoint(address, options_.port);
    std::string where = options_.bind_address + ":" + std::to_string(options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return make_error("cannot listen on " + where + ": " + ec.message());
    port_ = acceptor_.local_endpoint(ec).port();
    return ok_status();
  }

  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // Out of descriptors or memory: try again a little later instead of spinning.
        accept_retry_.expires_after(100ms);
        accept_retry_.async_wait([this](error_code wait_ec) {
          if (!wait_ec) do_accept();
        });
        return;
      }
      {
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto session = std::make_shared<Session>(std::move(socket), tls_, *this);
        {
          std::lock_guard lock(sessions_mutex_);
          sessions_.emplace(session.get(), session);
        }
        session->start();
      }
      do_accept();
    });
  }

  LabOptions options_;
  std::unique_ptr<LabState> state_;
  CertificateFiles certs_;
  net::ssl::context tls_{net::ssl::context::tls_server};
  std::unique_ptr<RequestHandler> handler_;
  std::mutex sessions_mutex_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
  uint16_t port_ = 0;
  // Last: destroyed first, taking the sessions its pending handlers hold with it.
  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  net::steady_timer accept_retry_{ioc_};
  std::vector<std::thread> threads_;
};

Session::~Session() {
  server_.forget(this);
}

uint64_t Session::max_body() const {
  return server_.max_body();
}

void Session::on_body(error_code ec, size_t) {
  if (ec == bhttp::error::body_limit) return refuse(413, "request body too large");
  if (ec) return;
  auto& request = parser_->get();
  version_ = request.version();
  keep_alive_ = request.keep_alive();
  auto view = [](beast::string_view text) { return std::string_view(text.data(), text.size()); };
  decision_ =
      server_.handler().handle(view(request.method_string()), view(request.target()),
                               view(request[bhttp::field::authorization]), request.body(), login_);
  if (decision_.delay.count() <= 0) return act();
  timer_.expires_after(decision_.delay);
  timer_.async_wait([self = shared_from_this()](error_code wait_ec) {
    if (!wait_ec) self->act();
  });
}

}  // namespace

Result<std::unique_ptr<LabServer>> LabServer::start(LabOptions options) {
  try {
    auto server = std::make_unique<LabServerImpl>(std::move(options));
    Status opened = server->open();
    if (!opened.ok()) return opened.take_errors();
    server->run();
    return std::unique_ptr<LabServer>(std::move(server));
  } catch (const std::exception& e) {
    return make_error(std::string("cannot start the lab: ") + e.what());
  }
}

}  // namespace sd::lab
