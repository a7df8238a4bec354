#include "protocol/powershell_command.h"

#include <catch2/catch.hpp>

namespace sd {

TEST_CASE("EncodedCommand is base64 of the script in UTF-16LE", "[powershell-command]") {
  // What `[Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes('echo hi'))` gives.
  CHECK(encode_powershell_command("echo hi") == "ZQBjAGgAbwAgAGgAaQA=");
  Result<std::string> back = decode_powershell_command("ZQBjAGgAbwAgAGgAaQA=");
  REQUIRE(back.ok());
  CHECK(back.value() == "echo hi");
}

TEST_CASE("EncodedCommand keeps non-ASCII text, surrogate pairs included", "[powershell-command]") {
  const std::string text = "Write-Host 'O’Brien 日本 \xF0\x9F\x98\x80'";
  Result<std::string> back = decode_powershell_command(encode_powershell_command(text));
  REQUIRE(back.ok());
  CHECK(back.value() == text);
  CHECK(utf16le_from_utf8("\xF0\x9F\x98\x80") == std::string("\x3D\xD8\x00\xDE", 4));
}

TEST_CASE("Invalid UTF-8 becomes U+FFFD, never dropped bytes", "[powershell-command]") {
  CHECK(utf16le_from_utf8("a\xC0z") == std::string("a\0\xFD\xFFz\0", 6));
  CHECK(utf16le_from_utf8("\xED\xA0\x80") == std::string("\xFD\xFF", 2));  // a UTF-8 surrogate
}

TEST_CASE("Decoding refuses what is not an encoded command", "[powershell-command]") {
  Result<std::string> not_base64 = decode_powershell_command("echo hi");
  REQUIRE_FALSE(not_base64.ok());
  CHECK(not_base64.errors().front().message == "the encoded command is not base64");
  Result<std::string> odd_bytes = decode_powershell_command("YQ==");  // one byte
  REQUIRE_FALSE(odd_bytes.ok());
  CHECK(odd_bytes.errors().front().message ==
        "the encoded command is not UTF-16LE text: UTF-16LE text has an odd number of bytes (1)");
  Result<std::string> lone = decode_powershell_command("ANg=");  // 0xD800 alone
  REQUIRE_FALSE(lone.ok());
  CHECK(lone.errors().front().message ==
        "the encoded command is not UTF-16LE text: UTF-16LE text has an unpaired surrogate at "
        "byte 0");
}

}  // namespace sd
