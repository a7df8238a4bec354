#include "base/digest.h"

#include <openssl/evp.h>

#include <cstdint>

namespace sd {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void Sha256::add_part(std::string_view part) {
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  unsigned char length[8];
  uint64_t n = part.size();
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(n >> (8 * i));
  EVP_DigestUpdate(ctx, length, sizeof length);
  EVP_DigestUpdate(ctx, part.data(), part.size());
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::initializer_list<std::string_view> parts) {
  Sha256 sha;
  for (std::string_view p : parts) sha.add_part(p);
  return sha.hex();
}

}  // namespace sd
