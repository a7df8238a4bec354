#include <unistd.h>

#include <exception>
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  sd::cli::Environment env;
  env.stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1;
  env.stderr_is_terminal = ::isatty(STDERR_FILENO) == 1;
  env.stdin_is_terminal = ::isatty(STDIN_FILENO) == 1;
  env.in = &std::cin;
  // Errors are values everywhere below; this is the last guard against a bug, never a path.
  try {
    return sd::cli::run(args, std::cout, std::cerr, env);
  } catch (const std::exception& e) {
    std::cerr << "syncdeploy: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "syncdeploy: internal error\n";
  }
  return sd::cli::kExitError;
}
