// Resolves `${env:NAME}` from the process environment and `${file:PATH}` from a file (relative
// to the spec's folder; one trailing newline is dropped, as `echo secret > file` leaves one).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "spec/secrets.h"

namespace sd {

class LocalSecretSource : public SecretSource {
 public:
  using GetEnv = std::function<std::optional<std::string>(const std::string&)>;
  // `get_env` defaults to ::getenv; tests pass their own.
  LocalSecretSource(std::string spec_path, GetEnv get_env = {});
  [[nodiscard]] Result<std::string> read(const SecretRef& ref) const override;

 private:
  std::string spec_path_;
  GetEnv get_env_;
};

}  // namespace sd
