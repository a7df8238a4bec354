#include "base/pbkdf2.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>

// SHA256_Init and friends are deprecated in OpenSSL 3 in favour of EVP, whose contexts live on
// the heap; this file needs a context it can copy by value, which only they give.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace sd {
namespace {

// HMAC-SHA256 with its key absorbed: the inner and outer states after the padded key block.
struct KeyedHmac {
  SHA256_CTX inner, outer;

  explicit KeyedHmac(std::string_view key) {
    unsigned char block[SHA256_CBLOCK] = {};
    if (key.size() > sizeof block) {
      SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
    } else {
      std::memcpy(block, key.data(), key.size());
    }
    unsigned char pad[SHA256_CBLOCK];
    for (size_t i = 0; i < sizeof pad; ++i) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, sizeof pad);
    for (size_t i = 0; i < sizeof pad; ++i) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, sizeof pad);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
  }
  ~KeyedHmac() {
    OPENSSL_cleanse(&inner, sizeof inner);
    OPENSSL_cleanse(&outer, sizeof outer);
  }

  // HMAC over the concatenation of `a` and `b`, in `ctx` (left holding key material: the
  // caller cleanses it once, not every round).
  void mac(SHA256_CTX& ctx, const unsigned char* a, size_t a_size, const unsigned char* b,
           size_t b_size, unsigned char out[SHA256_DIGEST_LENGTH]) const {
    ctx = inner;
    SHA256_Update(&ctx, a, a_size);
    if (b_size) SHA256_Update(&ctx, b, b_size);
    SHA256_Final(out, &ctx);
    ctx = outer;
    SHA256_Update(&ctx, out, SHA256_DIGEST_LENGTH);
    SHA256_Final(out, &ctx);
  }
};

}  // namespace

void pbkdf2_hmac_sha256(std::string_view password, std::string_view salt, unsigned rounds,
                        unsigned char* out, size_t size) {
  const KeyedHmac hmac(password);
  const auto* salt_bytes = reinterpret_cast<const unsigned char*>(salt.data());
  for (uint32_t block = 1; size > 0; ++block) {
    const unsigned char index[4] = {
        static_cast<unsigned char>(block >> 24), static_cast<unsigned char>(block >> 16),
        static_cast<unsigned char>(block >> 8), static_cast<unsigned char>(block)};
    SHA256_CTX ctx;
    unsigned char u[SHA256_DIGEST_LENGTH];
    uint64_t t[SHA256_DIGEST_LENGTH / 8], w[SHA256_DIGEST_LENGTH / 8];
    hmac.mac(ctx, salt_bytes, salt.size(), index, sizeof index, u);
    std::memcpy(t, u, sizeof t);
    for (unsigned r = 1; r < rounds; ++r) {
      hmac.mac(ctx, u, sizeof u, nullptr, 0, u);
      std::memcpy(w, u, sizeof w);  // XOR a word at a time
      for (size_t i = 0; i < std::size(t); ++i) t[i] ^= w[i];
    }
    OPENSSL_cleanse(&ctx, sizeof ctx);
    OPENSSL_cleanse(u, sizeof u);
    OPENSSL_cleanse(w, sizeof w);
    size_t n = std::min(size, sizeof t);
    std::memcpy(out, t, n);
    out += n;
    size -= n;
    OPENSSL_cleanse(t, sizeof t);
  }
}

}  // namespace sd

#pragma GCC diagnostic pop
