#include "spec/document.h"

#include <catch2/catch.hpp>

using namespace sd;

TEST_CASE("parse_yaml records value and key positions", "[document]") {
  auto doc = parse_yaml("s.yaml", "a:\n  b: 1\n  c: [x, 'y']\n");
  REQUIRE(doc.ok());
  CHECK(doc->root["a"]["b"] == 1);
  CHECK(doc->root["a"]["c"][1] == "y");
  CHECK(doc->locate("/a/b") == Location{"s.yaml", 2, 6});
  CHECK(doc->locate_key("/a/b") == Location{"s.yaml", 2, 3});
  CHECK(doc->locate("/a/c/1") == Location{"s.yaml", 3, 10});
  CHECK(doc->locate("/a/zz") == Location{"s.yaml", 2, 3});
}

TEST_CASE("plain scalars follow the YAML 1.2 core schema, quoted ones stay strings", "[document]") {
  auto doc = parse_yaml("s.yaml",
                        "a: true\nb: 'true'\nc: 0x1F\nd: 00:00\ne: ~\nf: -12\ng: 1.5e3\nh: yes\n");
  REQUIRE(doc.ok());
  CHECK(doc->root["a"] == true);
  CHECK(doc->root["b"] == "true");
  CHECK(doc->root["c"] == 31);
  CHECK(doc->root["d"] == "00:00");
  CHECK(doc->root["e"].is_null());
  CHECK(doc->root["f"] == -12);
  CHECK(doc->root["g"] == 1500.0);
  CHECK(doc->root["h"] == "yes");
}

TEST_CASE("parse_yaml rejects what a spec must not hold", "[document]") {
  auto errors_of = [](std::string_view text) {
    auto doc = parse_yaml("s.yaml", text);
    REQUIRE_FALSE(doc.ok());
    return format_all(doc.errors());
  };
  CHECK(errors_of("a: 1\na: 2\n") ==
        "s.yaml:2:1: error: duplicate key 'a' (first defined at line 1)\n");
  CHECK(errors_of("a: &x 1\nb: *x\n") ==
        "s.yaml:2:4: error: aliases (*name) are not supported in specs; write the value out\n");
  CHECK(errors_of("a: [1, 2\n") ==
        "s.yaml:2:1: error: YAML syntax: end of sequence flow not found\n");
  CHECK(errors_of("a: \"\xff\"\n") ==
        "s.yaml:1:5: error: invalid UTF-8 (byte 0xFF); specs must be UTF-8 text\n");
  CHECK(errors_of("a: 1\n---\nb: 2\n") ==
        "s.yaml: error: the file holds more than one YAML document; a spec is one document\n");
  CHECK(errors_of("? [a]\n: 1\n") ==
        "s.yaml:1:3: error: a mapping key must be a plain name, not a list or mapping\n");
  // Nesting past 64 levels, where it passes them: flow lists 100,000 deep (yaml-cpp's own
  // guard stops its recursion further on), and block mappings 1,000 deep.
  CHECK(errors_of("a: " + std::string(100'000, '[') + std::string(100'000, ']') + "\n") ==
        "s.yaml:1:67: error: nesting is deeper than 64 levels\n");
  std::string block;
  for (int i = 0; i < 1000; ++i) block += std::string(2 * static_cast<size_t>(i), ' ') + "k:\n";
  CHECK(errors_of(block) == "s.yaml:65:129: error: nesting is deeper than 64 levels\n");
}

TEST_CASE("human_path spells JSON pointers the way messages show them", "[document]") {
  CHECK(human_path("/exchange/servers/0/name") == "exchange.servers[0].name");
  CHECK(human_path("/a/we.ird~1x") == "a[\"we.ird/x\"]");
  CHECK(human_path("") == "(document root)");
}
