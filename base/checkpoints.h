// Named points inside apply where a crash is possible (after the journal's intent, inside a
// store transaction, between a file's write and its rename...). Production passes none; the
// crash tests kill the process at the Nth point reached to prove that the next apply converges.
#pragma once

#include <functional>
#include <string_view>

namespace sd {

struct Checkpoints {
  std::function<void(std::string_view where)> reached;
  void at(std::string_view where) const {
    if (reached) reached(where);
  }
};

}  // namespace sd
