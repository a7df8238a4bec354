// How a TLS connection checks the server, shared by the HTTPS client and the TLS probe: the chain
// against the context's roots and the certificate against the host name (or IP address), with
// SNI; and what to tell the user when that fails ("the certificate is for lab.local, not
// crm.example.local") rather than OpenSSL's bare reason.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sd::http {

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// What the verify callback saw: the server's certificate and the first verification error.
struct PeerCertificate {
  X509Ptr leaf;
  int error = X509_V_OK;
  int error_depth = 0;
};

// SNI (not for IP addresses, which RFC 6066 leaves out), host name or IP checking, verify-peer,
// and a callback that fills `record`, which must outlive the handshake. Returns false when
// OpenSSL refused a setting.
[[nodiscard]] bool prepare_verification(SSL* ssl, const std::string& host, PeerCertificate* record);

// The reason a handshake failed verification, without the "host:port: " prefix:
// "certificate verify failed (unable to get local issuer certificate)", "the certificate is for
// lab.local, localhost, 127.0.0.1, not crm.example.local", "the certificate expired 3 days ago".
// Nothing when verification did not fail.
[[nodiscard]] std::optional<std::string> verification_failure(SSL* ssl,
                                                              const PeerCertificate& record,
                                                              const std::string& host);

// Whole days from now to the certificate's notAfter, rounded down (negative when expired).
[[nodiscard]] int days_to_expiry(X509* cert);

// The subject or issuer as one line: "CN=exch01.example.local, O=Example".
[[nodiscard]] std::string one_line_name(X509_NAME* name);

// The DNS and IP subjectAltName entries, in certificate order; the CN when there are none.
[[nodiscard]] std::vector<std::string> certificate_names(X509* cert);

}  // namespace sd::http
