#include "compiler/secrets.h"

#include "compiler/digest.h"

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

std::string secret_fingerprint(std::string_view value) {
  // The label keeps these fingerprints apart from any other digest of the same text.
  return "sha256:" + sha256_hex({"syncdeploy secret fingerprint v1", value}).substr(0, 16);
}

namespace {

void collect(const std::optional<SecretRef>& ref, std::vector<const SecretRef*>& out) {
  if (ref) out.push_back(&*ref);
}

}  // namespace

Result<SecretFingerprints> resolve_secrets(const Spec& spec, const Document& doc,
                                           const SecretSource& source) {
  std::vector<const SecretRef*> refs;
  collect(spec.exchange.management.password, refs);
  collect(spec.exchange.serviceAccount.password, refs);
  if (spec.nexj.channels.mail) collect(spec.nexj.channels.mail->password, refs);

  SecretFingerprints fingerprints;
  std::vector<Error> errors;
  for (const SecretRef* ref : refs) {
    Result<std::string> value = source.read(*ref);
    if (!value.ok()) {
      errors.push_back(make_error("secret " + ref->text() + " cannot be read: " +
                                      value.errors().front().message,
                                  doc.locate(ref->at), human_path(ref->at)));
      continue;
    }
    fingerprints[ref->at] = secret_fingerprint(*value);
  }
  if (!errors.empty()) {
    sort_and_dedupe(errors);
    return errors;
  }
  return fingerprints;
}

}  // namespace sd
