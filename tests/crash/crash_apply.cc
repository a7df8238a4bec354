// The child of the crash test (tests/cli/apply_crash_test.cc): runs the CLI as `syncdeploy`
// would, with the process's environment, and kills itself with SIGKILL at the Nth apply
// checkpoint it reaches. A process of its own, started with posix_spawn: the test process has
// the lab's threads, and a child forked from it could inherit a lock one of them held.
//
//   crash_apply N syncdeploy-arguments...
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: crash_apply N syncdeploy-arguments...\n";
    return 2;
  }
  const long kill_at = std::strtol(argv[1], nullptr, 10);
  std::vector<std::string> args(argv + 2, argv + argc);
  sd::cli::Environment env;
  long reached = 0;
  env.checkpoints.reached = [&](std::string_view) {
    if (++reached == kill_at) ::raise(SIGKILL);
  };
  return sd::cli::run(args, std::cout, std::cerr, env);
}
