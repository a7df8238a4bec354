// The table of malformed specs: tests/malformed/NN-name.yaml must fail `validate` with exit 1
// and exactly the messages in NN-name.err. No input may crash, hang or print nothing.
#include <catch2/catch.hpp>

#include "tests/cli/golden_support.h"

using namespace sd::test;

TEST_CASE("every malformed spec fails with its exact message", "[malformed]") {
  std::vector<std::string> specs = list_files("tests/malformed", ".yaml");
  REQUIRE(specs.size() >= 40);
  for (const std::string& spec : specs) {
    DYNAMIC_SECTION(spec) {
      CliRun run = run_cli({"validate", spec});
      CHECK(run.code == 1);
      CHECK(run.out == "");
      CHECK_FALSE(run.err.empty());
      std::string golden = spec.substr(0, spec.size() - 5) + ".err";
      CHECK(check_golden(golden, run.err) == "");
    }
  }
}
