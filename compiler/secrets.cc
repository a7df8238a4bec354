#include "compiler/secrets.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace sd {

std::string SecretRef::text() const {
  return std::string("${") + (kind == Kind::Env ? "env:" : "file:") + name + "}";
}

std::optional<SecretRef> parse_secret_ref(std::string_view text) {
  if (!text.starts_with("${") || !text.ends_with("}")) return std::nullopt;
  std::string_view body = text.substr(2, text.size() - 3);
  SecretRef ref;
  if (body.starts_with("env:")) {
    ref.kind = SecretRef::Kind::Env;
    body.remove_prefix(4);
  } else if (body.starts_with("file:")) {
    ref.kind = SecretRef::Kind::File;
    body.remove_prefix(5);
  } else {
    return std::nullopt;
  }
  if (body.empty() || body.find('}') != std::string_view::npos) return std::nullopt;
  ref.name = std::string(body);
  return ref;
}

std::string secret_fingerprint(std::string_view value, std::string_view deployment) {
  constexpr int kRounds = 100'000;
  // The label keeps these apart from any other use of the same password and deployment name.
  std::string salt = "syncdeploy secret fingerprint v1\n" + std::string(deployment);
  unsigned char key[8] = {};
  if (PKCS5_PBKDF2_HMAC(value.data(), static_cast<int>(value.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), kRounds, EVP_sha256(), sizeof key,
                        key) != 1) {
    // Only a broken OpenSSL fails here; a made-up fingerprint would hide a secret's change.
    std::fprintf(stderr, "syncdeploy: internal error: PBKDF2 failed\n");
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned char b : key) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

namespace {

void collect(const std::optional<SecretRef>& ref, std::vector<const SecretRef*>& out) {
  if (ref) out.push_back(&*ref);
}

}  // namespace

Result<SecretFingerprints> resolve_secrets(const Spec& spec, const Document& doc,
                                           const SecretSource& source, SecretValues* values) {
  std::vector<const SecretRef*> refs;
  collect(spec.exchange.management.password, refs);
  collect(spec.exchange.serviceAccount.password, refs);
  if (spec.nexj.channels.mail) collect(spec.nexj.channels.mail->password, refs);

  SecretFingerprints fingerprints;
  std::vector<Error> errors;
  for (const SecretRef* ref : refs) {
    Result<std::string> value = source.read(*ref);
    if (!value.ok()) {
      errors.push_back(
          make_error("secret " + ref->text() + " cannot be read: " + value.errors().front().message,
                     doc.locate(ref->at), human_path(ref->at)));
      continue;
    }
    fingerprints[ref->at] = secret_fingerprint(*value, spec.deployment);
    if (values) (*values)[ref->text()] = std::move(*value);
  }
  if (!errors.empty()) {
    sort_and_dedupe(errors);
    return errors;
  }
  return fingerprints;
}

}  // namespace sd
