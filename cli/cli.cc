#include "cli/cli.h"

namespace sd::cli {

int run(const std::vector<std::string>&, std::ostream&, std::ostream&, const Environment&) {
  return kExitOk;
}

}  // namespace sd::cli
