#include "runtime/http/gss_initiator.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

namespace sd::http {
namespace {

gss_OID_desc kSpnego = {6, const_cast<char*>("\x2b\x06\x01\x05\x05\x02")};
gss_OID_desc kNtlm = {10, const_cast<char*>("\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a")};

gss_buffer_desc buffer_of(std::string_view text) {
  return gss_buffer_desc{text.size(), const_cast<char*>(text.data())};
}

struct Name {
  gss_name_t name = GSS_C_NO_NAME;
  ~Name() {
    OM_uint32 minor = 0;
    if (name != GSS_C_NO_NAME) gss_release_name(&minor, &name);
  }
};

struct Buffer {
  gss_buffer_desc buffer{0, nullptr};
  ~Buffer() {
    OM_uint32 minor = 0;
    gss_release_buffer(&minor, &buffer);
  }
  [[nodiscard]] std::string text() const {
    return std::string(static_cast<const char*>(buffer.value), buffer.length);
  }
};

// GSS-API's own words for a status code, all of them ("...; ...").
std::string display(OM_uint32 code, int type, gss_OID mech) {
  std::string out;
  OM_uint32 context = 0;
  do {
    OM_uint32 minor = 0;
    Buffer text;
    if (GSS_ERROR(gss_display_status(&minor, code, type, mech, &context, &text.buffer))) break;
    if (!out.empty()) out += "; ";
    out += text.text();
  } while (context != 0);
  return out;
}

// What a person can do about a Kerberos failure, where the code says it; empty otherwise.
std::string advice(OM_uint32 minor, const std::string& service, const std::string& principal) {
  auto is = [minor](long code) { return minor == static_cast<OM_uint32>(code); };
  const std::string who =
      principal.empty() ? std::string("the credential cache's principal") : principal;
  if (is(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN))
    return "the KDC does not know the service " + service +
           " (check the SPN: set `spn` where a load-balanced name is used)";
  if (is(KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN)) return "the KDC does not know " + who;
  if (is(KRB5KRB_AP_ERR_SKEW))
    return "the clocks of this machine and the KDC or server differ by more than 5 minutes";
  if (is(KRB5KRB_AP_ERR_TKT_NYV))
    return "the server finds the ticket not valid yet: the clocks of the KDC and the server "
           "differ by more than 5 minutes";
  if (is(KRB5KDC_ERR_PREAUTH_FAILED) || is(KRB5KRB_AP_ERR_BAD_INTEGRITY))
    return "wrong password or key for " + who;
  if (is(KRB5KDC_ERR_CLIENT_REVOKED)) return who + " is locked out or disabled";
  if (is(KRB5KDC_ERR_KEY_EXP)) return "the password of " + who + " has expired";
  if (is(KRB5KRB_AP_ERR_TKT_EXPIRED))
    return "the Kerberos ticket of " + who +
           " has expired (kinit again, or give a keytab or a password, which renew it)";
  if (is(KRB5_KDC_UNREACH) || is(KRB5_REALM_CANT_RESOLVE))
    return "cannot reach a KDC of the realm (check KRB5_CONFIG and the KDC's address)";
  if (is(KRB5_REALM_UNKNOWN)) return "no KDC is configured for the realm (check KRB5_CONFIG)";
  if (is(KRB5_FCC_NOFILE) || is(KRB5_CC_NOTFOUND))
    return "no Kerberos ticket for " + who +
           " in the credential cache (run kinit, give a keytab, or a password)";
  if (is(KRB5_KT_NOTFOUND) || is(KRB5_KT_END)) return "the keytab has no key for " + who;
  return "";
}

// GSS-API's own words for a failure (and the mechanism's, with `with_detail`).
std::string gss_words(OM_uint32 major, OM_uint32 minor, bool with_detail) {
  std::string why = display(major, GSS_C_GSS_CODE, GSS_C_NO_OID);
  if (!with_detail || minor == 0) return why;
  std::string detail = display(minor, GSS_C_MECH_CODE, GSS_C_NO_OID);
  return detail.empty() ? why : why + " (" + detail + ")";
}

// Why a GSS-API call of the handshake failed: the advice for the mechanism's code, an expired
// credential as such, else gss_words().
std::string failure_reason(OM_uint32 major, OM_uint32 minor, const std::string& service,
                           const std::string& principal, bool with_detail) {
  std::string why = advice(minor, service, principal);
  if (why.empty() && GSS_ROUTINE_ERROR(major) == GSS_S_CREDENTIALS_EXPIRED)
    why = advice(static_cast<OM_uint32>(KRB5KRB_AP_ERR_TKT_EXPIRED), service, principal);
  return why.empty() ? gss_words(major, minor, with_detail) : why;
}

// Why sealing or unsealing failed. The handshake's advice does not apply (a bad integrity
// check here is a message altered on the way, not a wrong password).
std::string seal_failure(OM_uint32 major, OM_uint32 minor) {
  const OM_uint32 routine = GSS_ROUTINE_ERROR(major);
  std::string why = gss_words(major, minor, true);
  if (routine == GSS_S_BAD_SIG || routine == GSS_S_DEFECTIVE_TOKEN ||
      minor == static_cast<OM_uint32>(KRB5KRB_AP_ERR_BAD_INTEGRITY))
    return "the message was altered on the way or is not from the server (" + why + ")";
  return why;
}

bool same_oid(gss_const_OID a, const gss_OID_desc& b) {
  return a && a->length == b.length && std::memcmp(a->elements, b.elements, b.length) == 0;
}

class Handshake : public GssHandshake {
 public:
  Handshake(gss_cred_id_t credential, gss_name_t target, gss_OID mechanism, std::string binding,
            std::string service, std::string principal, bool seal_messages)
      : credential_(credential),
        target_(target),
        mechanism_(mechanism),
        binding_(std::move(binding)),
        service_(std::move(service)),
        principal_(std::move(principal)),
        seal_messages_(seal_messages) {}
  ~Handshake() override {
    OM_uint32 minor = 0;
    if (context_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context_, GSS_C_NO_BUFFER);
  }

  Result<std::string> step(std::string_view server_token) override {
    if (complete_) return std::string();
    gss_channel_bindings_struct bindings{};
    bindings.initiator_addrtype = GSS_C_AF_UNSPEC;
    bindings.acceptor_addrtype = GSS_C_AF_UNSPEC;
    bindings.application_data = buffer_of(binding_);
    gss_buffer_desc input = buffer_of(server_token);
    Buffer output;
    OM_uint32 minor = 0, flags = 0;
    const OM_uint32 wanted =
        GSS_C_MUTUAL_FLAG | (seal_messages_ ? kSealFlags : static_cast<OM_uint32>(0));
    gss_OID actual = GSS_C_NO_OID;
    OM_uint32 major = gss_init_sec_context(
        &minor, credential_, &context_, target_, mechanism_, wanted, GSS_C_INDEFINITE,
        binding_.empty() ? GSS_C_NO_CHANNEL_BINDINGS : &bindings,
        server_token.empty() ? GSS_C_NO_BUFFER : &input, &actual, &output.buffer, &flags, nullptr);
    if (GSS_ERROR(major))
      return make_error((server_token.empty() ? "cannot start authentication for "
                                              : "authentication failed for ") +
                        service_ + ": " + failure_reason(major, minor, service_, principal_, true));
    complete_ = major == GSS_S_COMPLETE;
    if (complete_) {
      kerberos_ = same_oid(actual, *gss_mech_krb5);
      ntlm_ = same_oid(actual, kNtlm);
      confidential_ = (flags & GSS_C_CONF_FLAG) != 0;
    }
    return output.text();
  }
  bool complete() const override { return complete_; }

  Result<SealedMessage> seal(std::string_view plain) override {
    if (Status usable = sealable(); !usable.ok()) return usable.take_errors();
    OM_uint32 minor = 0, major = 0;
    int encrypted = 0;
    SealedMessage out;
    if (kerberos_) {
      // Encrypted in place; the header (and trailer, rotated into it) and the padding apart.
      out.data.assign(plain);
      gss_iov_buffer_desc iov[3] = {
          {GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE, {0, nullptr}},
          {GSS_IOV_BUFFER_TYPE_DATA, {out.data.size(), out.data.data()}},
          {GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE, {0, nullptr}}};
      major = gss_wrap_iov(&minor, context_, 1, GSS_C_QOP_DEFAULT, &encrypted, iov, 3);
      if (!GSS_ERROR(major)) {
        out.header.assign(static_cast<const char*>(iov[0].buffer.value), iov[0].buffer.length);
        out.data.append(static_cast<const char*>(iov[2].buffer.value), iov[2].buffer.length);
      }
      OM_uint32 ignored = 0;
      gss_release_iov_buffer(&ignored, iov, 3);
    } else {
      gss_buffer_desc input = buffer_of(plain);
      Buffer wrapped;
      major = gss_wrap(&minor, context_, 1, GSS_C_QOP_DEFAULT, &input, &encrypted, &wrapped.buffer);
      if (!GSS_ERROR(major)) {
        std::string token = wrapped.text();
        if (token.size() < kNtlmSignatureBytes)
          return make_error("cannot encrypt for " + service_ + ": the NTLM token is too short");
        out.header = token.substr(0, kNtlmSignatureBytes);
        out.data = token.substr(kNtlmSignatureBytes);
      }
    }
    if (GSS_ERROR(major))
      return make_error("cannot encrypt for " + service_ + ": " + seal_failure(major, minor));
    if (!encrypted) return make_error("cannot encrypt for " + service_ + ": GSS-API only signed");
    return out;
  }

  Result<std::string> unseal(std::string_view header, std::string_view data) override {
    if (Status usable = sealable(); !usable.ok()) return usable.take_errors();
    OM_uint32 minor = 0, major = 0;
    int encrypted = 0;
    gss_qop_t qop = 0;
    std::string plain;
    if (kerberos_) {
      // The trailing empty data buffer lets MIT krb5 place the padding of RC4 tokens as well.
      std::string head(header);
      plain.assign(data);
      gss_iov_buffer_desc iov[3] = {{GSS_IOV_BUFFER_TYPE_HEADER, {head.size(), head.data()}},
                                    {GSS_IOV_BUFFER_TYPE_DATA, {plain.size(), plain.data()}},
                                    {GSS_IOV_BUFFER_TYPE_DATA, {0, nullptr}}};
      major = gss_unwrap_iov(&minor, context_, &encrypted, &qop, iov, 3);
      if (!GSS_ERROR(major)) plain.resize(iov[1].buffer.length);
    } else {
      std::string token;
      token.reserve(header.size() + data.size());
      token.append(header).append(data);
      gss_buffer_desc input = buffer_of(token);
      Buffer unwrapped;
      major = gss_unwrap(&minor, context_, &input, &unwrapped.buffer, &encrypted, &qop);
      if (!GSS_ERROR(major)) plain = unwrapped.text();
    }
    if (GSS_ERROR(major))
      return make_error("cannot decrypt the answer of " + service_ + ": " +
                        seal_failure(major, minor));
    // Not errors to GSS-API, but an answer replayed, or one of several lost, is not taken.
    if (GSS_SUPPLEMENTARY_INFO(major) &
        (GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN | GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN))
      return make_error("the answer of " + service_ + " is a replay or out of order (" +
                        gss_words(major, minor, false) + ")");
    if (!encrypted)
      return make_error("the answer of " + service_ + " was signed but not encrypted");
    return plain;
  }

 private:
  gss_cred_id_t credential_;  // owned by the initiator
  gss_name_t target_;         // owned by the initiator
  gss_OID mechanism_;
  gss_ctx_id_t context_ = GSS_C_NO_CONTEXT;
  std::string binding_;
  std::string service_;
  std::string principal_;
  bool seal_messages_ = false;
  bool complete_ = false;
  bool kerberos_ = false, ntlm_ = false, confidential_ = false;  // once complete

  static constexpr OM_uint32 kSealFlags =
      GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG;
  static constexpr size_t kNtlmSignatureBytes = 16;

  Status sealable() const {
    if (!complete_) return make_error("the security context with " + service_ + " is not complete");
    if (!kerberos_ && !ntlm_)
      return make_error("message encryption needs Kerberos or NTLM, not the mechanism " + service_ +
                        " agreed on");
    if (!confidential_)
      return make_error("the security context with " + service_ + " gives no encryption");
    return ok_status();
  }
};

class Initiator : public GssInitiator {
 public:
  explicit Initiator(GssSettings settings) : settings_(std::move(settings)) {}
  ~Initiator() override {
    OM_uint32 minor = 0;
    for (gss_cred_id_t* credential : {&spnego_, &ntlm_})
      if (*credential != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, credential);
    for (gss_name_t* name : {&principal_target_, &host_target_})
      if (*name != GSS_C_NO_NAME) gss_release_name(&minor, name);
    // The keytab's tickets leave memory with the client (a password's cache is GSS-API's own,
    // destroyed with its credential above).
    krb5_context context = nullptr;
    if (!memory_caches_.empty() && krb5_init_context(&context) == 0) {
      for (const std::string& cache_name : memory_caches_) {
        krb5_ccache cache = nullptr;
        if (krb5_cc_resolve(context, cache_name.c_str(), &cache) == 0)
          (void)krb5_cc_destroy(context, cache);
      }
      krb5_free_context(context);
    }
  }

  Result<std::unique_ptr<GssHandshake>> start(std::string channel_binding, bool raw_ntlm) override {
    std::lock_guard lock(mutex_);
    // Kerberos alone uses the principal as written (HTTP/host@REALM for a load-balanced name);
    // SPNEGO and NTLM a host-based name, which gss-ntlmssp can import too.
    const bool exact = kerberos_only() && !raw_ntlm;
    gss_name_t& target = exact ? principal_target_ : host_target_;
    if (target == GSS_C_NO_NAME) {
      Status named = import_target(exact, target);
      if (!named.ok()) return named.take_errors();
    }
    gss_cred_id_t& credential = raw_ntlm ? ntlm_ : spnego_;
    // A credential that could not be had is not asked for again in this run: a wrong password
    // tried once per connection would count towards the account's lockout at every handshake.
    std::optional<std::vector<Error>>& failed = raw_ntlm ? ntlm_failed_ : spnego_failed_;
    if (failed) return *failed;
    if (credential == GSS_C_NO_CREDENTIAL) {
      Status acquired = acquire(raw_ntlm, credential);
      if (!acquired.ok()) {
        failed = acquired.errors();
        return acquired.take_errors();
      }
    }
    // Kerberos alone speaks the krb5 mechanism itself, inside the Negotiate scheme as Windows
    // clients may: SPNEGO would hide why Kerberos failed behind "cannot find mechanisms".
    gss_OID mechanism = raw_ntlm ? &kNtlm : kerberos_only() ? gss_mech_krb5 : &kSpnego;
    return std::unique_ptr<GssHandshake>(std::make_unique<Handshake>(
        credential, target, mechanism, std::move(channel_binding), settings_.service,
        principal_locked(), settings_.seal_messages));
  }

  std::string principal() const override {
    std::lock_guard lock(mutex_);
    return principal_locked();
  }

 private:
  bool kerberos_only() const { return settings_.mechanism == GssSettings::Mechanism::Kerberos; }
  std::string principal_locked() const {
    return settings_.user.empty() ? cached_principal_ : user_name();
  }

  // A UPN's domain in upper case is the Active Directory realm: nexj-sync@example.local is
  // nexj-sync@EXAMPLE.LOCAL to Kerberos (and to NTLM, which ignores the case).
  std::string user_name() const {
    std::string name = settings_.user;
    size_t at = name.rfind('@');
    if (at != std::string::npos && name.find('\\') == std::string::npos)
      for (size_t i = at + 1; i < name.size(); ++i)
        name[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[i])));
    return name;
  }

  // "HTTP/host" as a host-based service name (the realm from [domain_realm]); with `exact`,
  // "HTTP/host@REALM" as a Kerberos principal, exactly.
  Status import_target(bool exact, gss_name_t& target) {
    const std::string& service = settings_.service;
    size_t slash = service.find('/');
    if (slash == std::string::npos) return make_error("the SPN " + service + " has no host");
    std::string text = service;
    gss_OID type = GSS_KRB5_NT_PRINCIPAL_NAME;
    if (!exact || service.find('@') == std::string::npos) {
      text =
          service.substr(0, slash) + "@" + service.substr(slash + 1, service.find('@') - slash - 1);
      type = GSS_C_NT_HOSTBASED_SERVICE;
    }
    OM_uint32 minor = 0;
    gss_buffer_desc name = buffer_of(text);
    if (GSS_ERROR(gss_import_name(&minor, &name, type, &target)))
      return make_error("the SPN " + service + " is not a valid service name");
    return ok_status();
  }

  Status acquire(bool raw_ntlm, gss_cred_id_t& credential) {
    using Mechanism = GssSettings::Mechanism;
    OM_uint32 minor = 0, major = 0;
    Name user;
    const std::string name = user_name();
    if (!name.empty()) {
      gss_buffer_desc text = buffer_of(name);
      if (GSS_ERROR(gss_import_name(&minor, &text, GSS_C_NT_USER_NAME, &user.name)))
        return make_error("the account name " + settings_.user + " is not valid");
    }
    gss_OID acquire_mech = raw_ntlm ? &kNtlm : kerberos_only() ? gss_mech_krb5 : &kSpnego;
    gss_OID_set_desc mechs{1, acquire_mech};
    if (!settings_.password.empty()) {
      // GSS-API keeps a password's tickets in a memory cache of its own.
      gss_buffer_desc password = buffer_of(settings_.password);
      major = gss_acquire_cred_with_password(&minor, user.name, &password, GSS_C_INDEFINITE, &mechs,
                                             GSS_C_INITIATE, &credential, nullptr, nullptr);
    } else if (!settings_.keytab.empty()) {
      // A keytab's tickets go to a memory cache too, never to disk; destroyed with the initiator.
      static std::atomic<uint64_t> caches{0};
      const std::string& memory_cache = memory_caches_.emplace_back(
          "MEMORY:syncdeploy-" + std::to_string(::getpid()) + "-" + std::to_string(++caches));
      gss_key_value_element_desc elements[] = {{"client_keytab", settings_.keytab.c_str()},
                                               {"ccache", memory_cache.c_str()}};
      gss_key_value_set_desc store{2, elements};
      major = gss_acquire_cred_from(&minor, user.name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                                    &store, &credential, nullptr, nullptr);
    } else {
      major = gss_acquire_cred(&minor, user.name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                               &credential, nullptr, nullptr);
    }
    if (GSS_ERROR(major)) {
      credential = GSS_C_NO_CREDENTIAL;
      return make_error("cannot get credentials" + (name.empty() ? std::string() : " for " + name) +
                        ": " + failure_reason(major, minor, settings_.service, name, false));
    }
    if (name.empty()) cached_principal_ = credential_name(credential);
    if (raw_ntlm || kerberos_only()) return ok_status();
    // Which mechanisms SPNEGO may offer: a credential acquired for SPNEGO holds both.
    gss_OID_desc both[] = {*gss_mech_krb5, kNtlm};
    gss_OID_set_desc offered{2, both};
    if (settings_.mechanism == Mechanism::Ntlm) offered = {1, &both[1]};
    if (GSS_ERROR(gss_set_neg_mechs(&minor, credential, &offered))) {
      gss_release_cred(&minor, &credential);  // never used without its limits
      credential = GSS_C_NO_CREDENTIAL;
      return make_error("GSS-API cannot limit SPNEGO to the mechanisms asked for");
    }
    return ok_status();
  }

  // The principal of the credential cache's ticket, when the spec names no user (for errors).
  static std::string credential_name(gss_cred_id_t credential) {
    OM_uint32 minor = 0;
    Name name;
    if (GSS_ERROR(gss_inquire_cred(&minor, credential, &name.name, nullptr, nullptr, nullptr)))
      return "";
    Buffer text;
    if (GSS_ERROR(gss_display_name(&minor, name.name, &text.buffer, nullptr))) return "";
    return text.text();
  }

  GssSettings settings_;
  std::vector<std::string> memory_caches_;  // MEMORY: ticket caches of keytab credentials
  std::string cached_principal_;
  mutable std::mutex mutex_;
  gss_name_t principal_target_ = GSS_C_NO_NAME, host_target_ = GSS_C_NO_NAME;
  std::optional<std::vector<Error>> spnego_failed_, ntlm_failed_;
  gss_cred_id_t spnego_ = GSS_C_NO_CREDENTIAL;
  gss_cred_id_t ntlm_ = GSS_C_NO_CREDENTIAL;
};

}  // namespace

std::shared_ptr<GssInitiator> GssInitiator::create(GssSettings settings) {
  return std::make_shared<Initiator>(std::move(settings));
}

}  // namespace sd::http
