#include "lab/server/windows_auth.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "base/base64.h"
#include "base/text_checks.h"

namespace sd::lab {
namespace {

// GSS_C_CHANNEL_BOUND_FLAG (RFC 9190 era MIT extension, not in krb5 1.20's headers): set by the
// acceptor when the initiator's channel bindings matched ours.
constexpr OM_uint32 kChannelBound = 2048;
constexpr size_t kMaxTokenBytes = 64 * 1024;

// RFC 5929 §4.1, computed here from the certificate file, apart from the client's code.
std::string end_point_binding(const std::string& pem_file) {
  FILE* file = std::fopen(pem_file.c_str(), "r");
  if (!file) return "";
  X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (!cert) return "";
  int md = NID_undef, pkey = NID_undef;
  std::string out;
  if (X509_get_signature_info(cert, &md, &pkey, nullptr, nullptr) == 1 && md != NID_undef) {
    if (md == NID_md5 || md == NID_sha1) md = NID_sha256;
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (const EVP_MD* digest = EVP_get_digestbynid(md);
        digest && X509_digest(cert, digest, hash, &size) == 1)
      out = "tls-server-end-point:" + std::string(reinterpret_cast<char*>(hash), size);
  }
  X509_free(cert);
  return out;
}

// A Kerberos mechanism token (RFC 1964 framing: 0x60, then the krb5 OID 1.2.840.113554.1.2.2),
// as a KRB-ERROR comes; not SPNEGO's or NTLM's.
bool is_kerberos_token(const std::string& token) {
  static const std::string krb5_oid("\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02", 11);
  return token.size() > 2 + krb5_oid.size() && token[0] == '\x60' &&
         token.find(krb5_oid) != std::string::npos && token.find(krb5_oid) < 8;
}

std::string display(OM_uint32 major, OM_uint32 minor) {
  std::string out;
  for (auto [code, type] : {std::pair{major, GSS_C_GSS_CODE}, std::pair{minor, GSS_C_MECH_CODE}}) {
    OM_uint32 context = 0;
    do {
      OM_uint32 ignored = 0;
      gss_buffer_desc text{0, nullptr};
      if (GSS_ERROR(gss_display_status(&ignored, code, type, GSS_C_NO_OID, &context, &text))) break;
      out += (out.empty() ? "" : "; ") + std::string(static_cast<char*>(text.value), text.length);
      gss_release_buffer(&ignored, &text);
    } while (context != 0);
  }
  return out;
}

}  // namespace

struct ConnectionLogin::Context {
  gss_ctx_id_t context = GSS_C_NO_CONTEXT;
  ~Context() {
    OM_uint32 minor = 0;
    if (context != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context, GSS_C_NO_BUFFER);
  }
};

ConnectionLogin::ConnectionLogin() = default;
ConnectionLogin::~ConnectionLogin() = default;

WindowsAuth::WindowsAuth(LabAuthOptions options, const std::string& certificate_pem_file)
    : options_(std::move(options)), binding_(end_point_binding(certificate_pem_file)) {
  // The acceptors take their keys from the environment (the default acceptor credential):
  // gss-ntlmssp 1.2 crashes in an SPNEGO accept when its credential came from a credential
  // store (probed with python3-gssapi too), and MIT's SPNEGO passes a store on to every
  // mechanism. So the keys are the process's: one lab's per process. No replay cache: a lab
  // does not need one, and it would be written under /var/tmp.
  // Written only when they change: setenv while another lab's threads read the environment
  // would race (tests share one realm per process, so the values are the same).
  auto set = [](const char* name, const std::string& value) {
    const char* now = std::getenv(name);
    if (!value.empty() && (!now || value != now)) ::setenv(name, value.c_str(), 1);
  };
  set("KRB5_KTNAME", options_.keytab);
  set("NTLM_USER_FILE", options_.ntlm_users);
  set("KRB5RCACHETYPE", "none");
}

WindowsAuth::~WindowsAuth() = default;

LoginStep WindowsAuth::step(ConnectionLogin& login, std::string_view authorization) {
  LoginStep step;
  size_t space = authorization.find(' ');
  std::string_view scheme = authorization.substr(0, space);
  if (!iequals(scheme, "Negotiate") && !iequals(scheme, "NTLM")) return step;
  step.scheme = iequals(scheme, "NTLM") ? "NTLM" : "Negotiate";
  // A new handshake on a logged-in connection logs it out until it succeeds, as on IIS.
  login.name.reset();
  auto refuse = [&](std::string why) {
    login.context_.reset();
    step.outcome = LoginStep::Outcome::Refused;
    step.why = std::move(why);
    return step;
  };
  std::string_view encoded = space == std::string_view::npos ? "" : authorization.substr(space + 1);
  std::string token;
  if (encoded.size() > kMaxTokenBytes || !base64_decode(encoded, token) || token.empty())
    return refuse("a malformed token");

  if (options_.keytab.empty() && options_.ntlm_users.empty())
    return refuse("no keytab and no NTLM user file");

  if (!login.context_) login.context_ = std::make_unique<ConnectionLogin::Context>();
  gss_channel_bindings_struct bindings{};
  bindings.initiator_addrtype = GSS_C_AF_UNSPEC;
  bindings.acceptor_addrtype = GSS_C_AF_UNSPEC;
  bindings.application_data = {binding_.size(), binding_.data()};
  const bool check = options_.extended_protection != ExtendedProtection::None && !binding_.empty();
  gss_buffer_desc input{token.size(), token.data()};
  gss_buffer_desc output{0, nullptr};
  gss_name_t source = GSS_C_NO_NAME;
  OM_uint32 minor = 0, flags = 0;
  OM_uint32 major = gss_accept_sec_context(&minor, &login.context_->context, GSS_C_NO_CREDENTIAL,
                                           &input, check ? &bindings : GSS_C_NO_CHANNEL_BINDINGS,
                                           &source, nullptr, &output, &flags, nullptr, nullptr);
  std::string reply(static_cast<const char*>(output.value), output.length);
  OM_uint32 ignored = 0;
  gss_release_buffer(&ignored, &output);
  if (GSS_ERROR(major)) {
    if (source != GSS_C_NO_NAME) gss_release_name(&ignored, &source);
    refuse(display(major, minor));
    // Kerberos answers some failures with a KRB-ERROR token (clock skew, with the server's
    // time), which Windows sends back in the 401 so that the client can say what went wrong.
    // NTLM's failures get the plain 401, as from IIS.
    if (is_kerberos_token(reply)) step.token = base64_encode(reply);
    return step;
  }
  if (major & GSS_S_CONTINUE_NEEDED) {
    step.outcome = LoginStep::Outcome::Continue;
    step.token = base64_encode(reply);
    return step;
  }
  gss_buffer_desc name{0, nullptr};
  if (source != GSS_C_NO_NAME && !GSS_ERROR(gss_display_name(&ignored, source, &name, nullptr))) {
    step.name.assign(static_cast<const char*>(name.value), name.length);
    gss_release_buffer(&ignored, &name);
  }
  if (source != GSS_C_NO_NAME) gss_release_name(&ignored, &source);
  // gss-ntlmssp's names end in a NUL.
  while (!step.name.empty() && step.name.back() == '\0') step.name.pop_back();
  if (options_.extended_protection == ExtendedProtection::Require && !(flags & kChannelBound))
    return refuse("no channel binding (Extended Protection: Require)");
  login.context_.reset();
  login.name = step.name;
  step.outcome = LoginStep::Outcome::Authenticated;
  if (!reply.empty()) step.token = base64_encode(reply);
  return step;
}

}  // namespace sd::lab
