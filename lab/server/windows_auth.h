// Windows authentication the way Exchange's IIS does it, for the lab's EWS and WinRM: Negotiate
// (SPNEGO: Kerberos or NTLM) and bare NTLM through GSS-API acceptors (MIT krb5 with a keytab for
// HTTP/<lab host>, gss-ntlmssp with a user file), kept per connection once it succeeds
// (Persistent-Auth); Extended Protection as Exchange sets it (over TLS; plain HTTP has no channel
// to bind to); Basic only when turned on. The security context stays with the connection after
// the handshake: over plain HTTP, WinRM seals every SOAP body with it (MS-WSMV 2.2.9.1.1).
// Facts: ../shared/reference/exchange-protocols.md §4.1, §7. Written apart from the client's code
// (runtime/http/http_auth.h) on purpose: the lab is the oracle the client is tested against.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "protocol/wsman_encryption.h"

namespace sd::lab {

enum class ExtendedProtection {
  None,     // channel bindings are not checked
  Allow,    // Exchange's front end: a wrong binding is refused, a missing one accepted
  Require,  // Exchange's back end and hardened sites: a missing binding is refused too
};

struct LabAuthOptions {
  bool basic = false;  // Basic accepted (off on Exchange's EWS by default)
  ExtendedProtection extended_protection = ExtendedProtection::Allow;
  // Set as the process's KRB5_KTNAME and NTLM_USER_FILE (windows_auth.cc says why).
  std::string keytab;      // Kerberos: the keys of HTTP/<lab host>; empty: no Kerberos
  std::string ntlm_users;  // NTLM: gss-ntlmssp's DOMAIN:USER:PASSWORD file; empty: no NTLM
};

// The mechanism a finished handshake negotiated (SPNEGO's inner one).
enum class SealMechanism { None, Kerberos, Ntlm };

// The handshake state of one connection (owned by the connection), and after it the security
// context that seals and unseals the connection's messages.
class ConnectionLogin {
 public:
  ConnectionLogin();
  ~ConnectionLogin();
  ConnectionLogin(const ConnectionLogin&) = delete;
  ConnectionLogin& operator=(const ConnectionLogin&) = delete;
  // The account name the connection authenticated as ("nexj-sync@EXAMPLE.LOCAL",
  // "EXAMPLE\nexj-sync"), once a Negotiate or NTLM handshake succeeded.
  std::optional<std::string> name;

  // Kerberos or NTLM once a handshake finished; None before, and for Basic.
  [[nodiscard]] SealMechanism mechanism() const;
  // `plain` sealed as MS-WSMV wants it (Kerberos: gss_wrap_iov, header = the wrap token's header
  // and trailer, data = the encrypted text; NTLM: gss_wrap, header = the 16-byte signature).
  [[nodiscard]] Result<wsman::SealedPart> seal(std::string_view plain);
  // The plain text of `part`; errors in GSS-API's words. Refuses a part that was only signed,
  // or whose length is not its plain_length, or that is out of sequence (a replay).
  [[nodiscard]] Result<std::string> unseal(const wsman::SealedPart& part);
  // Forgets the account and the context: the next request needs a new handshake.
  void log_out();

 private:
  friend class WindowsAuth;
  struct Context;
  std::unique_ptr<Context> context_;
};

// What one Authorization header does to a connection's handshake.
struct LoginStep {
  enum class Outcome {
    NotWindows,     // not Negotiate or NTLM (Basic or nothing): the caller decides
    Continue,       // 401 with `token` in WWW-Authenticate: the client's next leg follows
    Authenticated,  // `name` logged in; `token` (may be empty) goes with the answer
    Refused,        // 401: the plain offers, or `token` (a KRB-ERROR) when there is one; `why`
                    // says why (not sent to the client)
  } outcome = Outcome::NotWindows;
  std::string scheme;  // "Negotiate" or "NTLM", as the client used it
  std::string token;   // base64, for WWW-Authenticate
  std::string name;
  std::string why;
};

class WindowsAuth {
 public:
  // `certificate_pem_file`: the lab's server certificate, whose tls-server-end-point the
  // bindings must carry.
  WindowsAuth(LabAuthOptions options, const std::string& certificate_pem_file);
  ~WindowsAuth();
  [[nodiscard]] const LabAuthOptions& options() const { return options_; }
  // `over_tls`: the connection is TLS, whose certificate the bindings are checked against
  // (Extended Protection); over plain HTTP they are not.
  [[nodiscard]] LoginStep step(ConnectionLogin& login, std::string_view authorization,
                               bool over_tls);

 private:
  LabAuthOptions options_;
  std::string binding_;  // "tls-server-end-point:" + hash
};

}  // namespace sd::lab
