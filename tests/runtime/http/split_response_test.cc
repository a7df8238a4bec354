// Responses that arrive in pieces: the header block in one TLS record and the body in others,
// as servers and proxies in front of IIS write them. Both send() and send_many() must read them
// whole, whatever the split, and still enforce the size limit.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "runtime/http/https_client.h"
#include "tests/runtime/http/http_support.h"
#include "tests/runtime/http/tls_test_server_support.h"

namespace sd::http {

using sd::test::TestAnswer;
using sd::test::TlsTestServer;
using sd::test::xml_post;
using std::chrono::milliseconds;

namespace {

using Outcome = std::variant<Response, TransportError>;

const std::string kBody = "<Envelope>a folder id and its change key</Envelope>";

std::string text_of(const Outcome& outcome) {
  if (const auto* error = std::get_if<TransportError>(&outcome)) return "error: " + error->message;
  const Response& response = std::get<Response>(outcome);
  return std::to_string(response.status) + " " + response.body;
}

std::vector<std::string> bytes_of(const std::string& text) {
  std::vector<std::string> pieces;
  for (char c : text) pieces.emplace_back(1, c);
  return pieces;
}

std::string with_length(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n";
}

// kBody as chunks of at most `size` bytes, each its own piece, then the last chunk.
std::vector<std::string> tiny_chunks(size_t size) {
  std::vector<std::string> pieces{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"};
  for (size_t at = 0; at < kBody.size(); at += size) {
    std::string chunk = kBody.substr(at, size);
    char length[16];
    std::snprintf(length, sizeof length, "%zx", chunk.size());
    pieces.push_back(std::string(length) + "\r\n");
    pieces.push_back(chunk + "\r\n");
  }
  pieces.emplace_back("0\r\n\r\n");
  return pieces;
}

struct Split {
  const char* name;
  std::vector<std::string> pieces;
  bool close = false;
};

std::vector<Split> splits() {
  std::string head = with_length(kBody);
  std::string no_length = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\n\r\n";
  return {
      {"headers, then the body", {head, kBody}},
      {"byte by byte", bytes_of(head + kBody)},
      {"headers byte by byte, then the body",
       [&] {
         std::vector<std::string> pieces = bytes_of(head);
         pieces.push_back(kBody);
         return pieces;
       }()},
      {"chunked, one byte a chunk", tiny_chunks(1)},
      {"chunked, 7 bytes a chunk", tiny_chunks(7)},
      {"Connection: close and no length", {no_length, kBody.substr(0, 10), kBody.substr(10)}, true},
  };
}

TestAnswer pieces(std::vector<std::string> parts, bool close) {
  TestAnswer answer;
  answer.kind = TestAnswer::Pieces;
  answer.pieces = std::move(parts);
  answer.gap = milliseconds(1);
  answer.close_after_pieces = close;
  return answer;
}

}  // namespace

TEST_CASE("https client: a response split into records is read whole by send()", "[http]") {
  for (const Split& split : splits()) {
    SECTION(split.name) {
      TlsTestServer server;
      server.script([&](unsigned, const test::ReceivedRequest&) {
        return pieces(split.pieces, split.close);
      });
      auto client = test::client_of(server);
      // Twice: the second on the kept-alive connection, unless the server closed it.
      CHECK(text_of(client->send(xml_post())) == "200 " + kBody);
      CHECK(text_of(client->send(xml_post())) == "200 " + kBody);
      CHECK(client->connections_opened() == (split.close ? 2u : 1u));
    }
  }
}

TEST_CASE("https client: a response split into records is read whole by send_many()", "[http]") {
  for (const Split& split : splits()) {
    SECTION(split.name) {
      TlsTestServer server;
      server.script([&](unsigned, const test::ReceivedRequest&) {
        return pieces(split.pieces, split.close);
      });
      auto client = test::client_of(server);
      std::vector<std::string> answers(6);
      client->send_many(
          3,
          [&](size_t k) -> std::optional<Request> {
            if (k >= answers.size()) return std::nullopt;
            return xml_post();
          },
          [&](size_t k, Outcome outcome) {
            answers[k] = text_of(outcome);
            return true;
          });
      for (const std::string& answer : answers) CHECK(answer == "200 " + kBody);
    }
  }
}

TEST_CASE("https client: the size limit holds when the body comes after the headers", "[http]") {
  TlsTestServer server;
  const std::string big(2000, 'x');
  server.script([&](unsigned n, const test::ReceivedRequest&) {
    switch (n % 3) {
      case 0:  // announced too large, the body never comes
        return pieces({"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n"}, false);
      case 1:  // chunked, past the limit across chunks
        return pieces(
            {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "3e8\r\n",
             big.substr(0, 1000) + "\r\n", "3e8\r\n", big.substr(0, 1000) + "\r\n", "0\r\n\r\n"},
            false);
      default:  // no length, past the limit before the close
        return pieces({"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", big}, true);
    }
  });
  http::ClientOptions options;
  options.max_response_bytes = 1500;
  auto client = test::client_of(server, options);
  const std::string where = "127.0.0.1:" + std::to_string(server.port()) + ": ";
  for (int i = 0; i < 3; ++i) {
    INFO("answer " << i);
    CHECK(text_of(client->send(xml_post())) ==
          "error: " + where + "the response is larger than 1500 bytes");
  }
}

}  // namespace sd::http
