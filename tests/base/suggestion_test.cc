// "Did you mean": slips find their word, anything else finds nothing.
#include "base/suggestion.h"

#include <catch2/catch.hpp>

namespace sd {

TEST_CASE("closest_match: a slip finds its word, anything else nothing", "[base][suggestion]") {
  const std::vector<std::string> commands = {"validate", "plan", "apply", "diff", "export"};
  CHECK(closest_match("plna", commands) == std::optional<std::string>("plan"));   // a swap
  CHECK(closest_match("aply", commands) == std::optional<std::string>("apply"));  // one missing
  CHECK(closest_match("Valdate", commands) == std::optional<std::string>("validate"));
  CHECK(closest_match("difff", commands) == std::optional<std::string>("diff"));
  CHECK(closest_match("deploy", commands) == std::nullopt);
  CHECK(closest_match("pl", commands) == std::nullopt);  // 2 edits of 2 letters is a guess
  CHECK(closest_match("", commands) == std::nullopt);
  CHECK(closest_match(std::string(1000, 'a'), commands) == std::nullopt);
  const std::vector<std::string> options = {"--detailed-exitcode", "--json", "--markdown", "--out"};
  CHECK(closest_match("--detailed-exitcod", options) ==
        std::optional<std::string>("--detailed-exitcode"));
  CHECK(closest_match("--jsn", options) == std::optional<std::string>("--json"));
  CHECK(closest_match("--bogus", options) == std::nullopt);
}

}  // namespace sd
