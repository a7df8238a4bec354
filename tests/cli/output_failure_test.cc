// A plan that could not be written must never look like a successful one to CI.
#include <catch2/catch.hpp>
#include <sstream>

#include "cli/cli.h"

TEST_CASE("a failed write to standard output exits 1 and says so", "[cli]") {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"validate", "examples/quickstart.yaml"},
        std::vector<std::string>{"plan", "examples/quickstart.yaml", "--json"},
        std::vector<std::string>{"graph", "examples/quickstart.yaml"},
        std::vector<std::string>{"version"}, std::vector<std::string>{"help", "plan"}}) {
    std::ostringstream out, err;
    out.setstate(std::ios::badbit);  // as std::cout is after writing to a full disk
    sd::cli::Environment env;
    env.get_env = [](const std::string&) -> std::optional<std::string> { return "x"; };
    CHECK(sd::cli::run(args, out, err, env) == sd::cli::kExitError);
    CHECK(err.str() == "syncdeploy: error: cannot write the output (disk full or pipe closed?)\n");
  }
}
