#include "lab/server/lab_session.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <type_traits>

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

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using PlainStream = beast::tcp_stream;

template <class Stream>
class Session : public LabSession, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  template <class... StreamArgs>
  Session(SessionHost& host, tcp::socket socket, StreamArgs&... args)
      : stream_(std::move(socket), args...), timer_(stream_.get_executor()), host_(host) {}
  ~Session() override { host_.forget(this); }

  void start() override {
    if constexpr (kTls)
      net::dispatch(stream_.get_executor(),
                    beast::bind_front_handler(&Session::handshake, this->shared_from_this()));
    else
      net::dispatch(stream_.get_executor(),
                    beast::bind_front_handler(&Session::read_request, this->shared_from_this()));
  }
  void close_now() override {
    error_code ec;
    timer_.cancel(ec);
    lowest().close();
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void handshake() {
    lowest().expires_after(kHandshakeTimeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = this->shared_from_this()](error_code ec) {
                              if (!ec) self->read_request();
                            });
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(host_.max_body());
    lowest().expires_after(kIdleTimeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
  }

  void on_header(error_code ec, size_t) {
    if (ec == bhttp::error::header_limit) return refuse(431, "request headers too large");
    // The parser checks Content-Length against body_limit as soon as the head is read.
    if (ec == bhttp::error::body_limit) return refuse(413, "request body too large");
    if (ec) return;  // closed, timed out or not HTTP: drop the connection
    if (parser_->content_length() && *parser_->content_length() > host_.max_body())
      return refuse(413, "request body too large");
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_body, this->shared_from_this()));
  }

  void on_body(error_code ec, size_t) {
    if (ec == bhttp::error::body_limit) return refuse(413, "request body too large");
    if (ec) return;
    auto& request = parser_->get();
    version_ = request.version();
    keep_alive_ = request.keep_alive();
    auto view = [](beast::string_view text) { return std::string_view(text.data(), text.size()); };
    HttpRequest seen;
    seen.method = view(request.method_string());
    seen.target = view(request.target());
    seen.authorization = view(request[bhttp::field::authorization]);
    seen.content_type = view(request[bhttp::field::content_type]);
    seen.body = request.body();
    seen.tls = kTls;
    decision_ = host_.handler().handle(seen, login_);
    if (decision_.delay.count() <= 0) return act();
    timer_.expires_after(decision_.delay);
    timer_.async_wait([self = this->shared_from_this()](error_code wait_ec) {
      if (!wait_ec) self->act();
    });
  }

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
    lowest().expires_after(kWriteTimeout);
    bhttp::async_write(stream_, response_,
                       [self = this->shared_from_this()](error_code ec, size_t) {
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
    lowest().expires_after(kDrainTimeout);
    hold();
  }

  // RST: SO_LINGER with a zero timeout makes close() abort the connection.
  void reset() {
    error_code ec;
    auto& socket = lowest().socket();
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
    lowest().expires_after(kWriteTimeout);
    net::async_write(stream_, net::buffer(raw_),
                     [self = this->shared_from_this()](error_code ec, size_t) {
                       if (ec) return;
                       self->lowest().expires_after(kStallHold);
                       self->hold();
                     });
  }

  // Reads and drops whatever the client sends until it closes or the deadline passes.
  void hold() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = this->shared_from_this()](error_code ec, size_t) {
                              if (!ec) return self->hold();
                              self->lowest().close();
                            });
  }

  void shutdown() {
    if constexpr (kTls) {
      lowest().expires_after(kShutdownTimeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](error_code) { self->lowest().close(); });
    } else {
      // The answer is written: end our side, then close.
      error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      lowest().close();
    }
  }

  Stream stream_;
  net::steady_timer timer_;
  SessionHost& host_;
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

}  // namespace

std::shared_ptr<LabSession> make_tls_session(tcp::socket socket, net::ssl::context& tls,
                                             SessionHost& host) {
  return std::make_shared<Session<TlsStream>>(host, std::move(socket), tls);
}

std::shared_ptr<LabSession> make_plain_session(tcp::socket socket, SessionHost& host) {
  return std::make_shared<Session<PlainStream>>(host, std::move(socket));
}

}  // namespace sd::lab
