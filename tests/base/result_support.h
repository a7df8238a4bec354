// A Result read in one expression, for CHECKs on its error.
#pragma once

#include <string>

#include "base/error.h"

namespace sd::test {

// The message of the first error of `r`, or "" when it is ok.
template <class T>
std::string message(const Result<T>& r) {
  return r.ok() ? "" : r.errors().front().message;
}

}  // namespace sd::test
