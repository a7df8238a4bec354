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

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  try {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
      return make_error("cannot set up TLS: " + openssl_reason());
    context->set_verify_mode(ssl::verify_peer);
    ERR_clear_error();
    if (ca_file.empty()) {
      if (SSL_CTX_set_default_verify_paths(native) != 1)
        return make_error("cannot load the system CA certificates: " + openssl_reason());
      return context;
    }
    // OpenSSL's own message for a missing file is vague; the C library says it better.
    std::FILE* file = std::fopen(ca_file.c_str(), "r");
    if (!file) return make_error("cannot read CA file " + ca_file + ": " + std::strerror(errno));
    std::fclose(file);
    if (SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1)
      return make_error("cannot read CA file " + ca_file + ": " + openssl_reason());
    return context;
  } catch (const std::exception& e) {
    return make_error("cannot set up TLS: " + std::string(e.what()));
  }
}

}  // namespace sd::http
