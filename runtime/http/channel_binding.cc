#include "runtime/http/channel_binding.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

namespace sd::http {

std::optional<std::string> tls_server_end_point(X509* certificate) {
  if (!certificate) return std::nullopt;
  // X509_get_signature_info also knows RSA-PSS's hash (AD CS's "alternate signature format"),
  // which the signature algorithm's OID alone does not name.
  int digest_nid = NID_undef, key_nid = NID_undef;
  if (X509_get_signature_info(certificate, &digest_nid, &key_nid, nullptr, nullptr) != 1 ||
      digest_nid == NID_undef)
    return std::nullopt;
  if (digest_nid == NID_md5 || digest_nid == NID_sha1) digest_nid = NID_sha256;
  const EVP_MD* digest = EVP_get_digestbynid(digest_nid);
  if (!digest) return std::nullopt;
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(certificate, digest, hash, &size) != 1) return std::nullopt;
  return "tls-server-end-point:" + std::string(reinterpret_cast<const char*>(hash), size);
}

}  // namespace sd::http
