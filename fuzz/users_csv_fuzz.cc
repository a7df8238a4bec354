// The users CSV reader (spec/users_csv.h): a header row naming the columns, then one user a row,
// quoted cells, any line endings. Errors name file:line:col; nothing crashes, hangs or grows
// without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "spec/users_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sd::Users users;
  users.defaultTarget = "EXCH01";
  std::vector<sd::User> out;
  std::vector<sd::Error> errors = sd::parse_users_csv(
      "users.csv", std::string_view(reinterpret_cast<const char*>(data), size), 0, users, out);
  for (const sd::Error& error : errors) (void)error.format();
  return 0;
}
