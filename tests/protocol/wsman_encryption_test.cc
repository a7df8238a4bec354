// WS-Management message encryption's framing: the bytes Windows and pywinrm write, read back
// part by part, and every malformed body an error that says where, never a crash.
#include "protocol/wsman_encryption.h"

#include <catch2/catch.hpp>

namespace sd::wsman {
namespace {

const std::string kType =
    "multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";"
    "boundary=\"Encrypted Boundary\"";

std::string parse_error(std::string_view body, std::string_view type = kType,
                        size_t max_plain = 1 << 20) {
  Result<std::vector<SealedPart>> parts = parse_encrypted_body(type, body, max_plain);
  REQUIRE_FALSE(parts.ok());
  return parts.errors().front().message;
}

SealedPart part(std::string header, std::string data, size_t plain_length) {
  return SealedPart{std::move(header), std::move(data), plain_length};
}

}  // namespace

TEST_CASE("message encryption: the body is what pywinrm writes", "[wsman][encryption]") {
  const std::string body = encrypted_body({part(std::string(16, 'S'), "sealed", 6)});
  CHECK(body ==
        std::string("--Encrypted Boundary\r\n"
                    "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
                    "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=6\r\n"
                    "--Encrypted Boundary\r\n"
                    "\tContent-Type: application/octet-stream\r\n"
                    "\x10\0\0\0SSSSSSSSSSSSSSSSsealed--Encrypted Boundary--\r\n",
                    261));
  CHECK(encrypted_content_type(1) == kType);
  CHECK(encrypted_content_type(3) ==
        "multipart/x-multi-encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";"
        "boundary=\"Encrypted Boundary\"");
  CHECK(is_encrypted_content_type(kType));
  CHECK(is_encrypted_content_type(
      "Multipart/Encrypted; protocol=\"application/http-spnego-session-encrypted\"; boundary=x"));
  CHECK_FALSE(is_encrypted_content_type("application/soap+xml;charset=UTF-8"));
  CHECK_FALSE(is_encrypted_content_type(
      "multipart/encrypted;protocol=\"application/HTTP-CredSSP-session-encrypted\""));
}

TEST_CASE("message encryption: parts read back, sealed bytes that spell the boundary included",
          "[wsman][encryption]") {
  // The data of the first part contains the boundary itself: the parser looks for the end only
  // after the OriginalContent's Length.
  const std::string tricky = "--Encrypted Boundary--\r\n";
  const std::vector<SealedPart> written = {
      part("H1", tricky, tricky.size()),
      part(std::string(60, '\0'), "abc" + std::string(1, '\xff'), 3)};
  Result<std::vector<SealedPart>> read =
      parse_encrypted_body(encrypted_content_type(2), encrypted_body(written), 1000);
  REQUIRE(read.ok());
  REQUIRE(read->size() == 2);
  CHECK((*read)[0].header == "H1");
  CHECK((*read)[0].data == tricky);
  CHECK((*read)[0].plain_length == tricky.size());
  CHECK((*read)[1].header == std::string(60, '\0'));
  CHECK((*read)[1].data == "abc\xff");  // a padding byte past the Length stays with the data
  CHECK((*read)[1].plain_length == 3);
}

TEST_CASE("message encryption: malformed bodies are errors that say where", "[wsman][encryption]") {
  const std::string good = encrypted_body({part("HH", "data", 4)});
  CHECK(parse_error(good, "application/soap+xml") ==
        "the Content-Type is not multipart/encrypted with "
        "protocol=\"application/HTTP-SPNEGO-session-encrypted\" but \"application/soap+xml\"");
  CHECK(parse_error("") == "the body does not start with the boundary \"Encrypted Boundary\"");
  CHECK(parse_error("--Encrypted Boundary\r\nno second boundary") ==
        "part 1: no boundary after its OriginalContent");
  std::string no_length = good;
  no_length.replace(no_length.find("Length=4"), 8, "Lenght=4");
  CHECK(parse_error(no_length) == "part 1: no OriginalContent Length");
  std::string bad_length = good;
  bad_length.replace(bad_length.find("Length=4"), 8, "Length=x");
  CHECK(parse_error(bad_length) == "part 1: no OriginalContent Length");
  CHECK(parse_error(good, kType, 3) == "part 1: the plain text would be larger than 3 bytes");
  std::string no_octets = good;
  no_octets.replace(no_octets.find("octet-stream"), 5, "octal");
  CHECK(parse_error(no_octets) ==
        "part 1: no \"Content-Type: application/octet-stream\" before its data");
  const size_t data_at = good.find("octet-stream\r\n") + 14;
  CHECK(parse_error(good.substr(0, data_at + 2)) ==
        "part 1: the body ends in its signature length");
  std::string huge = good;
  huge[data_at + 2] = '\x01';  // 65,538 bytes of signature
  CHECK(parse_error(huge) == "part 1: the signature is 65538 bytes (at most 1024)");
  CHECK(parse_error(good.substr(0, data_at + 5)) == "part 1: the body ends in its signature");
  CHECK(parse_error(good.substr(0, data_at + 7)) ==
        "part 1: the body ends before its 4 bytes of data");
  CHECK(parse_error(good.substr(0, data_at + 10)) ==
        "the body ends before part 1's closing boundary");
  CHECK(parse_error(good + "more") == "bytes after the closing boundary");
  std::string neither = good;
  neither.replace(neither.rfind("--\r\n"), 4, "xx\r\n");
  CHECK(parse_error(neither) ==
        "part 1: its data is followed by neither a part nor the closing boundary");
  // Two parts whose Lengths add up past the limit.
  const std::string two = encrypted_body({part("H", "abcd", 4), part("H", "efgh", 4)});
  CHECK(parse_error(two, encrypted_content_type(2), 6) ==
        "part 2: the plain text would be larger than 6 bytes");
}

}  // namespace sd::wsman
