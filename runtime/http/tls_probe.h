// A precondition check of an HTTPS endpoint: the TLS handshake succeeds, the chain verifies
// against the system roots or the given CA file, the certificate names the host, and how many
// days it has left. Nothing is sent after the handshake.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "runtime/http/https_url.h"

namespace sd::http {

struct TlsProbeResult {
  bool ok = false;
  // When !ok: what failed, e.g. "crm.example.local:443: connection refused", "...: certificate
  // verify failed (unable to get local issuer certificate)", "...: the certificate is for
  // lab.local, not crm.example.local", "...: the certificate expired 3 days ago".
  std::string error;
  std::optional<int> days_to_expiry;  // when a certificate was received
  std::string subject;                // e.g. "CN=exch01.example.local"
  std::string issuer;
};

[[nodiscard]] TlsProbeResult probe_tls(
    const HttpsUrl& url, const std::string& ca_file, const std::vector<ConnectTo>& connect_to,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace sd::http
