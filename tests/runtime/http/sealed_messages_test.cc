// The client's half of message encryption without a network: a request's body sealed with the
// login and framed as Windows expects, an answer unsealed, and what may not pass (clear text
// that says something, a part that decrypts to another length, a seal that fails) refused.
#include "runtime/http/sealed_messages.h"

#include <catch2/catch.hpp>

#include "protocol/wsman_encryption.h"

namespace sd::http {
namespace {

// Seals by reversing the text under the signature "SIG"; a header other than that fails.
class ReversingLogin : public ConnectionAuth {
 public:
  Result<std::string> first() override { return std::string(); }
  Result<std::string> next(const std::string&) override { return std::string(); }
  Status finish(const std::string&) override { return ok_status(); }
  std::string_view scheme() const override { return "Negotiate"; }
  Result<SealedMessage> seal(std::string_view plain) override {
    return SealedMessage{"SIG", std::string(plain.rbegin(), plain.rend())};
  }
  Result<std::string> unseal(std::string_view header, std::string_view data) override {
    if (header != "SIG") return make_error("cannot decrypt the answer of HTTP/exch01: bad MIC");
    return std::string(data.rbegin(), data.rend());
  }
};

Response sealed_response(int status, std::string_view plain, size_t claimed_length) {
  ReversingLogin login;
  Result<SealedMessage> sealed = login.seal(plain);
  REQUIRE(sealed.ok());
  Response response;
  response.status = status;
  response.headers = {{"Content-Type", wsman::encrypted_content_type(1)}};
  response.body = wsman::encrypted_body({{sealed->header, sealed->data, claimed_length}});
  return response;
}

std::string unseal_error(Response response) {
  ReversingLogin login;
  Result<Response> plain = unseal_response(std::move(response), login, 1 << 20);
  REQUIRE_FALSE(plain.ok());
  return plain.errors().front().message;
}

}  // namespace

TEST_CASE("sealed messages: a request goes sealed, its type in OriginalContent",
          "[http][encryption]") {
  ReversingLogin login;
  Request request;
  request.headers = {{"Content-Type", "application/soap+xml;charset=UTF-8"}, {"X-Other", "1"}};
  request.body = "<s:Envelope/>";
  Result<Request> sealed = seal_request(request, login);
  REQUIRE(sealed.ok());
  CHECK(sealed->headers ==
        Headers{{"X-Other", "1"}, {"Content-Type", wsman::encrypted_content_type(1)}});
  CHECK(sealed->body.find("<s:Envelope/>") == std::string::npos);
  Result<std::vector<wsman::SealedPart>> parts =
      wsman::parse_encrypted_body(wsman::encrypted_content_type(1), sealed->body, 1000);
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 1);
  CHECK((*parts)[0].header == "SIG");
  CHECK((*parts)[0].data == ">/epolevnE:s<");
  CHECK((*parts)[0].plain_length == 13);
  CHECK(sealed->body.find("OriginalContent: type=application/soap+xml;charset=UTF-8;Length=13") !=
        std::string::npos);
}

TEST_CASE("sealed messages: answers are unsealed, any status", "[http][encryption]") {
  for (int status : {200, 500}) {
    ReversingLogin login;
    Result<Response> plain =
        unseal_response(sealed_response(status, "<s:Envelope/>", 13), login, 1 << 20);
    REQUIRE(plain.ok());
    CHECK(plain->status == status);
    CHECK(plain->body == "<s:Envelope/>");
    CHECK(plain->header("Content-Type") == "application/soap+xml;charset=UTF-8");
  }
}

TEST_CASE("sealed messages: clear text passes only when it says nothing", "[http][encryption]") {
  ReversingLogin login;
  Response page{503, {{"Content-Type", "text/html"}}, "<html>Service Unavailable</html>"};
  Result<Response> passed = unseal_response(page, login, 1 << 20);
  REQUIRE(passed.ok());
  CHECK(passed->status == 503);
  Response empty{200, {}, ""};
  CHECK(unseal_response(empty, login, 1 << 20).ok());
  CHECK(unseal_error(Response{200, {{"Content-Type", "application/soap+xml"}}, "<s:Envelope/>"}) ==
        "the server answered in clear text (application/soap+xml), which is refused over http: "
        "only sealed answers are read");
  CHECK(unseal_error(Response{200, {}, "x"}) ==
        "the server answered in clear text (no Content-Type), which is refused over http: only "
        "sealed answers are read");
}

TEST_CASE("sealed messages: what does not decrypt to what it claims is an error",
          "[http][encryption]") {
  CHECK(unseal_error(sealed_response(200, "<s:Envelope/>", 12)) ==
        "part 1 is 13 bytes once decrypted, not the 12 its OriginalContent says");
  Response forged = sealed_response(200, "<s:Envelope/>", 13);
  forged.body.replace(forged.body.find("SIG"), 3, "XYZ");
  CHECK(unseal_error(forged) == "cannot decrypt the answer of HTTP/exch01: bad MIC");
  Response cut = sealed_response(200, "<s:Envelope/>", 13);
  cut.body.resize(cut.body.size() - 30);
  CHECK(unseal_error(cut) ==
        "the encrypted answer is malformed: part 1: the body ends before its 13 bytes of data");
}

}  // namespace sd::http
