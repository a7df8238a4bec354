// WS-Management message encryption over plain HTTP (MS-WSMV 2.2.9.1, reference §4.1): how a
// SOAP body sealed with the connection's Kerberos or NTLM context travels, both directions.
//
//   Content-Type: multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";
//                 boundary="Encrypted Boundary"
//
//   --Encrypted Boundary\r\n
//   \tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
//   \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plain bytes>\r\n
//   --Encrypted Boundary\r\n
//   \tContent-Type: application/octet-stream\r\n
//   <u32 little-endian header length><header><sealed data>--Encrypted Boundary--\r\n
//
// The header is the security layer's signature (NTLM: 16 bytes; Kerberos: the wrap token's
// header and trailer). `multipart/x-multi-encrypted` repeats the two parts per 16 KB of plain
// text (what Windows sends with CredSSP); it is read, and written on request. Pure: the sealing
// itself is the caller's (runtime/http/gss_initiator.h, lab/server/windows_auth.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace sd::wsman {

inline constexpr std::string_view kSpnegoEncrypted = "application/HTTP-SPNEGO-session-encrypted";
inline constexpr std::string_view kSoapContentType = "application/soap+xml;charset=UTF-8";
// Plain text per part of multipart/x-multi-encrypted.
inline constexpr size_t kEncryptedChunkBytes = 16 * 1024;
// A signature larger than this is not a Kerberos or NTLM one (theirs are 16 to 76 bytes).
inline constexpr size_t kMaxSealHeaderBytes = 1024;

// One sealed part: what the security layer produced for one piece of plain text.
struct SealedPart {
  std::string header;       // the signature
  std::string data;         // the sealed bytes (padding included)
  size_t plain_length = 0;  // OriginalContent's Length: what unsealing must give back
};

// Whether a Content-Type is this framing (multipart/encrypted or multipart/x-multi-encrypted
// with protocol="application/HTTP-SPNEGO-session-encrypted").
[[nodiscard]] bool is_encrypted_content_type(std::string_view content_type);

// The Content-Type for a body of `parts` parts (multipart/x-multi-encrypted for more than one).
[[nodiscard]] std::string encrypted_content_type(size_t parts);

// The body carrying `parts`, each described as having plain text of type `original_type`.
[[nodiscard]] std::string encrypted_body(const std::vector<SealedPart>& parts,
                                         std::string_view original_type = kSoapContentType);

// The parts of a body in this framing, in order. `max_plain_bytes` bounds the sum of their
// Lengths. Errors say what is wrong and at which part: "part 1: no OriginalContent Length",
// "part 2: the signature is 70000 bytes (at most 1024)", "the body ends before part 1's closing
// boundary".
[[nodiscard]] Result<std::vector<SealedPart>> parse_encrypted_body(std::string_view content_type,
                                                                   std::string_view body,
                                                                   size_t max_plain_bytes);

}  // namespace sd::wsman
