// A WinRM client over plain HTTP with message encryption for the lab's tests: the tool's GSS-API
// initiator (runtime/http/gss_initiator.h: Kerberos or NTLM, bare or through SPNEGO, sealing as
// MS-WSMV 2.2.9.1.1 says) driven by hand, and one keep-alive connection that sends requests as
// they are written, so that the tests can send what no good client sends. The lab's answers
// are also checked by clients nobody here wrote (tests/clients: pywinrm, python3-gssapi).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "protocol/wsman_encryption.h"

namespace sd::test {

class TestInitiator {
 public:
  enum class Mech {
    Kerberos,       // SPNEGO offering Kerberos only, in the Negotiate scheme
    Ntlm,           // NTLMSSP bare, in the NTLM scheme (what requests_ntlm and pywinrm send)
    NegotiateNtlm,  // SPNEGO offering NTLM only, in the Negotiate scheme
  };
  // `user`: "deploy-admin@EXAMPLE.LOCAL" (Kerberos) or "EXAMPLE\\deploy-admin" (NTLM); the
  // service is HTTP@exch01.example.local.
  TestInitiator(Mech mech, const std::string& user, const std::string& password);
  ~TestInitiator();
  TestInitiator(const TestInitiator&) = delete;
  TestInitiator& operator=(const TestInitiator&) = delete;

  // The Authorization header's value for the next leg; `server` is the token of the last answer
  // (base64, empty at first).
  [[nodiscard]] std::string authorization(const std::string& server);
  // Takes the token of the answer that finished the handshake (Kerberos' mutual authentication).
  void finish(const std::string& server);
  [[nodiscard]] bool complete() const { return complete_; }
  [[nodiscard]] std::string_view scheme() const {
    return mech_ == Mech::Ntlm ? "NTLM" : "Negotiate";
  }
  [[nodiscard]] bool kerberos() const { return mech_ == Mech::Kerberos; }

  [[nodiscard]] wsman::SealedPart seal(std::string_view plain);
  [[nodiscard]] Result<std::string> unseal(const wsman::SealedPart& part);

 private:
  std::string step(const std::string& server);

  struct Gss;
  Mech mech_;
  std::unique_ptr<Gss> gss_;
  bool complete_ = false;
};

struct RawAnswer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The first header of that name (no case), or "".
  [[nodiscard]] std::string header(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> all(std::string_view name) const;
  // The token of a "WWW-Authenticate: <scheme> <token>" header, or "".
  [[nodiscard]] std::string token(std::string_view scheme) const;
};

// One HTTP/1.1 keep-alive connection to 127.0.0.1:`port`.
class PlainConnection {
 public:
  explicit PlainConnection(uint16_t port);
  ~PlainConnection();
  [[nodiscard]] RawAnswer post(std::string_view path, std::string_view body,
                               const std::vector<std::pair<std::string, std::string>>& headers);

 private:
  struct Socket;
  std::unique_ptr<Socket> socket_;
};

// Logs in with empty POSTs to `path` until the lab answers something else than a 401 with a
// token; returns that answer.
RawAnswer log_in(PlainConnection& connection, TestInitiator& initiator, std::string_view path);

// A POST of `soap` sealed with `initiator`; the answer's body unsealed when it is sealed.
struct SealedAnswer {
  RawAnswer raw;
  size_t sent_bytes = 0;  // the request's body as sent
  bool sealed = false;
  std::string soap;          // the answer's plain text (sealed answers: unsealed)
  std::string unseal_error;  // why a sealed answer could not be unsealed
};
SealedAnswer post_sealed(PlainConnection& connection, TestInitiator& initiator,
                         std::string_view path, std::string_view soap);

}  // namespace sd::test
