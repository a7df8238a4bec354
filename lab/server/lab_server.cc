// The lab's server on Boost.Beast: an HTTPS listener and a plain HTTP one, one strand per
// connection (lab_session.h), a pool of threads running one io_context. What to answer is
// decided by RequestHandler; the sessions move bytes and keep time.
#include "lab/server/lab_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "lab/server/certificates.h"
#include "lab/server/lab_session.h"
#include "lab/server/request_handler.h"

namespace sd::lab {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

// A listening socket and what makes a session of each connection it accepts.
struct Listener {
  explicit Listener(net::io_context& ioc) : acceptor(ioc), retry(ioc) {}
  tcp::acceptor acceptor;
  net::steady_timer retry;
  std::function<std::shared_ptr<LabSession>(tcp::socket)> make_session;
  uint16_t port = 0;
};

class LabServerImpl : public LabServer, public SessionHost {
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
        *state_, options_.faults, std::make_unique<WindowsAuth>(options_.auth, certs_.cert_file),
        options_.max_request_bytes, options_.log);
    https_.make_session = [this](tcp::socket socket) {
      return make_tls_session(std::move(socket), tls_, *this);
    };
    if (Status listening = listen(https_, options_.port); !listening.ok()) return listening;
    if (!options_.serve_http) return ok_status();
    http_ = std::make_unique<Listener>(ioc_);
    http_->make_session = [this](tcp::socket socket) {
      return make_plain_session(std::move(socket), *this);
    };
    return listen(*http_, options_.http_port);
  }

  void run() {
    do_accept(https_);
    if (http_) do_accept(*http_);
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

  uint16_t port() const override { return https_.port; }
  uint16_t http_port() const override { return http_ ? http_->port : 0; }
  std::string ca_file() const override { return certs_.ca_file; }
  std::string ews_url() const override {
    return "https://127.0.0.1:" + std::to_string(https_.port) + std::string(kEwsPath);
  }
  LabStats stats() const override { return handler_->stats(); }
  LabState& state() override { return *state_; }
  RequestHandler& handler() override { return *handler_; }
  uint64_t max_body() const override { return options_.max_request_bytes; }

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
    https_.acceptor.close(ec);
    if (http_) http_->acceptor.close(ec);
    std::vector<std::shared_ptr<LabSession>> open;
    {
      std::lock_guard sessions(sessions_mutex_);
      for (auto& [raw, weak] : sessions_)
        if (auto session = weak.lock()) open.push_back(std::move(session));
    }
    for (auto& session : open) session->close_now();
  }

  void forget(LabSession* session) override {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
  }

 private:
  Status listen(Listener& listener, uint16_t port) {
    error_code ec;
    net::ip::address address = net::ip::make_address(options_.bind_address, ec);
    if (ec)
      return make_error("the bind address '" + options_.bind_address + "' is not an IP address");
    tcp::endpoint endpoint(address, port);
    std::string where = options_.bind_address + ":" + std::to_string(port);
    tcp::acceptor& acceptor = listener.acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return make_error("cannot listen on " + where + ": " + ec.message());
    listener.port = acceptor.local_endpoint(ec).port();
    return ok_status();
  }

  void do_accept(Listener& listener) {
    listener.acceptor.async_accept(
        net::make_strand(ioc_), [this, &listener](error_code ec, tcp::socket socket) {
          if (ec == net::error::operation_aborted || !listener.acceptor.is_open()) return;
          if (ec) {
            // Out of descriptors or memory: try again a little later instead of spinning.
            listener.retry.expires_after(100ms);
            listener.retry.async_wait([this, &listener](error_code wait_ec) {
              if (!wait_ec) do_accept(listener);
            });
            return;
          }
          {
            error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::shared_ptr<LabSession> session = listener.make_session(std::move(socket));
            {
              std::lock_guard lock(sessions_mutex_);
              sessions_.emplace(session.get(), session);
            }
            session->start();
          }
          do_accept(listener);
        });
  }

  LabOptions options_;
  std::unique_ptr<LabState> state_;
  CertificateFiles certs_;
  net::ssl::context tls_{net::ssl::context::tls_server};
  std::unique_ptr<RequestHandler> handler_;
  std::mutex sessions_mutex_;
  std::unordered_map<LabSession*, std::weak_ptr<LabSession>> sessions_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
  // Last: destroyed first, taking the sessions its pending handlers hold with it.
  net::io_context ioc_;
  Listener https_{ioc_};
  std::unique_ptr<Listener> http_;  // when serving plain HTTP
  std::vector<std::thread> threads_;
};

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
