// SHA-256 digests for spec identity (plan ids) and secret fingerprints. Pure.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace sd {

// Lowercase hex SHA-256 over the parts, each preceded by its length so that part boundaries
// count ("ab","c" differs from "a","bc").
[[nodiscard]] std::string sha256_hex(std::initializer_list<std::string_view> parts);

// Incremental form, for digests over many files.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void add_part(std::string_view part);  // length-prefixed, as sha256_hex does
  [[nodiscard]] std::string hex();       // finishes; call once

 private:
  void* ctx_;
};

}  // namespace sd
