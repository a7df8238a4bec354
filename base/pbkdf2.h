// PBKDF2-HMAC-SHA256 (RFC 8018) for secret fingerprints, with the result of OpenSSL's
// PKCS5_PBKDF2_HMAC but without its allocation per round: OpenSSL copies a heap HMAC context
// 200,000 times for 100,000 rounds, which under AddressSanitizer made one fingerprint cost a
// third of a second and the suite's crash test minutes. Here the keyed inner and outer SHA-256
// states are computed once and copied by value. The test holds it to OpenSSL's, byte for byte.
#pragma once

#include <cstddef>
#include <string_view>

namespace sd {

// Derives `size` bytes into `out`; `rounds` >= 1.
void pbkdf2_hmac_sha256(std::string_view password, std::string_view salt, unsigned rounds,
                        unsigned char* out, size_t size);

}  // namespace sd
