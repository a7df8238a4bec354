#include "tests/lab/sealing_client_support.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <cstring>

#include "base/base64.h"
#include "base/text_checks.h"
#include "runtime/http/gss_initiator.h"

namespace sd::test {

struct TestInitiator::Gss {
  std::shared_ptr<http::GssInitiator> initiator;
  std::unique_ptr<http::GssHandshake> handshake;
};

TestInitiator::TestInitiator(Mech mech, const std::string& user, const std::string& password)
    : mech_(mech), gss_(std::make_unique<Gss>()) {
  http::GssSettings settings;
  // SPNEGO offering Kerberos first (a password for a UPN gets Kerberos), SPNEGO limited to
  // NTLM, or NTLMSSP bare.
  settings.mechanism = mech == Mech::Kerberos ? http::GssSettings::Mechanism::Negotiate
                                              : http::GssSettings::Mechanism::Ntlm;
  settings.user = user;
  settings.password = password;
  settings.service = "HTTP/exch01.example.local";
  settings.seal_messages = true;
  gss_->initiator = http::GssInitiator::create(settings);
  Result<std::unique_ptr<http::GssHandshake>> started =
      gss_->initiator->start("", mech == Mech::Ntlm);
  if (!started.ok()) FAIL(started.errors().front().message);
  gss_->handshake = std::move(started).value();
}

TestInitiator::~TestInitiator() = default;

std::string TestInitiator::step(const std::string& server) {
  std::string input;
  if (!server.empty()) REQUIRE(base64_decode(server, input));
  Result<std::string> token = gss_->handshake->step(input);
  if (!token.ok()) FAIL(token.errors().front().message);
  complete_ = gss_->handshake->complete();
  return *token;
}

std::string TestInitiator::authorization(const std::string& server) {
  return std::string(scheme()) + " " + base64_encode(step(server));
}

void TestInitiator::finish(const std::string& server) {
  if (!complete_ && !server.empty()) (void)step(server);
  REQUIRE(complete_);
}

wsman::SealedPart TestInitiator::seal(std::string_view plain) {
  Result<http::SealedMessage> sealed = gss_->handshake->seal(plain);
  if (!sealed.ok()) FAIL(sealed.errors().front().message);
  return wsman::SealedPart{sealed->header, sealed->data, plain.size()};
}

Result<std::string> TestInitiator::unseal(const wsman::SealedPart& part) {
  Result<std::string> plain = gss_->handshake->unseal(part.header, part.data);
  if (!plain.ok()) return plain.take_errors();
  if (plain->size() != part.plain_length) return make_error("the length is not OriginalContent's");
  return plain;
}

// ---- HTTP ------------------------------------------------------------------------------------

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string RawAnswer::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
  return "";
}

std::vector<std::string> RawAnswer::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) out.push_back(value);
  return out;
}

std::string RawAnswer::token(std::string_view scheme) const {
  for (const std::string& value : all("WWW-Authenticate"))
    if (value.size() > scheme.size() + 1 && iequals(value.substr(0, scheme.size()), scheme) &&
        value[scheme.size()] == ' ')
      return value.substr(scheme.size() + 1);
  return "";
}

struct PlainConnection::Socket {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

PlainConnection::PlainConnection(uint16_t port) : socket_(std::make_unique<Socket>()) {
  socket_->stream.expires_after(std::chrono::seconds(10));
  socket_->stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
}

PlainConnection::~PlainConnection() = default;

RawAnswer PlainConnection::post(std::string_view path, std::string_view body,
                                const std::vector<std::pair<std::string, std::string>>& headers) {
  bhttp::request<bhttp::string_body> request(bhttp::verb::post, std::string(path), 11);
  request.set(bhttp::field::host, "exch01.example.local");
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = std::string(body);
  request.prepare_payload();
  socket_->stream.expires_after(std::chrono::seconds(10));
  bhttp::write(socket_->stream, request);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(16u << 20);
  bhttp::read(socket_->stream, socket_->buffer, parser);
  const auto& response = parser.get();
  RawAnswer answer;
  answer.status = static_cast<int>(response.result_int());
  for (const auto& field : response)
    answer.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  answer.body = response.body();
  return answer;
}

RawAnswer log_in(PlainConnection& connection, TestInitiator& initiator, std::string_view path) {
  std::string server;
  for (int leg = 0; leg < 4; ++leg) {
    RawAnswer answer = connection.post(path, "",
                                       {{"Authorization", initiator.authorization(server)},
                                        {"Content-Type", "application/soap+xml;charset=UTF-8"}});
    server = answer.token(initiator.scheme());
    if (answer.status != 401 || server.empty()) {
      if (answer.status == 200) initiator.finish(server);
      return answer;
    }
  }
  FAIL("the handshake did not end in 4 legs");
  return {};
}

SealedAnswer post_sealed(PlainConnection& connection, TestInitiator& initiator,
                         std::string_view path, std::string_view soap) {
  SealedAnswer out;
  const std::string body = wsman::encrypted_body({initiator.seal(soap)});
  out.sent_bytes = body.size();
  out.raw = connection.post(path, body, {{"Content-Type", wsman::encrypted_content_type(1)}});
  out.sealed = wsman::is_encrypted_content_type(out.raw.header("Content-Type"));
  if (!out.sealed) return out;
  Result<std::vector<wsman::SealedPart>> parts =
      wsman::parse_encrypted_body(out.raw.header("Content-Type"), out.raw.body, 16u << 20);
  if (!parts.ok()) FAIL("the answer's framing: " << parts.errors().front().message);
  for (const wsman::SealedPart& part : *parts) {
    Result<std::string> plain = initiator.unseal(part);
    if (!plain.ok()) {
      out.unseal_error = plain.errors().front().message;
      out.soap.clear();
      return out;
    }
    out.soap += *plain;
  }
  return out;
}

}  // namespace sd::test
