#include "base/text_checks.h"

#include <catch2/catch.hpp>

#include "base/error.h"
#include "base/json_input.h"

using namespace sd;

TEST_CASE("printable escapes what could forge lines, colors or reading order", "[text]") {
  CHECK(printable("plain name") == "plain name");
  CHECK(printable("a\nb\tc\"d\\e") == "a\\nb\\tc\\\"d\\\\e");
  CHECK(printable("\x1b[31mred") == "\\x1B[31mred");
  CHECK(printable("caf\xc3\xa9 \xe6\x97\xa5") == "caf\xc3\xa9 \xe6\x97\xa5");  // kept as is
  CHECK(printable("\xc2\x9b"
                  "2J") == "\\u{009B}2J");  // C1 CSI
  CHECK(printable("admin\xe2\x80\xae"
                  "txt.exe") == "admin\\u{202E}txt.exe");  // RLO
  CHECK(printable("x\xe2\x81\xa6y") == "x\\u{2066}y");     // LRI
  CHECK(printable("bad\xff\xc3") == "bad\\xFF\\xC3");      // not UTF-8
  CHECK(printable("abcdef", 3) == "abc…");
  CHECK(printable("\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5", 2) == "\xe6\x97\xa5\xe6\x97\xa5…");
  CHECK(quoted(std::string("x\ny")) == "\"x\\ny\"");
}

TEST_CASE("find_invalid_utf8 names the first bad byte by line and column", "[text]") {
  CHECK_FALSE(find_invalid_utf8("ok\n\xc3\xa9\n"));
  auto overlong = find_invalid_utf8("a\nbc\xc0\xaf");
  REQUIRE(overlong);
  CHECK(overlong->line == 2);
  CHECK(overlong->column == 3);
  CHECK(overlong->byte == 0xC0);
  auto surrogate = find_invalid_utf8("\xed\xa0\x80");
  REQUIRE(surrogate);
  CHECK(surrogate->byte == 0xED);
  CHECK(find_invalid_utf8("\xe6\x97"));  // truncated
}

TEST_CASE("iequals and to_lower_ascii fold ASCII only", "[text]") {
  CHECK(iequals("JSmith@Acme.COM", "jsmith@acme.com"));
  CHECK_FALSE(iequals("jsmith", "jsmith2"));
  CHECK(to_lower_ascii("ÉX@Y") == "Éx@y");
  CHECK_FALSE(iequals("\xc3\x89", "\xc3\xa9"));  // É and é: not ASCII, so not folded
  // The byte form folds exactly A-Z: '@' and '[' sit either side of them.
  CHECK(to_lower_ascii('A') == 'a');
  CHECK(to_lower_ascii('Z') == 'z');
  CHECK(to_lower_ascii('@') == '@');
  CHECK(to_lower_ascii('[') == '[');
  CHECK(to_lower_ascii('\xc9') == '\xc9');
}

TEST_CASE("Error::format escapes whatever its parts carry", "[text]") {
  Error e = make_error(
      "bad value \x1b[31mred\xc2\x85 and \xe2\x80\xae"
      "evil\nnext",
      Location{"dir\n/spec.yaml", 3, 7}, "users[\x07]");
  CHECK(e.format() ==
        "dir\\n/spec.yaml:3:7: error: bad value \\x1B[31mred\\u{0085} and \\u{202E}evil\\nnext "
        "(users[\\x07])");
  CHECK_FALSE(has_control_character(e.format()));
  CHECK(escape_controls("quotes \" and \\ stay") == "quotes \" and \\ stay");
  CHECK(has_control_character("a\xc2\x9b"));
  CHECK_FALSE(has_control_character("caf\xc3\xa9"));
}

TEST_CASE("json nesting: the first bracket past the limit, outside strings", "[text]") {
  CHECK_FALSE(too_deep_at("{\"a\": [[1]]}", 3));
  CHECK(too_deep_at("{\"a\": [[[1]]]}", 3) == std::optional<size_t>(9));
  // Brackets in strings, escaped quotes included, are text.
  CHECK_FALSE(too_deep_at("[\"[[[[\\\"[[[[\"]", 2));
  CHECK(too_deep_at("[\"\\\\\", [[]]]", 2) == std::optional<size_t>(9));
}

TEST_CASE("plain lines: no control, separator or bidi character, valid UTF-8", "[text]") {
  CHECK(is_plain_line("NexJ-Sync-Impersonation"));
  CHECK(is_plain_line("Müller Café 日本"));
  CHECK(is_plain_line(""));
  CHECK_FALSE(is_plain_line("a\nb"));
  CHECK_FALSE(is_plain_line("a\x7F"));
  CHECK_FALSE(is_plain_line("a\xC2\x85"));      // U+0085, NEL
  CHECK_FALSE(is_plain_line("a\xE2\x80\xA8"));  // U+2028
  CHECK_FALSE(is_plain_line("a\xE2\x80\xAE"));  // U+202E, right-to-left override
  CHECK_FALSE(is_plain_line("a\xE2\x81\xA6"));  // U+2066, left-to-right isolate
  CHECK_FALSE(is_plain_line("a\xFF"));
}

TEST_CASE("hidden characters: found with line and column, named", "[text]") {
  CHECK_FALSE(find_hidden_character("Müller Café 日本\n\t\x01"));  // C0 is another check's
  CHECK_FALSE(find_hidden_character("a\xFF\xE2\x80"));             // not UTF-8: another check's
  std::optional<HiddenCharacter> at = find_hidden_character("ab\ncé\xE2\x80\xA9x");
  REQUIRE(at);
  CHECK(at->line == 2);
  CHECK(at->column == 4);  // bytes: c, é (2)
  CHECK(at->code_point == 0x2029);
  CHECK(hidden_character_name(0x85) == "U+0085 (a next-line control)");
  CHECK(hidden_character_name(0x9B) == "U+009B (a C1 control character)");
  CHECK(hidden_character_name(0x2028) == "U+2028 (a line separator)");
  CHECK(hidden_character_name(0x2029) == "U+2029 (a paragraph separator)");
  CHECK(hidden_character_name(0x2067) == "U+2067 (a bidirectional text control)");
  CHECK(is_hidden_character(0x80));
  CHECK(is_hidden_character(0x202A));
  CHECK_FALSE(is_hidden_character(0xA0));
  CHECK_FALSE(is_hidden_character(0x2027));
  CHECK_FALSE(is_hidden_character(0x206A));
}
