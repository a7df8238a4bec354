// SecureString over PSRP (MS-PSRP 3.1.5.4.6): the client sends an RSA public key (PUBLIC_KEY, a
// CryptoAPI PUBLICKEYBLOB), the server answers with a fresh AES-256 key encrypted to it
// (ENCRYPTED_SESSION_KEY, a SIMPLEBLOB, PKCS#1 v1.5), and every <SS> is then AES-256-CBC (zero
// IV, PKCS#7 padding) of the UTF-16LE text. Both halves, so that the lab's host is the real
// other side. Key material is wiped when it goes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"

namespace sd::psrp {

class SessionKey {
 public:
  // From the 32 raw bytes.
  [[nodiscard]] static Result<SessionKey> from_bytes(std::string_view bytes);
  [[nodiscard]] static SessionKey generate();
  SessionKey(const SessionKey&) = delete;
  SessionKey& operator=(const SessionKey&) = delete;
  SessionKey(SessionKey&& other) noexcept;
  SessionKey& operator=(SessionKey&& other) noexcept;
  ~SessionKey();

  // <SS>'s text (base64) for `utf8`, and back.
  [[nodiscard]] std::string encrypt(std::string_view utf8) const;
  // Errors: not base64, not whole AES blocks, bad padding (the wrong key), not UTF-16LE.
  [[nodiscard]] Result<std::string> decrypt(std::string_view base64) const;

  [[nodiscard]] const std::string& bytes() const { return key_; }

 private:
  explicit SessionKey(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

class KeyPair {
 public:
  // A new RSA 2048 key pair.
  [[nodiscard]] static Result<KeyPair> generate();
  // A PEM private key (tests replaying a recording made with a known key).
  [[nodiscard]] static Result<KeyPair> from_pem(std::string_view pem);
  KeyPair(KeyPair&&) noexcept;
  KeyPair& operator=(KeyPair&&) noexcept;
  ~KeyPair();

  // PUBLIC_KEY's text: base64 of the PUBLICKEYBLOB.
  [[nodiscard]] std::string public_key_blob() const;
  // The session key from ENCRYPTED_SESSION_KEY's text. Errors: not base64, not a SIMPLEBLOB of
  // an AES-256 key for RSA key exchange, or not decryptable with this key.
  [[nodiscard]] Result<SessionKey> decrypt_session_key(std::string_view base64_blob) const;

 private:
  struct Impl;
  explicit KeyPair(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The server's half: `key` encrypted to the client's PUBLIC_KEY text (base64 SIMPLEBLOB).
// Errors: the public key blob is not an RSA PUBLICKEYBLOB.
[[nodiscard]] Result<std::string> encrypt_session_key(const SessionKey& key,
                                                      std::string_view public_key_blob);

}  // namespace sd::psrp
