#include "runtime/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sd::http {

namespace {

std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "no certificate in it";
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : "OpenSSL error " + std::to_string(code);
}

// A file the C library cannot open gets its reason from there: OpenSSL's is vague.
std::string unreadable(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return std::strerror(errno);
  std::fclose(file);
  return {};
}

Status load_client_certificate(SSL_CTX* native, const ClientCertificate& c) {
  if (c.certificate_file.empty() && c.key_file.empty()) return ok_status();
  if (c.certificate_file.empty() || c.key_file.empty())
    return make_error("a client certificate needs both a certificate file and a key file");
  if (std::string why = unreadable(c.certificate_file); !why.empty())
    return make_error("cannot read client certificate " + c.certificate_file + ": " + why);
  if (SSL_CTX_use_certificate_chain_file(native, c.certificate_file.c_str()) != 1)
    return make_error("cannot read client certificate " + c.certificate_file + ": " +
                      openssl_reason());
  if (std::string why = unreadable(c.key_file); !why.empty())
    return make_error("cannot read client key " + c.key_file + ": " + why);
  if (SSL_CTX_use_PrivateKey_file(native, c.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return make_error("cannot read client key " + c.key_file + ": " + openssl_reason());
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return make_error("client key " + c.key_file + " does not match certificate " +
                      c.certificate_file);
  }
  return ok_status();
}

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::string& ca_file, const ClientCertificate& client_certificate) {
  namespace ssl = boost::asio::ssl;
  try {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
      return make_error("cannot set up TLS: " + openssl_reason());
    context->set_verify_mode(ssl::verify_peer);
    ERR_clear_error();
    if (Status cert = load_client_certificate(native, client_certificate); !cert.ok())
      return cert.take_errors();
    if (ca_file.empty()) {
      if (SSL_CTX_set_default_verify_paths(native) != 1)
        return make_error("cannot load the system CA certificates: " + openssl_reason());
      return context;
    }
    if (std::string why = unreadable(ca_file); !why.empty())
      return make_error("cannot read CA file " + ca_file + ": " + why);
    if (SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1)
      return make_error("cannot read CA file " + ca_file + ": " + openssl_reason());
    return context;
  } catch (const std::exception& e) {
    return make_error("cannot set up TLS: " + std::string(e.what()));
  }
}

}  // namespace sd::http
