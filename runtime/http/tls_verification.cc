#include "runtime/http/tls_verification.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/x509v3.h>

namespace sd::http {

namespace {

struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

bool is_ip_address(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// Where the PeerCertificate of an SSL is kept for the verify callback.
int record_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Keeps the server's certificate and the first error; the verdict stays OpenSSL's.
int remember_peer(int preverified, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* record =
      ssl ? static_cast<PeerCertificate*>(SSL_get_ex_data(ssl, record_index())) : nullptr;
  if (!record) return preverified;
  if (!record->leaf) {
    if (X509* leaf = X509_STORE_CTX_get0_cert(store); leaf && X509_up_ref(leaf))
      record->leaf.reset(leaf);
  }
  if (!preverified && record->error == X509_V_OK) {
    record->error = X509_STORE_CTX_get_error(store);
    record->error_depth = X509_STORE_CTX_get_error_depth(store);
  }
  return preverified;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

bool prepare_verification(SSL* ssl, const std::string& host, PeerCertificate* record) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  bool ok = SSL_set_ex_data(ssl, record_index(), record) == 1;
  if (is_ip_address(host)) {
    ok = ok && X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = ok && SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
         X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, remember_peer);
  return ok;
}

std::optional<std::string> verification_failure(SSL* ssl, const PeerCertificate& record,
                                                const std::string& host) {
  long result = record.error != X509_V_OK ? record.error : SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return std::nullopt;
  bool about_leaf = record.error == X509_V_OK || record.error_depth == 0;
  if ((result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH) &&
      record.leaf) {
    std::vector<std::string> names = certificate_names(record.leaf.get());
    return "the certificate is for " + (names.empty() ? std::string("no name") : join(names)) +
           ", not " + host;
  }
  if (result == X509_V_ERR_CERT_HAS_EXPIRED && about_leaf && record.leaf) {
    int days = 0, seconds = 0;  // notAfter - now, both parts of one sign
    ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(record.leaf.get()));
    int days_ago = -days;
    if (days_ago <= 0) return std::string("the certificate expired less than a day ago");
    return "the certificate expired " + std::to_string(days_ago) +
           (days_ago == 1 ? " day ago" : " days ago");
  }
  return "certificate verify failed (" + std::string(X509_verify_cert_error_string(result)) + ")";
}

int days_to_expiry(X509* cert) {
  int days = 0, seconds = 0;
  if (!ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert))) return 0;
  // ASN1_TIME_diff truncates toward zero with both parts of one sign; round down instead.
  return (days < 0 || seconds < 0) && (seconds != 0) ? days - 1 : days;
}

std::string one_line_name(X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || !name) return "";
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) < 0) return "";
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::vector<std::string> certificate_names(X509* cert) {
  std::vector<std::string> out;
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* dns = name->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if (inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text)) out.emplace_back(text);
    }
  }
  if (out.empty()) {
    X509_NAME* subject = X509_get_subject_name(cert);
    int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index >= 0) {
      const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                       static_cast<size_t>(ASN1_STRING_length(cn)));
    }
  }
  return out;
}

}  // namespace sd::http
