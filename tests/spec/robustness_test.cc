// No input may crash or hang the compiler: corrupted variants of a real spec must each give
// a spec or clean errors. Deterministic (fixed seed) so a failure can be replayed.
#include <catch2/catch.hpp>
#include <random>

#include "base/text_checks.h"
#include "plan/observed_state.h"
#include "spec/load_spec.h"
#include "tests/cli/golden_support.h"

using namespace sd;

namespace {

std::string mutate(const std::string& text, std::mt19937& rng) {
  static const std::vector<std::string> kInserts = {
      "\n",  ":",  "- ",     "[",   "]",     "{",           "}",    "'",    "\"",
      "&a ", "*a", "!!int ", "? ",  "\t",    "#",           "\xff", "\xc3", "${env:X}",
      "0x",  "~",  "|\n",    ">\n", "---\n", "%YAML 1.2\n", "\\"};
  std::string s = text;
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t at = rng() % s.size();
    switch (rng() % 5) {
      case 0:  // flip a byte
        s[at] = static_cast<char>(rng() % 256);
        break;
      case 1:  // delete a span
        s.erase(at, 1 + rng() % 40);
        break;
      case 2:  // insert a YAML-significant token
        s.insert(at, kInserts[rng() % kInserts.size()]);
        break;
      case 3: {  // duplicate a line elsewhere
        size_t begin = s.rfind('\n', at);
        begin = begin == std::string::npos ? 0 : begin + 1;
        size_t end = s.find('\n', at);
        std::string line = s.substr(begin, end == std::string::npos ? end : end - begin + 1);
        s.insert(rng() % s.size(), line);
        break;
      }
      default:  // truncate
        s.resize(at);
    }
  }
  return s;
}

}  // namespace

TEST_CASE("corrupted specs give a spec or clean errors, never a crash", "[robustness]") {
  std::optional<std::string> base = test::read_text("examples/acme-prod.yaml");
  std::optional<std::string> csv = test::read_text("examples/users/advisors.csv");
  REQUIRE(base);
  REQUIRE(csv);
  std::mt19937 rng(20261124);
  size_t valid = 0, invalid = 0;
  for (int i = 0; i < 5000; ++i) {
    MemoryFiles files;
    files.files["spec.yaml"] = mutate(*base, rng);
    // Half the time corrupt the CSV instead of (or as well as) the spec.
    files.files["users/advisors.csv"] = (i % 2) ? mutate(*csv, rng) : *csv;
    Result<LoadedSpec> loaded = load_spec("spec.yaml", files);
    if (loaded.ok()) {
      ++valid;
      continue;
    }
    ++invalid;
    for (const Error& e : loaded.errors()) {
      INFO("case " << i << ": " << e.format());
      REQUIRE_FALSE(e.message.empty());
      REQUIRE((e.where.file == "spec.yaml" || e.where.file == "users/advisors.csv"));
      // One line per error: nothing from the input may forge lines, colors or reading order.
      REQUIRE_FALSE(has_control_character(e.format()));
      REQUIRE(e.format().find("\xE2\x80\xAE") == std::string::npos);  // U+202E
    }
  }
  CHECK(invalid > 3500);  // the mutations do break things
  CHECK(valid + invalid == 5000);
}

TEST_CASE("corrupted observed states give a state or clean errors, never a crash", "[robustness]") {
  std::optional<std::string> base = test::read_text("examples/observed/quickstart-drifted.json");
  REQUIRE(base);
  std::mt19937 rng(424242);
  size_t invalid = 0;
  for (int i = 0; i < 3000; ++i) {
    Result<ObservedState> parsed = parse_observed_state("observed.json", mutate(*base, rng));
    if (parsed.ok()) continue;
    ++invalid;
    for (const Error& e : parsed.errors()) {
      INFO("case " << i << ": " << e.format());
      REQUIRE_FALSE(e.message.empty());
      REQUIRE(e.where.file == "observed.json");
      REQUIRE_FALSE(has_control_character(e.format()));
    }
  }
  CHECK(invalid > 2000);
}
