// The OpenSSL context a client verifies servers with: TLS 1.2 or later, peer verification on,
// the system roots or one CA file. Made once per client and shared by all its connections.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "base/error.h"

namespace sd::http {

// A certificate the client proves itself with (mutual TLS, e.g. WinRM certificate
// authentication). Both PEM; empty: none.
struct ClientCertificate {
  std::string certificate_file;
  std::string key_file;
};

// Errors: "cannot read CA file <path>: <reason>" for a missing, unreadable or certificate-less
// file; "cannot read client certificate <path>: <reason>", "cannot read client key <path>:
// <reason>", "client key <path> does not match certificate <path>".
[[nodiscard]] Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::string& ca_file, const ClientCertificate& client_certificate = {});

}  // namespace sd::http
