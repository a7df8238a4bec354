#include "lab/server/windows_auth.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// The mechanism gss_accept_sec_context reports. MIT's SPNEGO reports the inner mechanism, never
// its own OID (probed: Kerberos and gss-ntlmssp, each bare and through SPNEGO), so there is no
// need for gss_inquire_context, which gss-ntlmssp 1.2's contexts crash in.
SealMechanism mechanism_of(gss_const_OID oid) {
  auto is = [oid](std::string_view der) {
    return oid != GSS_C_NO_OID && oid->length == der.size() &&
           std::memcmp(oid->elements, der.data(), der.size()) == 0;
  };
  static constexpr std::string_view kKrb5("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02", 9);
  // 1.2.840.48018.1.2.2: the OID Windows clients put first in SPNEGO for Kerberos.
  static constexpr std::string_view kMsKrb5("\x2a\x86\x48\x82\xf7\x12\x01\x02\x02", 9);
  static constexpr std::string_view kNtlm("\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a", 10);
  if (is(kKrb5) || is(kMsKrb5)) return SealMechanism::Kerberos;
  if (is(kNtlm)) return SealMechanism::Ntlm;
  return SealMechanism::None;
}

// Supplementary codes of an unwrap that make the message unacceptable: a replayed, old or
// reordered message means the sequence is broken (WinRM's messages on a connection are in order).
constexpr OM_uint32 kOutOfSequence =
    GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN | GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN;

// A failed call may leave a length beside a null value (gss-ntlmssp's gss_unwrap does).
std::string bytes_of(const gss_buffer_desc& buffer) {
  return buffer.value == nullptr
             ? std::string()
             : std::string(static_cast<const char*>(buffer.value), buffer.length);
}

}  // namespace

struct ConnectionLogin::Context {
  gss_ctx_id_t context = GSS_C_NO_CONTEXT;
  bool established = false;  // the handshake finished: the context seals
  SealMechanism mechanism = SealMechanism::None;
  ~Context() {
    OM_uint32 minor = 0;
    if (context != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context, GSS_C_NO_BUFFER);
  }
};

ConnectionLogin::ConnectionLogin() = default;
ConnectionLogin::~ConnectionLogin() = default;

SealMechanism ConnectionLogin::mechanism() const {
  return context_ && context_->established ? context_->mechanism : SealMechanism::None;
}

void ConnectionLogin::log_out() {
  name.reset();
  context_.reset();
}

Result<wsman::SealedPart> ConnectionLogin::seal(std::string_view plain) {
  const SealMechanism mech = mechanism();
  if (mech == SealMechanism::None) return make_error("no Kerberos or NTLM context to seal with");
  wsman::SealedPart part;
  part.plain_length = plain.size();
  OM_uint32 minor = 0, ignored = 0;
  int conf_state = 0;
  if (mech == SealMechanism::Kerberos) {
    // MS-WSMV's layout as MIT's krb5 gives it: the header holds the token's header and
    // trailer, the data is encrypted in place (same length), padding follows it (none for AES).
    part.data.assign(plain);
    gss_iov_buffer_desc iov[3] = {};
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer = {part.data.size(), part.data.data()};
    iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
    OM_uint32 major =
        gss_wrap_iov(&minor, context_->context, 1, GSS_C_QOP_DEFAULT, &conf_state, iov, 3);
    if (!GSS_ERROR(major)) {
      part.header = bytes_of(iov[0].buffer);
      part.data += bytes_of(iov[2].buffer);
    }
    gss_release_iov_buffer(&ignored, iov, 3);
    if (GSS_ERROR(major)) return make_error("cannot seal: " + display(major, minor));
  } else {
    // gss-ntlmssp: the 16-byte signature, then the sealed text (same length).
    gss_buffer_desc input{plain.size(), const_cast<char*>(plain.data())};
    gss_buffer_desc output{0, nullptr};
    OM_uint32 major =
        gss_wrap(&minor, context_->context, 1, GSS_C_QOP_DEFAULT, &input, &conf_state, &output);
    std::string sealed = bytes_of(output);
    gss_release_buffer(&ignored, &output);
    if (GSS_ERROR(major)) return make_error("cannot seal: " + display(major, minor));
    constexpr size_t kSignature = 16;
    if (sealed.size() < kSignature)
      return make_error("cannot seal: NTLM gave " + std::to_string(sealed.size()) + " bytes");
    part.header = sealed.substr(0, kSignature);
    part.data = sealed.substr(kSignature);
  }
  if (!conf_state) return make_error("cannot seal: the context only signs (no confidentiality)");
  return part;
}

Result<std::string> ConnectionLogin::unseal(const wsman::SealedPart& part) {
  const SealMechanism mech = mechanism();
  if (mech == SealMechanism::None)
    return make_error("the connection has no Kerberos or NTLM context to unseal with");
  OM_uint32 minor = 0, ignored = 0, major = 0;
  int conf_state = 0;
  gss_qop_t qop = 0;
  std::string plain;
  if (mech == SealMechanism::Kerberos) {
    // As pyspnego's unwrap_winrm does with MIT: the header, the data (decrypted in place), and
    // an empty data buffer.
    std::string header = part.header;
    plain = part.data;
    gss_iov_buffer_desc iov[3] = {};
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[0].buffer = {header.size(), header.data()};
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer = {plain.size(), plain.data()};
    iov[2].type = GSS_IOV_BUFFER_TYPE_DATA;
    major = gss_unwrap_iov(&minor, context_->context, &conf_state, &qop, iov, 3);
    if (!GSS_ERROR(major)) plain.resize(iov[1].buffer.length);
  } else {
    std::string token = part.header + part.data;
    gss_buffer_desc input{token.size(), token.data()};
    gss_buffer_desc output{0, nullptr};
    major = gss_unwrap(&minor, context_->context, &input, &output, &conf_state, &qop);
    plain = bytes_of(output);
    gss_release_buffer(&ignored, &output);
  }
  if (GSS_ERROR(major) || (major & kOutOfSequence))
    return make_error("cannot unseal: " + display(major, minor));
  if (!conf_state) return make_error("cannot unseal: the message is signed but not encrypted");
  if (plain.size() != part.plain_length)
    return make_error("cannot unseal: " + std::to_string(plain.size()) +
                      " bytes of plain text, the OriginalContent Length says " +
                      std::to_string(part.plain_length));
  return plain;
}

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

LoginStep WindowsAuth::step(ConnectionLogin& login, std::string_view authorization, bool over_tls) {
  LoginStep step;
  size_t space = authorization.find(' ');
  std::string_view scheme = authorization.substr(0, space);
  if (!iequals(scheme, "Negotiate") && !iequals(scheme, "NTLM")) return step;
  step.scheme = iequals(scheme, "NTLM") ? "NTLM" : "Negotiate";
  // A new handshake on a logged-in connection logs it out until it succeeds, as on IIS.
  login.name.reset();
  if (login.context_ && login.context_->established) login.context_.reset();
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
  // Extended Protection is about the TLS channel: plain HTTP has none to bind to.
  const bool check =
      over_tls && options_.extended_protection != ExtendedProtection::None && !binding_.empty();
  gss_buffer_desc input{token.size(), token.data()};
  gss_buffer_desc output{0, nullptr};
  gss_name_t source = GSS_C_NO_NAME;
  gss_OID mech = GSS_C_NO_OID;
  OM_uint32 minor = 0, flags = 0;
  OM_uint32 major = gss_accept_sec_context(&minor, &login.context_->context, GSS_C_NO_CREDENTIAL,
                                           &input, check ? &bindings : GSS_C_NO_CHANNEL_BINDINGS,
                                           &source, &mech, &output, &flags, nullptr, nullptr);
  std::string reply = bytes_of(output);
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
  if (over_tls && options_.extended_protection == ExtendedProtection::Require &&
      !(flags & kChannelBound))
    return refuse("no channel binding (Extended Protection: Require)");
  // The context stays: it seals the connection's messages over plain HTTP.
  login.context_->established = true;
  login.context_->mechanism = mechanism_of(mech);
  login.name = step.name;
  step.outcome = LoginStep::Outcome::Authenticated;
  if (!reply.empty()) step.token = base64_encode(reply);
  return step;
}

}  // namespace sd::lab
