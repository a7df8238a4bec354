// Our PBKDF2-HMAC-SHA256 gives what OpenSSL's PKCS5_PBKDF2_HMAC gives, and the RFC's vectors.
#include "base/pbkdf2.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using sd::pbkdf2_hmac_sha256;

namespace {

std::string hex(const std::vector<unsigned char>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string ours(std::string_view password, std::string_view salt, unsigned rounds, size_t size) {
  std::vector<unsigned char> out(size);
  pbkdf2_hmac_sha256(password, salt, rounds, out.data(), out.size());
  return hex(out);
}

std::string openssl(std::string_view password, std::string_view salt, unsigned rounds,
                    size_t size) {
  std::vector<unsigned char> out(size);
  REQUIRE(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                            reinterpret_cast<const unsigned char*>(salt.data()),
                            static_cast<int>(salt.size()), static_cast<int>(rounds), EVP_sha256(),
                            static_cast<int>(size), out.data()) == 1);
  return hex(out);
}

}  // namespace

TEST_CASE("PBKDF2-HMAC-SHA256: the vectors of RFC 7914 section 11", "[secrets]") {
  CHECK(ours("passwd", "salt", 1, 64) ==
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  CHECK(ours("Password", "NaCl", 80000, 64) ==
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

TEST_CASE("PBKDF2-HMAC-SHA256: the same bytes as OpenSSL's", "[secrets]") {
  const std::string long_key(200, 'k');  // longer than a SHA-256 block: the key is hashed
  const std::string block_key(64, 'b');  // exactly a block: it is not
  const std::string binary("\0\xff\x01 pass\nword", 14);
  for (std::string_view password :
       {std::string_view(""), std::string_view("s3cret"), std::string_view(long_key),
        std::string_view(block_key), std::string_view(binary)}) {
    for (std::string_view salt : {std::string_view(""), std::string_view("salt"),
                                  std::string_view("syncdeploy secret fingerprint v1\nprod")}) {
      for (unsigned rounds : {1u, 2u, 1000u}) {
        for (size_t size : {1u, 8u, 32u, 33u, 100u}) {
          INFO(password.size() << " byte password, salt '" << salt << "', " << rounds << " rounds, "
                               << size << " bytes");
          CHECK(ours(password, salt, rounds, size) == openssl(password, salt, rounds, size));
        }
      }
    }
  }
}
