// SecureString's key exchange, both halves: a key the server encrypts to the client's public
// key decrypts with its private key, strings survive the round trip (Unicode included), and a
// wrong key or a damaged blob is an error, never garbage taken as text.
#include "protocol/psrp/secure_string.h"

#include <catch2/catch.hpp>

using namespace sd::psrp;

TEST_CASE("secure string: the server's key reaches the client, strings go both ways", "[psrp]") {
  sd::Result<KeyPair> pair = KeyPair::generate();
  REQUIRE(pair.ok());
  const SessionKey server_key = SessionKey::generate();
  sd::Result<std::string> sealed = encrypt_session_key(server_key, pair->public_key_blob());
  REQUIRE(sealed.ok());
  sd::Result<SessionKey> client_key = pair->decrypt_session_key(*sealed);
  REQUIRE(client_key.ok());
  CHECK(client_key->bytes() == server_key.bytes());
  const std::string text = "p\xC3\xA4ssw\xC3\xB6rd \xF0\x9F\x94\x91";
  const std::string encrypted = client_key->encrypt(text);
  CHECK(encrypted.find("ssw") == std::string::npos);
  sd::Result<std::string> back = server_key.decrypt(encrypted);
  REQUIRE(back.ok());
  CHECK(*back == text);
}

TEST_CASE("secure string: a wrong key or damaged input is an error", "[psrp]") {
  // Fixed keys, so that the outcome is the same every run (a random wrong key passes the
  // padding check 1 time in 256).
  sd::Result<SessionKey> key = SessionKey::from_bytes(std::string(32, '\x01'));
  sd::Result<SessionKey> other = SessionKey::from_bytes(std::string(32, '\x02'));
  REQUIRE(key.ok());
  REQUIRE(other.ok());
  const std::string encrypted = key->encrypt("secret");
  CHECK(other->decrypt(encrypted).errors().front().message ==
        "SecureString: the value does not decrypt with the session key");
  CHECK(SessionKey::from_bytes("short").errors().front().message ==
        "SecureString: a session key of 5 bytes is not an AES-256 key");
  CHECK(other->decrypt("not base64!").errors().front().message ==
        "SecureString: the value is not base64");
  CHECK(other->decrypt("YWJj").errors().front().message ==
        "SecureString: the value is not whole AES blocks");
  sd::Result<KeyPair> pair = KeyPair::generate();
  REQUIRE(pair.ok());
  CHECK(pair->decrypt_session_key("AAAA").errors().front().message ==
        "ENCRYPTED_SESSION_KEY: not a SIMPLEBLOB of an AES-256 key for RSA key exchange");
  CHECK(encrypt_session_key(*key, "AAAA").errors().front().message ==
        "PUBLIC_KEY: not an RSA PUBLICKEYBLOB");
  CHECK(KeyPair::from_pem("nonsense").errors().front().message ==
        "SecureString: the PEM holds no RSA private key");
}
