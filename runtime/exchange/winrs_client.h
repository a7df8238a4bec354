// The WinRS client: runs commands on a Windows host over WinRM (WS-Management SOAP 1.2 over the
// one HTTPS client), as pywinrm and Ansible's winrm connection do (reference §4.1): Create a
// shell, Command, Send stdin, Receive until Done (the operation-timeout fault 2150858793 means
// Receive again), Signal terminate, Delete. PowerShell scripts go as
// `powershell -NoProfile -NonInteractive -EncodedCommand <base64 UTF-16LE>`, or through stdin
// (`-Command -`) when the command line would be too long; stderr CLIXML is decoded into
// readable messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "protocol/wsman.h"
#include "runtime/http/https_client.h"
#include "spec/spec.h"

namespace sd {

struct WinrsOptions {
  std::string url;  // https://host:5986/wsman
  // Negotiate, Kerberos and NTLM as http_auth.h does them, Basic, or a client certificate.
  AuthMethod auth = AuthMethod::Basic;
  std::string user, password;                  // all but Certificate (Kerberos: may be empty)
  std::string keytab;                          // Kerberos: a client keytab
  std::string spn;                             // empty: HTTP/<host of the URL>
  http::ClientCertificate certificate;         // Certificate (mapped to an account on the host)
  std::string ca_file;                         // empty: the system roots
  std::vector<http::ConnectTo> connect_to;     // SYNCDEPLOY_CONNECT_TO
  std::chrono::seconds operation_timeout{20};  // wsman:OperationTimeout of a Receive
  // The shell's resource: cmd for WinRS; a PowerShell session configuration for PSRP
  // (http://schemas.microsoft.com/powershell/Microsoft.Exchange).
  std::string resource_uri = std::string(wsman::kCmdResourceUri);
  size_t max_envelope_size = wsman::kDefaultMaxEnvelopeSize;  // what the host accepts
  std::chrono::milliseconds connect_timeout{10'000};
  // Longest a command may run before it is terminated (Signal) and reported as timed out.
  std::chrono::milliseconds command_timeout{600'000};
  // Most output (stdout and stderr together) one command may return; more is terminated and
  // an error. The read script of a large organization returns a few MB.
  size_t max_output_bytes = 32u << 20;
  // A host that answers Receive at once with nothing new (Running, no output, no operation
  // timeout) is asked again after a pause that doubles up to the most (reset by output).
  std::chrono::milliseconds empty_receive_pause{50};
  std::chrono::milliseconds max_empty_receive_pause{2'000};
};

struct CommandOutput {
  std::string stdout_text;  // as the streams decoded (UTF-8 with WINRS_CODEPAGE 65001)
  std::string stderr_text;  // CLIXML decoded into readable lines
  int64_t exit_code = 0;
};

// What the Exchange live system needs from a remote host; tests pass their own.
class RemoteShell {
 public:
  virtual ~RemoteShell() = default;
  // Runs a PowerShell script to its end in the open shell (opened on first use, reused).
  // A non-zero exit code is a result, not an error; errors are transport and protocol
  // failures, named with the endpoint ("WinRM https://exch01.example.local:5986/wsman: the
  // credentials for EXAMPLE\deploy-admin were refused (HTTP 401)").
  [[nodiscard]] virtual Result<CommandOutput> run_powershell(const std::string& script) = 0;
};

// Validates the options (https URL, credentials for the auth, readable CA and certificate
// files); connects on first use. The shell is deleted when the object is destroyed.
[[nodiscard]] Result<std::unique_ptr<RemoteShell>> open_winrs(const WinrsOptions& options);

}  // namespace sd
