// tls-server-end-point (RFC 5929 §4.1) for certificates made by the openssl command: the hash of
// the DER, with the signature's own hash (RSA-PSS's too), SHA-256 for SHA-1, none for Ed25519.
#include "runtime/http/channel_binding.h"

#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/lab/lab_support.h"

namespace sd::http {
namespace {

// A self-signed certificate made by `openssl req` with `key` and `options`, and its DER hashed by
// `openssl dgst -DIGEST` (hex), the test's own reckoning.
struct Made {
  X509* cert = nullptr;
  std::string expected_hex;
  ~Made() { X509_free(cert); }
};

void make(Made& made, const test::ScratchDir& dir, const std::string& key_options,
          const std::string& sign_options, const std::string& digest) {
  const std::string key = dir.path("key.pem"), pem = dir.path("cert.pem"),
                    der = dir.path("cert.der");
  const std::string command = "openssl genpkey " + key_options + " -out " + key +
                              " 2>/dev/null && openssl req -x509 -new -key " + key +
                              " -subj /CN=exch01.example.local -days 2 " + sign_options + " -out " +
                              pem + " 2>/dev/null && openssl x509 -in " + pem +
                              " -outform DER -out " + der;
  REQUIRE(std::system(command.c_str()) == 0);
  FILE* file = std::fopen(pem.c_str(), "r");
  REQUIRE(file);
  made.cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  REQUIRE(made.cert);
  if (digest.empty()) return;
  const std::string hex = dir.path("hex");
  REQUIRE(std::system(
              ("openssl dgst -" + digest + " -r " + der + " | cut -d' ' -f1 > " + hex).c_str()) ==
          0);
  std::ifstream in(hex);
  std::getline(in, made.expected_hex);
}

std::string hex_of(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string binding_hex(X509* cert) {
  std::optional<std::string> binding = tls_server_end_point(cert);
  REQUIRE(binding);
  const std::string prefix = "tls-server-end-point:";
  REQUIRE(binding->rfind(prefix, 0) == 0);
  return hex_of(std::string_view(*binding).substr(prefix.size()));
}

}  // namespace

TEST_CASE("channel binding: the certificate's hash, by its signature's own hash", "[http]") {
  test::ScratchDir dir;
  SECTION("RSA with SHA-384") {
    Made made;
    make(made, dir, "-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha384", "sha384");
    CHECK(binding_hex(made.cert) == made.expected_hex);
  }
  SECTION("RSA with SHA-1: SHA-256 instead") {
    Made made;
    make(made, dir, "-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha1", "sha256");
    CHECK(binding_hex(made.cert) == made.expected_hex);
  }
  SECTION("RSA-PSS with SHA-512, as AD CS's alternate signature format") {
    Made made;
    make(made, dir, "-algorithm RSA -pkeyopt rsa_keygen_bits:2048",
         "-sha512 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1", "sha512");
    CHECK(binding_hex(made.cert) == made.expected_hex);
  }
  SECTION("ECDSA with SHA-256") {
    Made made;
    make(made, dir, "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256", "sha256");
    CHECK(binding_hex(made.cert) == made.expected_hex);
  }
  SECTION("Ed25519: none (RFC 5929 defines none)") {
    Made made;
    make(made, dir, "-algorithm ED25519", "", "");
    CHECK_FALSE(tls_server_end_point(made.cert));
  }
}

}  // namespace sd::http
