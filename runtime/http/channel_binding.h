// The TLS channel binding Extended Protection checks: `tls-server-end-point` (RFC 5929 §4.1),
// the hash of the server certificate as the client saw it, so that a token captured by a
// TLS-terminating man in the middle is refused by the real server.
#pragma once

#include <openssl/x509.h>

#include <optional>
#include <string>

namespace sd::http {

// "tls-server-end-point:" followed by the hash of the certificate's DER: with the hash of its
// signature algorithm (RSA-PSS's too), SHA-256 in place of MD5 or SHA-1. Nothing for a
// certificate whose signature has no single hash (Ed25519): RFC 5929 defines no binding for it.
[[nodiscard]] std::optional<std::string> tls_server_end_point(X509* certificate);

}  // namespace sd::http
