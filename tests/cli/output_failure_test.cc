// A plan that could not be written must never look like a successful one to CI.
#include <catch2/catch.hpp>
#include <sstream>

#include "cli/cli.h"
#include "tests/cli/apply_support.h"
#include "tests/cli/lab_support.h"

TEST_CASE("a failed write to standard output exits 1 and says so", "[cli]") {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"validate", "examples/quickstart.yaml"},
        std::vector<std::string>{"plan", "examples/quickstart.yaml", "--json"},
        std::vector<std::string>{"graph", "examples/quickstart.yaml"},
        std::vector<std::string>{"version"}, std::vector<std::string>{"help", "plan"}}) {
    std::ostringstream out, err;
    out.setstate(std::ios::badbit);  // as std::cout is after writing to a full disk
    sd::cli::Environment env;
    // Every secret is "x"; live reads go to the Exchange lab.
    const auto lab = sd::test::RunningLab::shared().env();
    env.get_env = [lab](const std::string& name) -> std::optional<std::string> {
      auto found = lab.find(name);
      return found == lab.end() ? "x" : found->second;
    };
    CHECK(sd::cli::run(args, out, err, env) == sd::cli::kExitError);
    // The plan's secrets are all wrong: it also says it cannot be applied.
    std::string said = sd::test::without_ews_summary(err.str());
    const std::string unappliable =
        "syncdeploy: error: the plan cannot be applied: 10 objects could not be read\n";
    if (args[0] == "plan" && said.find(unappliable) == 0) said.erase(0, unappliable.size());
    CHECK(said == "syncdeploy: error: cannot write the output (disk full or pipe closed?)\n");
  }
}
