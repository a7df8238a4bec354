// HTTP authentication as a connection-level handshake (RFC 7235, RFC 4559, MS-N2HT): the one
// authentication layer of the HTTPS client, for EWS and WinRM alike.
//
// Basic puts the same header on every request. Negotiate (SPNEGO: Kerberos or NTLM) and NTLM
// authenticate the connection: the first request carries the first token, a 401 with the
// server's token asks for the next leg on the same kept-alive connection (NTLM is bound to it),
// and once the server answers anything but 401 the connection stays authenticated, as IIS
// keeps it (Persistent-Auth), so later requests on it carry nothing. Every leg is bound to the
// TLS channel (channel_binding.h), as Exchange's Extended Protection demands.
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "runtime/http/gss_initiator.h"
#include "runtime/http/https_client.h"

namespace sd::http {

struct AuthSettings {
  enum class Method {
    Negotiate,  // Kerberos, else NTLM; the server's HTTP "NTLM" scheme too
    Kerberos,   // Kerberos only
    Ntlm,       // NTLM only
    Basic,      // only when asked for: the password in every request
  };
  Method method = Method::Negotiate;
  std::string user;      // "nexj-sync@EXAMPLE.LOCAL", "EXAMPLE\nexj-sync"
  std::string password;  // empty: the credential cache or `keytab` (Kerberos)
  std::string keytab;    // a client keytab (Kerberos)
  std::string spn;       // the server's principal; empty: HTTP/<host of the URL>
  // Every message is sealed with the connection's context (WS-Management over plain HTTP):
  // Negotiate, Kerberos and NTLM only.
  bool seal_messages = false;
};

[[nodiscard]] std::string_view method_name(AuthSettings::Method method);

// One challenge of a WWW-Authenticate header: "Negotiate oYGB..." is {"Negotiate", "oYGB..."}.
struct Challenge {
  std::string scheme;  // as sent
  std::string token;   // base64 text, or the auth-params; empty when there is none
};

// Every challenge of every WWW-Authenticate header of `response`, in order. Errors: a token
// over 64 KB, or one that is not base64 where a Negotiate or NTLM token must be.
[[nodiscard]] Result<std::vector<Challenge>> read_challenges(const Response& response);

// The first challenge of `scheme` (without case), or nullptr.
[[nodiscard]] const Challenge* find_challenge(const std::vector<Challenge>& challenges,
                                              std::string_view scheme);

// "Negotiate, NTLM": the schemes offered, for errors.
[[nodiscard]] std::string scheme_list(const std::vector<Challenge>& challenges);

// The handshake of one connection.
class ConnectionAuth {
 public:
  virtual ~ConnectionAuth() = default;
  // The Authorization header's value for the first leg.
  [[nodiscard]] virtual Result<std::string> first() = 0;
  // After a 401 that carries the server's next token for our scheme: the next leg's value.
  [[nodiscard]] virtual Result<std::string> next(const std::string& server_token) = 0;
  // After the answer that ended the handshake: the server's last token, if it sent one (mutual
  // authentication), checked. An error means the server is not who it claims to be.
  [[nodiscard]] virtual Status finish(const std::string& server_token) = 0;
  // The HTTP scheme this handshake speaks ("Negotiate", "NTLM").
  [[nodiscard]] virtual std::string_view scheme() const = 0;
  // Message encryption with the finished handshake's context (gss_initiator.h); an error for
  // a handshake made without seal_messages.
  [[nodiscard]] virtual Result<SealedMessage> seal(std::string_view plain) = 0;
  [[nodiscard]] virtual Result<std::string> unseal(std::string_view header,
                                                   std::string_view data) = 0;
};

// The authentication of one client (one endpoint). Thread-safe.
class Authenticator {
 public:
  // `host` is the URL's: the default SPN is HTTP/<host>.
  [[nodiscard]] static std::shared_ptr<Authenticator> create(AuthSettings settings,
                                                             const std::string& host);
  // The same Authorization value on every request, e.g. WS-Management's mutual-certificate
  // profile (the certificate itself is TLS's). `who` names it in errors.
  [[nodiscard]] static std::shared_ptr<Authenticator> fixed(std::string value, std::string who);
  // Basic, as the settings' Basic.
  [[nodiscard]] static std::shared_ptr<Authenticator> basic(std::string user, std::string password);
  virtual ~Authenticator() = default;

  // Basic and fixed: the value every request carries. Others: nothing; they use begin().
  [[nodiscard]] virtual std::optional<std::string> every_request() const = 0;

  // Whether its handshakes give contexts that seal messages (AuthSettings::seal_messages).
  [[nodiscard]] virtual bool seals_messages() const = 0;

  // For every_request() authenticators: why a 401 offering `offered` refused them, when it
  // says more than a wrong password ("the server does not offer Basic; it offers Negotiate,
  // NTLM"); nothing otherwise (and always nothing for a fixed value).
  [[nodiscard]] virtual std::optional<std::string> refusal(
      const std::vector<Challenge>& offered) const = 0;

  // For connection-level schemes: a handshake for a connection whose server certificate is
  // `server_certificate`, in the scheme chosen from what the server offered (`offered`: the
  // connection's 401's challenges; empty before any) and what the settings allow. Errors: what
  // the server offers cannot be used ("the server offers only Basic; auth is negotiate (auth:
  // basic must be asked for, and is weaker)"); an every_request() authenticator has none.
  [[nodiscard]] virtual Result<std::unique_ptr<ConnectionAuth>> begin(
      X509* server_certificate, const std::vector<Challenge>& offered) = 0;

  // For errors: "nexj-sync@EXAMPLE.LOCAL with negotiate".
  [[nodiscard]] virtual std::string who() const = 0;
};

}  // namespace sd::http
