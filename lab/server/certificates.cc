#include "lab/server/certificates.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "base/atomic_file.h"
#include "base/text_checks.h"

namespace sd::lab {

namespace {

namespace fs = std::filesystem;

struct FreeX509 {
  void operator()(X509* p) const { X509_free(p); }
};
struct FreeKey {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct FreeBio {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct FreeExtension {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct FreeBignum {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct FreeGeneralNames {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
using X509Ptr = std::unique_ptr<X509, FreeX509>;
using KeyPtr = std::unique_ptr<EVP_PKEY, FreeKey>;
using BioPtr = std::unique_ptr<BIO, FreeBio>;

constexpr int kCaValidDays = 3650;
constexpr long kSecondsPerDay = 24 * 60 * 60;

// The most recent OpenSSL error as text, and the error queue emptied.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

bool is_ip_address(const std::string& name) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

// A DNS name (with an optional leading wildcard label) of letters, digits, '-', '_' and '.'.
bool is_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  std::string_view rest = name;
  if (rest.starts_with("*.")) rest.remove_prefix(2);
  return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

// The names the server certificate must carry: the requested ones plus localhost, 127.0.0.1.
Result<std::vector<std::string>> wanted_names(const CertificateOptions& options) {
  std::vector<std::string> names;
  for (const std::string& name : options.names) {
    std::string clean = is_ip_address(name) ? name : to_lower_ascii(name);
    if (!is_ip_address(clean) && !is_dns_name(clean))
      return make_error("certificate name \"" + name + "\" is not a host name or IP address");
    if (std::find(names.begin(), names.end(), clean) == names.end()) names.push_back(clean);
  }
  for (const char* always : {"localhost", "127.0.0.1"})
    if (std::find(names.begin(), names.end(), always) == names.end()) names.push_back(always);
  return names;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

X509Ptr read_certificate(const std::string& path) {
  std::string text = read_text(path);
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  return cert;
}

KeyPtr read_key(const std::string& path) {
  std::string text = read_text(path);
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  return key;
}

// Whole days from now until the certificate's notAfter, rounded down (negative when expired).
int days_left(X509* cert) {
  int days = 0, seconds = 0;
  if (!ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert))) return -1;
  return seconds < 0 ? days - 1 : days;
}

// The DNS and IP subjectAltName entries, IPs in their usual text form.
std::set<std::string> san_names(X509* cert) {
  std::set<std::string> out;
  std::unique_ptr<GENERAL_NAMES, FreeGeneralNames> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* dns = name->d.dNSName;
      out.insert(
          to_lower_ascii(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                          static_cast<size_t>(ASN1_STRING_length(dns)))));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if (inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text)) out.insert(text);
    }
  }
  return out;
}

std::string common_name(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

// IPv6 names compare in canonical form, as san_names() prints them.
std::string canonical_ip(const std::string& name) {
  unsigned char buffer[16];
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET6, name.c_str(), buffer) == 1 &&
      inet_ntop(AF_INET6, buffer, text, sizeof text))
    return text;
  return name;
}

Result<KeyPtr> new_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return make_error("cannot generate an EC P-256 key: " + openssl_error());
  return key;
}

Status add_extension(X509* cert, X509V3_CTX* context, int nid, const std::string& value) {
  std::unique_ptr<X509_EXTENSION, FreeExtension> extension(
      X509V3_EXT_conf_nid(nullptr, context, nid, value.c_str()));
  if (!extension || !X509_add_ext(cert, extension.get(), -1))
    return make_error("cannot add the certificate extension " + std::string(OBJ_nid2sn(nid)) +
                      " = " + value + ": " + openssl_error());
  return ok_status();
}

// A certificate with a random serial, `subject_cn`, validity ending `valid_days` and half a day
// from now (in the past when negative, by half a day more) and starting a day before now or before
// the end, whichever is earlier. The half day makes "days to expiry" (rounded down) read
// `valid_days` whenever it is asked that day, not 364 or 365 depending on the second.
Result<X509Ptr> new_certificate(const std::string& subject_cn, EVP_PKEY* key, int valid_days) {
  X509Ptr cert(X509_new());
  std::unique_ptr<BIGNUM, FreeBignum> serial(BN_new());
  if (!cert || !serial || !X509_set_version(cert.get(), 2) ||
      !BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
    return make_error("cannot create a certificate: " + openssl_error());
  long not_after = static_cast<long>(valid_days) * kSecondsPerDay +
                   (valid_days < 0 ? -kSecondsPerDay / 2 : kSecondsPerDay / 2);
  long not_before = std::min(0L, not_after) - kSecondsPerDay;
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(subject_cn.c_str()), -1,
                                  -1, 0) ||
      !X509_set_pubkey(cert.get(), key))
    return make_error("cannot create a certificate: " + openssl_error());
  return cert;
}

Result<X509Ptr> new_ca(EVP_PKEY* key) {
  Result<X509Ptr> cert = new_certificate("syncdeploy lab CA", key, kCaValidDays);
  if (!cert.ok()) return cert;
  X509* ca = cert->get();
  if (!X509_set_issuer_name(ca, X509_get_subject_name(ca)))
    return make_error("cannot create the CA certificate: " + openssl_error());
  X509V3_CTX context;
  X509V3_set_ctx(&context, ca, ca, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    Status added = add_extension(ca, &context, nid, value);
    if (!added.ok()) return added.take_errors();
  }
  if (!X509_sign(ca, key, EVP_sha256()))
    return make_error("cannot sign the CA certificate: " + openssl_error());
  return cert;
}

Result<X509Ptr> new_server_certificate(const std::vector<std::string>& names, const std::string& cn,
                                       int valid_days, EVP_PKEY* key, X509* ca, EVP_PKEY* ca_key) {
  Result<X509Ptr> cert = new_certificate(cn, key, valid_days);
  if (!cert.ok()) return cert;
  X509* server = cert->get();
  if (!X509_set_issuer_name(server, X509_get_subject_name(ca)))
    return make_error("cannot create the server certificate: " + openssl_error());
  std::string alt_names;
  for (const std::string& name : names)
    alt_names +=
        (alt_names.empty() ? "" : ",") + std::string(is_ip_address(name) ? "IP:" : "DNS:") + name;
  X509V3_CTX context;
  X509V3_set_ctx(&context, ca, server, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, std::string("critical,CA:FALSE")},
                            std::pair{NID_key_usage, std::string("critical,digitalSignature")},
                            std::pair{NID_ext_key_usage, std::string("serverAuth")},
                            std::pair{NID_subject_key_identifier, std::string("hash")},
                            std::pair{NID_authority_key_identifier, std::string("keyid:always")},
                            std::pair{NID_subject_alt_name, alt_names}}) {
    Status added = add_extension(server, &context, nid, value);
    if (!added.ok()) return added.take_errors();
  }
  if (!X509_sign(server, ca_key, EVP_sha256()))
    return make_error("cannot sign the server certificate: " + openssl_error());
  return cert;
}

Result<std::string> pem_of(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_X509(bio.get(), cert))
    return make_error("cannot write a certificate: " + openssl_error());
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<std::string> pem_of(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
    return make_error("cannot write a private key: " + openssl_error());
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Status write_pem(const std::string& path, const Result<std::string>& pem, mode_t mode) {
  if (!pem.ok()) return pem.errors();
  return write_file_atomically(path, *pem, mode);
}

struct Authority {
  X509Ptr cert;
  KeyPtr key;
};

// The CA in `dir` when it is whole, its key matches and it has a year left; else a new one.
Result<Authority> ensure_ca(const std::string& ca_file, const std::string& ca_key_file,
                            bool& created) {
  Authority ca{read_certificate(ca_file), read_key(ca_key_file)};
  created = false;
  if (ca.cert && ca.key && X509_check_private_key(ca.cert.get(), ca.key.get()) == 1 &&
      days_left(ca.cert.get()) > 365)
    return ca;
  ERR_clear_error();
  created = true;
  Result<KeyPtr> key = new_key();
  if (!key.ok()) return key.take_errors();
  Result<X509Ptr> cert = new_ca(key->get());
  if (!cert.ok()) return cert.take_errors();
  // The key first: a CA file on disk must always have its key beside it.
  Status written = write_pem(ca_key_file, pem_of(key->get()), 0600);
  if (written.ok()) written = write_pem(ca_file, pem_of(cert->get()), 0644);
  if (!written.ok()) return written.take_errors();
  return Authority{std::move(cert).value(), std::move(key).value()};
}

// Whether the server certificate in `cert_file` can be kept: signed by `ca`, matching its key,
// naming `cn` and every wanted name, and with between 2 and valid_days + 1 days left.
bool server_reusable(const std::string& cert_file, const std::string& key_file, X509* ca,
                     const std::vector<std::string>& names, const std::string& cn, int valid_days) {
  X509Ptr cert = read_certificate(cert_file);
  KeyPtr key = read_key(key_file);
  bool reusable = cert && key && X509_check_private_key(cert.get(), key.get()) == 1 &&
                  X509_verify(cert.get(), X509_get0_pubkey(ca)) == 1;
  if (reusable) {
    int left = days_left(cert.get());
    std::set<std::string> present = san_names(cert.get());
    reusable = left > 1 && left <= valid_days + 1 && common_name(cert.get()) == cn &&
               std::all_of(names.begin(), names.end(), [&](const std::string& name) {
                 return present.count(canonical_ip(name)) > 0;
               });
  }
  ERR_clear_error();
  return reusable;
}

}  // namespace

Result<CertificateFiles> ensure_certificates(const std::string& dir,
                                             const CertificateOptions& options) {
  try {
    Result<std::vector<std::string>> names = wanted_names(options);
    if (!names.ok()) return names.take_errors();
    std::string cn = options.common_name.empty() ? names->front() : options.common_name;

    std::error_code error;
    fs::create_directories(dir, error);
    if (error)
      return make_error("cannot create the certificate folder " + dir + ": " + error.message());
    CertificateFiles files;
    files.ca_file = (fs::path(dir) / "lab-ca.pem").string();
    files.cert_file = (fs::path(dir) / "lab-server.pem").string();
    files.key_file = (fs::path(dir) / "lab-server.key").string();
    std::string ca_key_file = (fs::path(dir) / "lab-ca.key").string();

    bool ca_created = false;
    Result<Authority> ca = ensure_ca(files.ca_file, ca_key_file, ca_created);
    if (!ca.ok()) return ca.take_errors();
    if (!ca_created && server_reusable(files.cert_file, files.key_file, ca->cert.get(), *names, cn,
                                       options.valid_days))
      return files;

    Result<KeyPtr> key = new_key();
    if (!key.ok()) return key.take_errors();
    Result<X509Ptr> cert = new_server_certificate(*names, cn, options.valid_days, key->get(),
                                                  ca->cert.get(), ca->key.get());
    if (!cert.ok()) return cert.take_errors();
    // The certificate file holds the chain (server, then CA), as servers usually send it.
    Result<std::string> server_pem = pem_of(cert->get());
    Result<std::string> ca_pem = pem_of(ca->cert.get());
    if (!server_pem.ok()) return server_pem.take_errors();
    if (!ca_pem.ok()) return ca_pem.take_errors();
    Status written = write_pem(files.key_file, pem_of(key->get()), 0600);
    if (written.ok()) written = write_file_atomically(files.cert_file, *server_pem + *ca_pem, 0644);
    if (!written.ok()) return written.take_errors();
    return files;
  } catch (const std::exception& e) {
    return make_error("cannot create the lab certificates in " + dir + ": " + e.what());
  }
}

}  // namespace sd::lab
