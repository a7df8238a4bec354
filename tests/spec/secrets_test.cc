#include "spec/secrets.h"

#include <catch2/catch.hpp>

#include "base/digest.h"
#include "plan/value.h"
#include "plan/value_json.h"
#include "spec/document.h"

using namespace sd;

TEST_CASE("secret references parse only in their two documented forms", "[secrets]") {
  auto env = parse_secret_ref("${env:NEXJ_SYNC_PASSWORD}");
  REQUIRE(env);
  CHECK(env->kind == SecretRef::Kind::Env);
  CHECK(env->name == "NEXJ_SYNC_PASSWORD");
  CHECK(env->text() == "${env:NEXJ_SYNC_PASSWORD}");
  auto file = parse_secret_ref("${file:secrets/sync.txt}");
  REQUIRE(file);
  CHECK(file->kind == SecretRef::Kind::File);
  CHECK(file->name == "secrets/sync.txt");
  for (const char* bad : {"hunter2", "${env:}", "${vault:x}", "$env:X", "${env:X}}", "${env:X"})
    CHECK_FALSE(parse_secret_ref(bad));
}

TEST_CASE("fingerprints are stable, short, and differ per value", "[secrets]") {
  CHECK(secret_fingerprint("s3cret", "prod") == secret_fingerprint("s3cret", "prod"));
  CHECK(secret_fingerprint("s3cret", "prod") != secret_fingerprint("s3cret ", "prod"));
  // Salted per deployment: the same password elsewhere does not show the same fingerprint.
  CHECK(secret_fingerprint("s3cret", "prod") != secret_fingerprint("s3cret", "test"));
  CHECK(is_fingerprint(secret_fingerprint("s3cret", "prod")));
  // Pinned: a change of algorithm would make every stored fingerprint differ.
  CHECK(secret_fingerprint("s3cret", "prod") == "sha256:1dde02a9d013c6df");
  CHECK(secret_fingerprint("s3cret", "prod").substr(7) != sha256_hex({"s3cret"}).substr(0, 16));
}

TEST_CASE("sha256_hex matches a known vector and counts part boundaries", "[secrets]") {
  Sha256 plain;
  CHECK(sha256_hex({"ab", "c"}) != sha256_hex({"a", "bc"}));
  CHECK(sha256_hex({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  (void)plain.hex();
}

namespace {

class FakeSource : public SecretSource {
 public:
  Result<std::string> read(const SecretRef& ref) const override {
    if (ref.name == "MISSING") return make_error("environment variable MISSING is not set");
    return "value-of-" + ref.name;
  }
};

}  // namespace

TEST_CASE("resolve_secrets reports every missing secret at its reference", "[secrets]") {
  auto doc = parse_yaml("spec.yaml",
                        "exchange:\n  serviceAccount:\n    password: ${env:MISSING}\n"
                        "  management:\n    password: ${env:MISSING}\n");
  REQUIRE(doc.ok());
  Spec spec;
  spec.exchange.serviceAccount.password =
      SecretRef{SecretRef::Kind::Env, "MISSING", "/exchange/serviceAccount/password"};
  spec.exchange.management.password =
      SecretRef{SecretRef::Kind::Env, "MISSING", "/exchange/management/password"};
  auto result = resolve_secrets(spec, *doc, FakeSource{});
  REQUIRE_FALSE(result.ok());
  CHECK(format_all(result.errors()) ==
        "spec.yaml:3:15: error: secret ${env:MISSING} cannot be read: environment variable "
        "MISSING is not set (exchange.serviceAccount.password)\n"
        "spec.yaml:5:15: error: secret ${env:MISSING} cannot be read: environment variable "
        "MISSING is not set (exchange.management.password)\n");

  spec.exchange.management.password->name = "ADMIN";
  spec.exchange.serviceAccount.password->name = "SYNC";
  auto ok = resolve_secrets(spec, *doc, FakeSource{});
  REQUIRE(ok.ok());
  CHECK(ok->at("/exchange/serviceAccount/password") ==
        secret_fingerprint("value-of-SYNC", spec.deployment));
  CHECK(ok->size() == 2);
}

TEST_CASE("only the fingerprint form passes as an observed secret", "[secrets]") {
  Value v;
  CHECK(value_from_json(
      nlohmann::json{{"sensitive", true}, {"fingerprint", "sha256:0123456789abcdef"}}, v));
  CHECK(std::get<SecretValue>(v).fingerprint == "sha256:0123456789abcdef");
  for (const char* bad : {"hunter2-plaintext", "sha256:0123456789ABCDEF", "sha256:0123", ""})
    CHECK_FALSE(value_from_json(nlohmann::json{{"sensitive", true}, {"fingerprint", bad}}, v));
  CHECK(value_from_json(nlohmann::json{{"sensitive", true}}, v));  // set, but not which
}

TEST_CASE("null reads unlimited only for limits", "[secrets]") {
  CHECK(display_value(NullValue{}, Compare::Limit) == "unlimited");
  CHECK(display_value(NullValue{}, Compare::IgnoreCase) == "(not set)");
}
