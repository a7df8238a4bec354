#include "tls_test_server_support.h"

#include <stdlib.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <filesystem>
#include <stdexcept>

namespace sd::test {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

struct TlsTestServer::Impl {
  net::io_context io;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{io};
};

std::string ReceivedRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](unsigned char a, unsigned char b) {
          return std::tolower(a) == std::tolower(b);
        }))
      return value;
  }
  return "";
}

TlsTestServer::TlsTestServer(std::vector<std::string> names, int valid_days)
    : impl_(std::make_unique<Impl>()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "sdtls-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  lab::CertificateOptions options;
  options.names = std::move(names);
  options.valid_days = valid_days;
  Result<lab::CertificateFiles> files = lab::ensure_certificates(dir_, options);
  if (!files.ok()) throw std::runtime_error(files.errors().front().message);
  files_ = *files;
  impl_->tls.use_certificate_chain_file(files_.cert_file);
  impl_->tls.use_private_key_file(files_.key_file, ssl::context::pem);

  tcp::endpoint local(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(local.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(local);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  answer_ = [](unsigned, const ReceivedRequest&) { return TestAnswer{}; };
  acceptor_thread_ = std::thread([this] { accept_loop(); });
}

TlsTestServer::~TlsTestServer() {
  stopping_ = true;
  // A connection of our own wakes the blocking accept().
  {
    error_code ignored;
    tcp::socket waker(impl_->io);
    waker.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ignored);
    acceptor_thread_.join();
  }
  {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& thread : connection_threads_) thread.join();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void TlsTestServer::script(std::function<TestAnswer(unsigned, const ReceivedRequest&)> answer) {
  std::lock_guard lock(mutex_);
  answer_ = std::move(answer);
}

std::string TlsTestServer::url(const std::string& target) const {
  return "https://127.0.0.1:" + std::to_string(port_) + target;
}

std::vector<ReceivedRequest> TlsTestServer::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

void TlsTestServer::accept_loop() {
  for (;;) {
    tcp::socket socket(impl_->io);
    error_code ec;
    impl_->acceptor.accept(socket, ec);
    if (stopping_) return;
    if (ec) continue;
    ++connections_;
    std::lock_guard lock(mutex_);
    open_fds_.push_back(socket.native_handle());
    connection_threads_.emplace_back([this, s = std::make_shared<tcp::socket>(std::move(
                                                socket))]() mutable { serve(std::move(*s)); });
  }
}

TestAnswer TlsTestServer::answer_for(const ReceivedRequest& request) {
  std::function<TestAnswer(unsigned, const ReceivedRequest&)> answer;
  unsigned number = 0;
  {
    std::lock_guard lock(mutex_);
    received_.push_back(request);
    answer = answer_;
    number = requests_++;
  }
  return answer(number, request);
}

void TlsTestServer::serve(tcp::socket socket) {
  int fd = socket.native_handle();
  {
    ssl::stream<tcp::socket&> stream(socket, impl_->tls);
    error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    boost::beast::flat_buffer buffer;
    while (!ec) {
      bhttp::request<bhttp::string_body> request;
      bhttp::read(stream, buffer, request, ec);
      if (ec) break;
      unsigned now = ++in_flight_;
      for (unsigned most = max_in_flight_;
           now > most && !max_in_flight_.compare_exchange_weak(most, now);) {
      }
      ReceivedRequest received{
          std::string(request.method_string()), std::string(request.target()), {}, request.body()};
      for (const auto& field : request)
        received.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      TestAnswer answer = answer_for(received);
      if (answer.delay.count() > 0) std::this_thread::sleep_for(answer.delay);

      if (answer.kind == TestAnswer::Pieces) {
        --in_flight_;
        // One write per piece: a TLS record each, the gap letting the client read it alone.
        for (size_t i = 0; i < answer.pieces.size() && !ec; ++i) {
          if (i > 0) std::this_thread::sleep_for(answer.gap);
          net::write(stream, net::buffer(answer.pieces[i]), ec);
        }
        if (answer.close_after_pieces) {
          ::SSL_shutdown(stream.native_handle());  // close_notify, without waiting for the reply
          break;
        }
        continue;
      }
      if (answer.kind == TestAnswer::HalfThenStall || answer.kind == TestAnswer::HalfThenClose) {
        std::string half = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(10, 'x');
        net::write(stream, net::buffer(half), ec);
      }
      if (answer.kind == TestAnswer::HalfThenStall || answer.kind == TestAnswer::Stall) {
        if (!ec) {
          char byte;  // until the client goes away or the server stops
          socket.read_some(net::buffer(&byte, 1), ec);
        }
      }
      if (answer.kind == TestAnswer::CloseWithoutAnswer ||
          answer.kind == TestAnswer::HalfThenStall || answer.kind == TestAnswer::HalfThenClose ||
          answer.kind == TestAnswer::Stall) {
        --in_flight_;
        break;
      }
      bhttp::response<bhttp::string_body> response{
          static_cast<bhttp::status>(answer.kind == TestAnswer::Throttle503 ? 503 : answer.status),
          11};
      for (const auto& [name, value] : answer.headers) response.set(name, value);
      if (answer.kind == TestAnswer::Throttle503) response.set("Retry-After", answer.retry_after);
      response.body() =
          answer.kind == TestAnswer::HugeBody ? std::string(answer.huge_bytes, 'x') : answer.body;
      response.keep_alive(answer.kind != TestAnswer::NoKeepAlive);
      response.prepare_payload();
      if (answer.chunked) response.chunked(true);
      // Out of flight before the write: once the client has the answer it may send the next
      // request on another connection, which must not find this one still counted.
      --in_flight_;
      bhttp::write(stream, response, ec);
      if (answer.kind == TestAnswer::NoKeepAlive || answer.kind == TestAnswer::CloseAfterAnswer)
        break;
    }
  }
  std::lock_guard lock(mutex_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  error_code ignored;
  socket.close(ignored);
}

uint16_t unused_port() {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

std::unique_ptr<http::HttpsClient> client_of(const TlsTestServer& server,
                                             http::ClientOptions options) {
  Result<http::HttpsUrl> url = http::parse_https_url(server.url());
  if (!url.ok()) throw std::runtime_error(url.errors().front().message);
  if (options.ca_file.empty()) options.ca_file = server.certificates().ca_file;
  if (options.read_timeout == http::ClientOptions{}.read_timeout)
    options.read_timeout = std::chrono::milliseconds(5000);
  Result<std::unique_ptr<http::HttpsClient>> client =
      http::HttpsClient::create(*url, std::move(options), nullptr);
  if (!client.ok()) throw std::runtime_error(client.errors().front().message);
  return std::move(client).value();
}

}  // namespace sd::test
