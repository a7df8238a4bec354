// Secrets as a type (design decision 4): the spec names them (`${env:NAME}`, `${file:PATH}`),
// the CLI resolves them at run time through a SecretSource, and only fingerprints go further.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "spec/spec.h"

namespace sd {

struct Document;  // spec/document.h

// Parses `${env:NAME}` / `${file:PATH}`; nothing if `text` is not a reference.
[[nodiscard]] std::optional<SecretRef> parse_secret_ref(std::string_view text);

class SecretSource {
 public:
  virtual ~SecretSource() = default;
  // The secret's value, or an error that says why it is missing and never shows a value.
  [[nodiscard]] virtual Result<std::string> read(const SecretRef& ref) const = 0;
};

// "sha256:" + 16 hex digits of PBKDF2-HMAC-SHA256 (100,000 rounds) of the value, salted with
// the deployment's name: enough to show that a secret changed. JSON plans travel as review
// artifacts, so guessing a weak password from its fingerprint must be slow, and a fingerprint
// must not match the same password in another deployment. Pure.
[[nodiscard]] std::string secret_fingerprint(std::string_view value, std::string_view deployment);

// Fingerprint of every secret the spec names, by the secret's JSON pointer (SecretRef::at).
using SecretFingerprints = std::map<std::string, std::string>;

// Secret values by their reference as written (`${env:NAME}`): what apply writes to the live
// systems. Held in memory only, for the time of an apply.
using SecretValues = std::map<std::string, std::string, std::less<>>;

// Reads every secret of `spec` through `source`. All failures are reported at once, each at
// the reference's file:line:col. With `values`, also keeps each value by reference (apply).
[[nodiscard]] Result<SecretFingerprints> resolve_secrets(const Spec& spec, const Document& doc,
                                                         const SecretSource& source,
                                                         SecretValues* values = nullptr);

}  // namespace sd
