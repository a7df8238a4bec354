// The lab's TLS material, generated with OpenSSL: a CA (written as a PEM file that clients are
// given as their CA file) and a server certificate it signs for the lab's host names.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace sd::lab {

struct CertificateFiles {
  std::string ca_file;    // <dir>/lab-ca.pem: the CA certificate, for clients
  std::string cert_file;  // <dir>/lab-server.pem: the server certificate
  std::string key_file;   // <dir>/lab-server.key (0600)
};

struct CertificateOptions {
  // subjectAltName entries: DNS names, and IP addresses for entries that parse as one.
  // "localhost" and "127.0.0.1" are always added.
  std::vector<std::string> names;
  int valid_days = 365;     // may be negative or small, to test expiry warnings and failures
  std::string common_name;  // default: the first name
};

// Writes a new CA and server certificate (EC P-256, SHA-256) into `dir` (created if missing).
// Reuses the files already there when they exist, are valid for the requested names and days
// left > 1, so that a client's copy of the CA file stays good across lab restarts.
[[nodiscard]] Result<CertificateFiles> ensure_certificates(const std::string& dir,
                                                           const CertificateOptions& options);

}  // namespace sd::lab
