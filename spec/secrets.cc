#include "spec/secrets.h"

#include <mutex>
#include <unordered_map>

#include "base/digest.h"
#include "base/pbkdf2.h"
#include "spec/document.h"

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

namespace {

std::string compute_fingerprint(std::string_view value, std::string_view salt) {
  constexpr unsigned kRounds = 100'000;
  unsigned char key[8] = {};
  pbkdf2_hmac_sha256(value, salt, kRounds, key, sizeof key);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned char b : key) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// Fingerprints already computed by this process. One apply fingerprints the same password
// several times (the spec's value, the value each live system holds, again after the Exchange
// side), each 100,000 rounds. Keyed by a SHA-256 of salt and value, so no second copy of a
// secret is kept; the function stays pure: the same inputs give the same output.
struct FingerprintCache {
  static constexpr size_t kMaxEntries = 1024;
  std::mutex mutex;
  std::unordered_map<std::string, std::string> by_input;
};

}  // namespace

std::string secret_fingerprint(std::string_view value, std::string_view deployment) {
  // The label keeps these apart from any other use of the same password and deployment name.
  const std::string salt = "syncdeploy secret fingerprint v1\n" + std::string(deployment);
  static FingerprintCache cache;
  const std::string key = sha256_hex({salt, value});
  {
    std::lock_guard lock(cache.mutex);
    if (auto it = cache.by_input.find(key); it != cache.by_input.end()) return it->second;
  }
  std::string fingerprint = compute_fingerprint(value, salt);
  std::lock_guard lock(cache.mutex);
  if (cache.by_input.size() >= FingerprintCache::kMaxEntries) cache.by_input.clear();
  cache.by_input.emplace(key, fingerprint);
  return fingerprint;
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
