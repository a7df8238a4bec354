#include "runtime/http/tls_probe.h"

#include <exception>

#include "runtime/http/https_connection.h"
#include "runtime/http/tls_context.h"

namespace sd::http {

TlsProbeResult probe_tls(const HttpsUrl& url, const std::string& ca_file,
                         const std::vector<ConnectTo>& connect_to,
                         std::chrono::milliseconds timeout) {
  TlsProbeResult result;
  std::string where = url.host + ":" + std::to_string(url.port) + ": ";
  try {
    Result<std::shared_ptr<boost::asio::ssl::context>> tls = make_client_tls_context(ca_file);
    if (!tls.ok()) {
      result.error = where + tls.errors().front().message;
      return result;
    }
    auto addresses = resolve_destination(destination_of(url, connect_to), where);
    if (auto* error = std::get_if<TransportError>(&addresses)) {
      result.error = error->message;
      return result;
    }
    // The handshake only; the connection closes when it goes out of scope.
    HttpsConnection connection(tls->get(), url.host, url.port);
    std::optional<TransportError> failed =
        connection.open(std::get<std::vector<boost::asio::ip::tcp::endpoint>>(addresses), timeout);
    // What the server presented is worth reporting even when it did not verify.
    if (X509* leaf = connection.peer().leaf.get()) {
      result.days_to_expiry = days_to_expiry(leaf);
      result.subject = one_line_name(X509_get_subject_name(leaf));
      result.issuer = one_line_name(X509_get_issuer_name(leaf));
    }
    if (failed) {
      result.error = failed->message;
      return result;
    }
    result.ok = true;
  } catch (const std::exception& e) {
    result.error = where + e.what();
  }
  return result;
}

}  // namespace sd::http
