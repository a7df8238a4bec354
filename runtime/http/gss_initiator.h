// Kerberos and NTLM for the HTTPS client, through GSS-API: MIT krb5's libgssapi with its SPNEGO
// mechanism, and NTLM through the gss-ntlmssp mechanism, so that no authentication crypto is
// written here. Facts this follows: ../shared/reference/exchange-protocols.md §7.
//
// Credentials come the way Linux administrators and CI jobs hold them: a password (acquired in
// memory, never written to a credential cache on disk), a client keytab, or the default
// credential cache (`kinit` before, or KRB5_CLIENT_KTNAME).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"

namespace sd::http {

struct GssSettings {
  enum class Mechanism {
    Negotiate,  // SPNEGO offering Kerberos, then NTLM
    Kerberos,   // the krb5 mechanism itself (never NTLM)
    Ntlm,       // SPNEGO limited to NTLM
  };
  Mechanism mechanism = Mechanism::Negotiate;
  std::string user;      // "nexj-sync@EXAMPLE.LOCAL", "EXAMPLE\nexj-sync"; empty: the cache's
  std::string password;  // empty: the credential cache, or `keytab`
  std::string keytab;    // a client keytab; empty: none (KRB5_CLIENT_KTNAME still applies)
  std::string service;   // "HTTP/exch01.example.local", optionally "@REALM"
  // Message encryption will use the context (WS-Management over plain HTTP): the handshake
  // asks for confidentiality, integrity and sequencing, and must end with the server's proof.
  bool seal_messages = false;
};

// A message sealed with a context the way WS-Management carries it: the signature apart.
struct SealedMessage {
  std::string header;  // Kerberos: the wrap token's header and trailer; NTLM: the signature
  std::string data;    // the encrypted bytes, then any padding
};

// One security context: the tokens of one handshake, for one connection.
class GssHandshake {
 public:
  virtual ~GssHandshake() = default;
  // Takes the server's token (empty on the first leg) and gives the next token to send,
  // which is empty when the context is complete and there is nothing more to say.
  // Errors say what a person can act on: "cannot get a Kerberos ticket for
  // HTTP/exch01.example.local@EXAMPLE.LOCAL: the KDC does not know this service".
  [[nodiscard]] virtual Result<std::string> step(std::string_view server_token) = 0;
  [[nodiscard]] virtual bool complete() const = 0;

  // Once complete (and with seal_messages): encrypts `plain` (MS-WSMV 2.2.9.1.1: Kerberos with
  // gss_wrap_iov's header, data and padding; NTLM with gss_wrap, its 16-byte signature first),
  // and decrypts what the server sealed. Errors name the failure in GSS-API's words.
  [[nodiscard]] virtual Result<SealedMessage> seal(std::string_view plain) = 0;
  [[nodiscard]] virtual Result<std::string> unseal(std::string_view header,
                                                   std::string_view data) = 0;
};

// The credential of one client (one endpoint), acquired once on first use and shared by its
// connections. Thread-safe.
class GssInitiator {
 public:
  [[nodiscard]] static std::shared_ptr<GssInitiator> create(GssSettings settings);
  virtual ~GssInitiator() = default;
  // A handshake bound to the TLS channel: `channel_binding` is tls_server_end_point()'s value
  // (empty: no binding). `raw_ntlm`: bare NTLM tokens, for a server that offers only the HTTP
  // "NTLM" scheme, not SPNEGO's.
  [[nodiscard]] virtual Result<std::unique_ptr<GssHandshake>> start(std::string channel_binding,
                                                                    bool raw_ntlm) = 0;
  // The principal the credential is for, when known (for errors): "nexj-sync@EXAMPLE.LOCAL".
  [[nodiscard]] virtual std::string principal() const = 0;
};

}  // namespace sd::http
