// Fingerprints are SHA-256 over length-prefixed parts (as Sha256::add_part frames them), so no
// two different inputs serialize alike: every value carries a type tag, and a list its length.
#include "plan/plan_identity.h"

#include <openssl/evp.h>

#include <cstdint>

namespace sd {
namespace {

constexpr size_t kShortHex = 16;  // as secret fingerprints: enough to compare, short to read

// Sha256 (digest.h) with its framing, but one OpenSSL context per thread, reset for each
// digest: a JSON plan of 300,000 actions takes 600,000 digests, and setting up a fresh context
// cost more than the hashing. Holds no state between digests; only one may be open at a time
// on a thread (none of the functions below nests them).
class Digest {
 public:
  Digest() : ctx_(thread_context()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void add_part(std::string_view part) {
    unsigned char length[8];
    uint64_t n = part.size();
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(n >> (8 * i));
    EVP_DigestUpdate(ctx_, length, sizeof length);
    EVP_DigestUpdate(ctx_, part.data(), part.size());
  }
  // Lowercase hex of the first `chars` / 2 bytes. Call once.
  std::string hex(size_t chars) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_, digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(chars);
    for (unsigned i = 0; i < length && out.size() < chars; ++i) {
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 15];
    }
    return out;
  }

 private:
  static EVP_MD_CTX* thread_context() {
    struct Owner {
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      ~Owner() { EVP_MD_CTX_free(ctx); }
    };
    thread_local Owner owner;
    return owner.ctx;
  }

  EVP_MD_CTX* ctx_;
};

// Canonical form of one value. A secret contributes its fingerprint and never its reference:
// the same password read through another variable is the same value.
void add_value(Digest& sha, const Value& v) {
  if (std::holds_alternative<Unset>(v)) {
    sha.add_part("u");
  } else if (std::holds_alternative<NullValue>(v)) {
    sha.add_part("n");
  } else if (const auto* b = std::get_if<bool>(&v)) {
    sha.add_part(*b ? "t" : "f");
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    sha.add_part("i");
    sha.add_part(std::to_string(*i));
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    sha.add_part("s");
    sha.add_part(*s);
  } else if (const auto* list = std::get_if<StringList>(&v)) {
    sha.add_part("l");
    sha.add_part(std::to_string(list->size()));
    for (const std::string& item : *list) sha.add_part(item);
  } else if (const auto* secret = std::get_if<SecretValue>(&v)) {
    sha.add_part("x");
    sha.add_part(secret->fingerprint);
  }
}

std::string short_digest(Digest& sha) {
  return "sha256:" + sha.hex(kShortHex);
}

const ObservedResource* observed_of(const Plan& plan, const Action& a) {
  if (a.observed < 0 || static_cast<size_t>(a.observed) >= plan.observed.resources.size())
    return nullptr;
  return &plan.observed.resources[static_cast<size_t>(a.observed)];
}

}  // namespace

std::string observed_fingerprint(const Plan& plan, const Action& action) {
  // An Unknown action whose whole type failed has no observed object; it is still unknown.
  if (action.kind == ActionKind::Unknown) return "unknown";
  const ObservedResource* o = observed_of(plan, action);
  if (!o || !o->type || o->presence == Presence::Absent) return "absent";
  if (o->presence == Presence::Unknown) return "unknown";
  if (!o->fingerprint.empty()) return o->fingerprint;  // read back from a JSON plan
  Digest sha;
  sha.add_part("observed 1");
  sha.add_part(o->type->name);
  sha.add_part(o->name);
  static const Value kUnset{Unset{}};
  for (size_t f = 0; f < o->type->fields.size(); ++f) {
    sha.add_part(o->type->fields[f].name);
    add_value(sha, f < o->values.size() ? o->values[f] : kUnset);
  }
  return short_digest(sha);
}

std::string action_fingerprint(const Plan& plan, const Action& action) {
  return action_fingerprint(action, observed_fingerprint(plan, action));
}

std::string action_fingerprint(const Action& action, std::string_view observed) {
  return action_fingerprint(action, observed, action.filled_at_apply);
}

std::string action_fingerprint(const Action& action, std::string_view observed,
                               bool filled_at_apply) {
  Digest sha;
  sha.add_part("action 1");
  sha.add_part(to_string(action.kind));
  if (action.type) {
    sha.add_part(action.type->name);
  } else {
    sha.add_part("");
  }
  sha.add_part(action.name);
  // A value known only at apply (a folder id asked during apply) is the live system's answer,
  // not a reviewed choice: it is left out, and that it was left out is part of the promise.
  auto promised = [&](const FieldChange& c) {
    return !(filled_at_apply && action.type && c.field < action.type->fields.size() &&
             action.type->fields[c.field].known_at_apply);
  };
  size_t count = 0;
  for (const FieldChange& c : action.changes) count += promised(c) ? 1 : 0;
  sha.add_part(std::to_string(count));
  for (const FieldChange& c : action.changes) {
    if (!promised(c)) continue;
    if (action.type && c.field < action.type->fields.size())
      sha.add_part(action.type->fields[c.field].name);
    else
      sha.add_part("#" + std::to_string(c.field));  // a plan bug; still distinct
    add_value(sha, c.after);
  }
  sha.add_part(observed);
  if (filled_at_apply) sha.add_part("folderId at apply");
  return short_digest(sha);
}

std::vector<std::string> action_fingerprints(const Plan& plan) {
  std::vector<std::string> out;
  out.reserve(plan.actions.size());
  for (const Action& a : plan.actions) out.push_back(action_fingerprint(plan, a));
  return out;
}

std::string plan_id_of(std::string_view spec_digest, std::span<const std::string> only,
                       std::span<const std::string> fingerprints) {
  Digest sha;
  sha.add_part("plan 1");
  sha.add_part(spec_digest);
  sha.add_part(std::to_string(only.size()));
  for (const std::string& p : only) sha.add_part(p);
  sha.add_part(std::to_string(fingerprints.size()));
  for (const std::string& f : fingerprints) sha.add_part(f);
  return sha.hex(kShortHex);
}

std::string plan_id(const Plan& plan) {
  // Only the actions the JSON plan lists (a typeless one is a plan bug and is not written).
  std::vector<std::string> fingerprints;
  fingerprints.reserve(plan.actions.size());
  for (const Action& a : plan.actions)
    if (a.type) fingerprints.push_back(action_fingerprint(plan, a));
  return plan_id_of(plan.spec_digest, plan.only, fingerprints);
}

}  // namespace sd
