#include "protocol/psrp/secure_string.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstdint>

#include "base/base64.h"
#include "protocol/powershell_command.h"
#include "protocol/psrp/byte_order.h"

namespace sd::psrp {
namespace {

constexpr size_t kAesKeySize = 32;
constexpr uint32_t kCalgRsaKeyx = 0x0000A400;
constexpr uint32_t kCalgAes256 = 0x00006610;
constexpr unsigned char kPublicKeyBlob = 0x06, kSimpleBlob = 0x01, kBlobVersion = 0x02;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct CtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct CipherFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using Bignum = std::unique_ptr<BIGNUM, BnFree>;

uint32_t get_u32_le(std::string_view bytes) {
  return static_cast<uint32_t>(read_little_endian(bytes.substr(0, 4)));
}

std::string blob_header(unsigned char type, uint32_t algorithm) {
  std::string out{static_cast<char>(type), static_cast<char>(kBlobVersion), '\0', '\0'};
  put_little_endian(out, algorithm, 4);
  return out;
}

// A big number as `size` little-endian bytes (CryptoAPI's order), and back.
std::string little_endian(const BIGNUM* number, size_t size) {
  std::string out(size, '\0');
  BN_bn2lebinpad(number, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size));
  return out;
}

Result<std::string> aes_cbc(std::string_view key, std::string_view input, bool encrypt) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> ctx(EVP_CIPHER_CTX_new());
  const unsigned char iv[16] = {};
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr,
                                reinterpret_cast<const unsigned char*>(key.data()), iv,
                                encrypt ? 1 : 0) != 1)
    return make_error("SecureString: AES is not available");
  std::string out(input.size() + 16, '\0');
  int written = 0, last = 0;
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_CipherUpdate(ctx.get(), data, &written,
                       reinterpret_cast<const unsigned char*>(input.data()),
                       static_cast<int>(input.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), data + written, &last) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return make_error("SecureString: the value does not decrypt with the session key");
  }
  out.resize(static_cast<size_t>(written + last));
  return out;
}

}  // namespace

// ---- SessionKey ----------------------------------------------------------------------------

Result<SessionKey> SessionKey::from_bytes(std::string_view bytes) {
  if (bytes.size() != kAesKeySize)
    return make_error("SecureString: a session key of " + std::to_string(bytes.size()) +
                      " bytes is not an AES-256 key");
  return SessionKey(std::string(bytes));
}

SessionKey SessionKey::generate() {
  std::string key(kAesKeySize, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size()));
  return SessionKey(std::move(key));
}

SessionKey::SessionKey(SessionKey&& other) noexcept : key_(std::move(other.key_)) {
  other.key_.clear();
}

SessionKey& SessionKey::operator=(SessionKey&& other) noexcept {
  if (this != &other) {
    OPENSSL_cleanse(key_.data(), key_.size());
    key_ = std::move(other.key_);
    other.key_.clear();
  }
  return *this;
}

SessionKey::~SessionKey() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

std::string SessionKey::encrypt(std::string_view utf8) const {
  std::string plain = utf16le_from_utf8(utf8);
  Result<std::string> sealed = aes_cbc(key_, plain, true);
  OPENSSL_cleanse(plain.data(), plain.size());
  return sealed ? base64_encode(*sealed) : std::string();
}

Result<std::string> SessionKey::decrypt(std::string_view base64) const {
  std::string sealed;
  if (!base64_decode(base64, sealed)) return make_error("SecureString: the value is not base64");
  if (sealed.empty() || sealed.size() % 16 != 0)
    return make_error("SecureString: the value is not whole AES blocks");
  Result<std::string> plain = aes_cbc(key_, sealed, false);
  if (!plain) return plain.take_errors();
  Result<std::string> text = utf8_from_utf16le(*plain);
  OPENSSL_cleanse(plain->data(), plain->size());
  if (!text) return make_error("SecureString: the value is not UTF-16 text");
  return text;
}

// ---- KeyPair -------------------------------------------------------------------------------

struct KeyPair::Impl {
  explicit Impl(EVP_PKEY* owned) : key(owned) {}
  ~Impl() { EVP_PKEY_free(key); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  EVP_PKEY* key;
};

KeyPair::KeyPair(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyPair::KeyPair(KeyPair&&) noexcept = default;
KeyPair& KeyPair::operator=(KeyPair&&) noexcept = default;
KeyPair::~KeyPair() = default;

Result<KeyPair> KeyPair::generate() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  if (!key) return make_error("SecureString: no RSA key could be made");
  return KeyPair(std::make_unique<Impl>(key.release()));
}

Result<KeyPair> KeyPair::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Pkey key(bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr);
  BIO_free(bio);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
    return make_error("SecureString: the PEM holds no RSA private key");
  return KeyPair(std::make_unique<Impl>(key.release()));
}

std::string KeyPair::public_key_blob() const {
  BIGNUM *n = nullptr, *e = nullptr;
  EVP_PKEY_get_bn_param(impl_->key, OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(impl_->key, OSSL_PKEY_PARAM_RSA_E, &e);
  Bignum modulus(n), exponent(e);
  const int bits = EVP_PKEY_get_bits(impl_->key);
  std::string blob = blob_header(kPublicKeyBlob, kCalgRsaKeyx);
  blob += "RSA1";
  put_little_endian(blob, static_cast<uint32_t>(bits), 4);
  put_little_endian(blob, BN_get_word(exponent.get()), 4);
  blob += little_endian(modulus.get(), static_cast<size_t>(bits) / 8);
  return base64_encode(blob);
}

Result<SessionKey> KeyPair::decrypt_session_key(std::string_view base64_blob) const {
  std::string blob;
  if (!base64_decode(base64_blob, blob))
    return make_error("ENCRYPTED_SESSION_KEY: the key is not base64");
  if (blob.size() < 12 + 64 || blob[0] != kSimpleBlob || blob[1] != kBlobVersion ||
      get_u32_le(std::string_view(blob).substr(4, 4)) != kCalgAes256 ||
      get_u32_le(std::string_view(blob).substr(8, 4)) != kCalgRsaKeyx)
    return make_error(
        "ENCRYPTED_SESSION_KEY: not a SIMPLEBLOB of an AES-256 key for RSA key exchange");
  std::string sealed = blob.substr(12);
  std::reverse(sealed.begin(), sealed.end());
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new(impl_->key, nullptr));
  size_t length = 0;
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &length,
                       reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size()) != 1)
    return make_error("ENCRYPTED_SESSION_KEY: the key does not decrypt with our RSA key");
  std::string plain(length, '\0');
  if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &length,
                       reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size()) != 1) {
    return make_error("ENCRYPTED_SESSION_KEY: the key does not decrypt with our RSA key");
  }
  plain.resize(length);
  Result<SessionKey> key = SessionKey::from_bytes(plain);
  OPENSSL_cleanse(plain.data(), plain.size());
  return key;
}

// ---- The server's half ---------------------------------------------------------------------

Result<std::string> encrypt_session_key(const SessionKey& key, std::string_view public_key_blob) {
  std::string blob;
  if (!base64_decode(public_key_blob, blob) || blob.size() < 20 || blob[0] != kPublicKeyBlob ||
      blob.compare(8, 4, "RSA1") != 0)
    return make_error("PUBLIC_KEY: not an RSA PUBLICKEYBLOB");
  const uint32_t bits = get_u32_le(std::string_view(blob).substr(12, 4));
  const uint32_t exponent_word = get_u32_le(std::string_view(blob).substr(16, 4));
  if (bits < 1024 || bits > 16384 || bits % 8 != 0 || blob.size() != 20 + bits / 8)
    return make_error("PUBLIC_KEY: the key's size does not match its blob");
  const auto* modulus_bytes = reinterpret_cast<const unsigned char*>(blob.data() + 20);
  Bignum modulus(BN_lebin2bn(modulus_bytes, static_cast<int>(bits / 8), nullptr));
  Bignum exponent(BN_new());
  BN_set_word(exponent.get(), exponent_word);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, modulus.get());
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, exponent.get());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> from(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  const bool made = from && EVP_PKEY_fromdata_init(from.get()) == 1 &&
                    EVP_PKEY_fromdata(from.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  Pkey public_key(raw);
  if (!made) return make_error("PUBLIC_KEY: not a usable RSA key");
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new(public_key.get(), nullptr));
  size_t length = 0;
  const auto* plain = reinterpret_cast<const unsigned char*>(key.bytes().data());
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &length, plain, key.bytes().size()) != 1)
    return make_error("PUBLIC_KEY: the session key cannot be encrypted to it");
  std::string sealed(length, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(sealed.data()), &length, plain,
                       key.bytes().size()) != 1)
    return make_error("PUBLIC_KEY: the session key cannot be encrypted to it");
  sealed.resize(length);
  std::reverse(sealed.begin(), sealed.end());
  std::string out = blob_header(kSimpleBlob, kCalgAes256);
  put_little_endian(out, kCalgRsaKeyx, 4);
  out += sealed;
  return base64_encode(out);
}

}  // namespace sd::psrp
