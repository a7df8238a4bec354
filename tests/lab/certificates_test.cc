#include "lab/server/certificates.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/http/tls_verification.h"
#include "tests/base/result_support.h"
#include "tests/base/temp_dir_support.h"

namespace sd::lab {

namespace {

using sd::test::TempDir;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The certificates in a PEM file, in order.
std::vector<http::X509Ptr> certificates_in(const std::string& path) {
  std::vector<http::X509Ptr> out;
  FILE* file = std::fopen(path.c_str(), "r");
  REQUIRE(file);
  while (X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr)) out.emplace_back(cert);
  std::fclose(file);
  return out;
}

// Verifies `leaf` against `ca` alone, for `host`; the OpenSSL verify result.
int verify(X509* leaf, X509* ca, const std::string& host) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  X509_STORE_CTX_init(context, store, leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (host.find_first_not_of("0123456789.") == std::string::npos)
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  else
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  X509_verify_cert(context);
  int result = X509_STORE_CTX_get_error(context);
  X509_STORE_CTX_free(context);
  X509_STORE_free(store);
  return result;
}

using sd::test::message;

}  // namespace

TEST_CASE("certificates: a CA and a server certificate for the names", "[certificates]") {
  TempDir dir;
  CertificateOptions options;
  options.names = {"Exch01.Example.Local", "10.1.2.3"};
  Result<CertificateFiles> files = ensure_certificates(dir.path + "/certs", options);
  REQUIRE(files.ok());
  CHECK(files->ca_file == dir.path + "/certs/lab-ca.pem");
  CHECK(files->cert_file == dir.path + "/certs/lab-server.pem");
  CHECK(files->key_file == dir.path + "/certs/lab-server.key");
  struct stat key_stat;
  REQUIRE(::stat(files->key_file.c_str(), &key_stat) == 0);
  CHECK((key_stat.st_mode & 0777) == 0600);

  std::vector<http::X509Ptr> cas = certificates_in(files->ca_file);
  std::vector<http::X509Ptr> chain = certificates_in(files->cert_file);
  REQUIRE(cas.size() == 1);
  REQUIRE(chain.size() == 2);  // the server's, then the CA's
  X509* ca = cas[0].get();
  X509* leaf = chain[0].get();
  CHECK(X509_cmp(chain[1].get(), ca) == 0);
  CHECK(X509_check_ca(ca) == 1);
  CHECK((X509_get_key_usage(ca) & KU_KEY_CERT_SIGN) != 0);
  CHECK(X509_check_ca(leaf) == 0);
  CHECK((X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER) != 0);
  CHECK(http::certificate_names(leaf) ==
        std::vector<std::string>{"exch01.example.local", "10.1.2.3", "localhost", "127.0.0.1"});
  CHECK(http::one_line_name(X509_get_subject_name(leaf)) == "CN=exch01.example.local");
  CHECK(EVP_PKEY_get_id(X509_get0_pubkey(leaf)) == EVP_PKEY_EC);
  CHECK(X509_get_signature_nid(leaf) == NID_ecdsa_with_SHA256);
  CHECK(http::days_to_expiry(leaf) >= 364);  // less the seconds since it was made
  CHECK(http::days_to_expiry(leaf) <= 365);

  CHECK(verify(leaf, ca, "exch01.example.local") == X509_V_OK);
  CHECK(verify(leaf, ca, "127.0.0.1") == X509_V_OK);
  CHECK(verify(leaf, ca, "10.1.2.3") == X509_V_OK);
  CHECK(verify(leaf, ca, "other.example.local") == X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_CASE("certificates: reused while good, remade when the names change", "[certificates]") {
  TempDir dir;
  CertificateOptions options;
  options.names = {"exch01.example.local"};
  REQUIRE(ensure_certificates(dir.path, options).ok());
  std::string ca = read_text(dir.path + "/lab-ca.pem");
  std::string server = read_text(dir.path + "/lab-server.pem");

  REQUIRE(ensure_certificates(dir.path, options).ok());
  CHECK(read_text(dir.path + "/lab-ca.pem") == ca);
  CHECK(read_text(dir.path + "/lab-server.pem") == server);

  options.names.push_back("exch02.example.local");
  Result<CertificateFiles> files = ensure_certificates(dir.path, options);
  REQUIRE(files.ok());
  CHECK(read_text(dir.path + "/lab-ca.pem") == ca);  // clients' copies stay good
  CHECK(read_text(dir.path + "/lab-server.pem") != server);
  std::vector<http::X509Ptr> chain = certificates_in(files->cert_file);
  REQUIRE_FALSE(chain.empty());
  CHECK(http::certificate_names(chain[0].get()) ==
        std::vector<std::string>{"exch01.example.local", "exch02.example.local", "localhost",
                                 "127.0.0.1"});

  // A damaged server key: remade, not reused.
  std::ofstream(dir.path + "/lab-server.key") << "garbage";
  server = read_text(dir.path + "/lab-server.pem");
  REQUIRE(ensure_certificates(dir.path, options).ok());
  CHECK(read_text(dir.path + "/lab-server.pem") != server);
}

TEST_CASE("certificates: negative and short validity", "[certificates]") {
  TempDir dir;
  CertificateOptions options;
  options.names = {"exch01.example.local"};
  options.valid_days = -3;
  Result<CertificateFiles> files = ensure_certificates(dir.path, options);
  REQUIRE(files.ok());
  std::vector<http::X509Ptr> chain = certificates_in(files->cert_file);
  REQUIRE_FALSE(chain.empty());
  CHECK(http::days_to_expiry(chain[0].get()) >= -4);
  CHECK(http::days_to_expiry(chain[0].get()) <= -3);
  CHECK(verify(chain[0].get(), certificates_in(files->ca_file)[0].get(), "exch01.example.local") ==
        X509_V_ERR_CERT_HAS_EXPIRED);

  // An expired certificate is never reused.
  std::string expired = read_text(files->cert_file);
  options.valid_days = 10;
  REQUIRE(ensure_certificates(dir.path, options).ok());
  CHECK(read_text(files->cert_file) != expired);
  int days = http::days_to_expiry(certificates_in(files->cert_file)[0].get());
  CHECK(days >= 9);
  CHECK(days <= 10);
}

TEST_CASE("certificates: bad names and folders", "[certificates]") {
  TempDir dir;
  CertificateOptions options;
  options.names = {"exch01 example"};
  CHECK(message(ensure_certificates(dir.path, options)) ==
        "certificate name \"exch01 example\" is not a host name or IP address");
  options.names = {"a,DNS:evil.example"};
  CHECK(message(ensure_certificates(dir.path, options)) ==
        "certificate name \"a,DNS:evil.example\" is not a host name or IP address");

  std::ofstream(dir.path + "/file") << "x";
  options.names = {"exch01.example.local"};
  CHECK(message(ensure_certificates(dir.path + "/file/certs", options))
            .rfind("cannot create the certificate folder " + dir.path + "/file/certs: ", 0) == 0);
}

}  // namespace sd::lab
