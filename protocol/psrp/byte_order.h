// Fixed-width integers in a byte string, both orders: PSRP's fragment header is big-endian,
// its message header and CryptoAPI's key blobs little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sd::psrp {

inline void put_little_endian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

inline void put_big_endian(std::string& out, uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
    out += static_cast<char>((value >> shift) & 0xFF);
}

// All of `bytes` read as one number (at most 8 bytes).
inline uint64_t read_little_endian(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = bytes.size(); i-- > 0;)
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

inline uint64_t read_big_endian(std::string_view bytes) {
  uint64_t value = 0;
  for (char byte : bytes) value = (value << 8) | static_cast<unsigned char>(byte);
  return value;
}

}  // namespace sd::psrp
