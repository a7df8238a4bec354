#define CATCH_CONFIG_RUNNER
#include <unistd.h>

#include <catch2/catch.hpp>

// Tests name files relative to the repository root, as users name them from their checkout.
int main(int argc, char** argv) {
  if (::chdir(SYNCDEPLOY_SOURCE_DIR) != 0) return 1;
  return Catch::Session().run(argc, argv);
}
