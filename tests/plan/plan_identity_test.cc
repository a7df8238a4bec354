// Plan and action identities: what `apply PLANFILE` compares to refuse steps whose object
// changed since the plan was made (design decision 5).
#include "plan/plan_identity.h"

#include <catch2/catch.hpp>

#include "base/digest.h"
#include "tests/plan/plan_support.h"

using namespace sd;

namespace {

using sd::test::action_for;

constexpr size_t kHost = 0, kSender = 7, kEnabled = 9;  // kTarget fields
constexpr size_t kPassword = 4;                         // kHttpChannel field

Resource enabled_target(const std::string& name, const std::string& host) {
  Resource r;
  r.type = &types::kTarget;
  r.name = name;
  r.values.assign(types::kTarget.fields.size(), Unset{});
  r.values[kHost] = host;
  r.values[kSender] = std::string("Sender1");
  r.values[kEnabled] = true;
  return r;
}

Resource channel(const std::string& fingerprint) {
  Resource r;
  r.type = &types::kHttpChannel;
  r.name = "Sender1";
  r.values.assign(types::kHttpChannel.fields.size(), Unset{});
  r.values[kPassword] = SecretValue{"${env:PW}", fingerprint};
  return r;
}

ObservedResource seen(const Resource& r) {
  ObservedResource o;
  o.type = r.type;
  o.name = r.name;
  o.values = r.values;
  for (Value& v : o.values)
    if (auto* s = std::get_if<SecretValue>(&v)) s->reference.clear();
  return o;
}

// Channel Sender1 (up to date), target EXCH01 (live host differs), EXCH02 (absent).
struct Inputs {
  DesiredState desired;
  ObservedState observed;
};

Inputs inputs() {
  Inputs in;
  in.desired.deployment = "acme";
  in.desired.resources = {channel("sha256:1111111111111111"), enabled_target("EXCH01", "exch01"),
                          enabled_target("EXCH02", "exch02")};
  in.desired.resources[1].depends_on = {0};
  in.observed.resources.push_back(seen(in.desired.resources[0]));
  in.observed.resources.push_back(seen(in.desired.resources[1]));
  in.observed.resources.back().values[kHost] = std::string("old-host");
  return in;
}

Plan plan_of(Inputs in, std::string digest = "sha256:00ff") {
  Plan p = make_plan(std::move(in.desired), std::move(in.observed), {});
  p.spec_digest = std::move(digest);
  return p;
}

bool is_short_digest(const std::string& s) {
  return is_fingerprint(s);
}

}  // namespace

TEST_CASE("observed fingerprint: absent, unknown, or a digest of the values", "[plan_identity]") {
  Plan p = plan_of(inputs());
  CHECK(observed_fingerprint(p, action_for(p, "nexj.target/EXCH02")) == "absent");
  const std::string channel_fp =
      observed_fingerprint(p, action_for(p, "nexj.http_channel/Sender1"));
  const std::string target_fp = observed_fingerprint(p, action_for(p, "nexj.target/EXCH01"));
  CHECK(is_short_digest(channel_fp));
  CHECK(is_short_digest(target_fp));
  CHECK(channel_fp != target_fp);

  // Listed as absent reads the same as not listed.
  Inputs in = inputs();
  ObservedResource gone;
  gone.type = &types::kTarget;
  gone.name = "EXCH02";
  gone.presence = Presence::Absent;
  in.observed.resources.push_back(gone);
  Plan with_absent = plan_of(std::move(in));
  CHECK(observed_fingerprint(with_absent, action_for(with_absent, "nexj.target/EXCH02")) ==
        "absent");
  CHECK(observed_fingerprint(with_absent, action_for(with_absent, "nexj.target/EXCH01")) ==
        target_fp);

  // Unknown: an object that could not be read, or a whole type that failed.
  in = inputs();
  in.observed.resources[1].presence = Presence::Unknown;
  in.observed.resources[1].error = "timed out";
  in.observed.failed_types["nexj.http_channel"] = "access denied";
  in.observed.resources.erase(in.observed.resources.begin());
  Plan unknown = plan_of(std::move(in));
  CHECK(observed_fingerprint(unknown, action_for(unknown, "nexj.target/EXCH01")) == "unknown");
  CHECK(observed_fingerprint(unknown, action_for(unknown, "nexj.http_channel/Sender1")) ==
        "unknown");
}

TEST_CASE("observed fingerprint: the documented serialization", "[plan_identity]") {
  Plan p = plan_of(inputs());
  // Length-prefixed parts: a tag, the type, the name, then each field's name and value.
  Sha256 sha;
  for (std::string_view part : {"observed 1", "nexj.target", "EXCH01"}) sha.add_part(part);
  for (size_t f = 0; f < types::kTarget.fields.size(); ++f) {
    sha.add_part(types::kTarget.fields[f].name);
    if (f == kHost) {
      sha.add_part("s");
      sha.add_part("old-host");
    } else if (f == kSender) {
      sha.add_part("s");
      sha.add_part("Sender1");
    } else if (f == kEnabled) {
      sha.add_part("t");
    } else {
      sha.add_part("u");
    }
  }
  CHECK(observed_fingerprint(p, action_for(p, "nexj.target/EXCH01")) ==
        "sha256:" + sha.hex().substr(0, 16));
}

TEST_CASE("observed fingerprint: every value change shows, nothing else does", "[plan_identity]") {
  const Plan base = plan_of(inputs());
  const std::string target_fp = observed_fingerprint(base, action_for(base, "nexj.target/EXCH01"));
  const std::string channel_fp =
      observed_fingerprint(base, action_for(base, "nexj.http_channel/Sender1"));

  auto target_with = [](size_t field, Value v) {
    Inputs in = inputs();
    in.observed.resources[1].values[field] = std::move(v);
    Plan p = plan_of(std::move(in));
    return observed_fingerprint(p, action_for(p, "nexj.target/EXCH01"));
  };
  CHECK(target_with(kHost, std::string("old-host")) == target_fp);  // same value, same print
  CHECK(target_with(kHost, std::string("OLD-HOST")) != target_fp);  // case is a change here
  CHECK(target_with(kEnabled, false) != target_fp);
  CHECK(target_with(kEnabled, NullValue{}) != target_fp);
  CHECK(target_with(2, int64_t{2016}) != target_fp);  // an unmanaged field too
  CHECK(target_with(2, std::string("2016")) != target_with(2, int64_t{2016}));  // typed
  CHECK(target_with(kHost, StringList{"a", "b"}) != target_with(kHost, StringList{"ab"}));
  CHECK(target_with(kHost, StringList{"a", "b"}) != target_with(kHost, StringList{"b", "a"}));
  CHECK(target_with(kHost, NullValue{}) != target_with(kHost, Unset{}));

  // Secrets: the fingerprint counts, the reference does not.
  auto channel_with = [](SecretValue v) {
    Inputs in = inputs();
    in.observed.resources[0].values[kPassword] = std::move(v);
    Plan p = plan_of(std::move(in));
    return observed_fingerprint(p, action_for(p, "nexj.http_channel/Sender1"));
  };
  CHECK(channel_with({"", "sha256:1111111111111111"}) == channel_fp);
  CHECK(channel_with({"${env:OTHER}", "sha256:1111111111111111"}) == channel_fp);
  CHECK(channel_with({"", "sha256:2222222222222222"}) != channel_fp);
  CHECK(channel_with({"", ""}) != channel_fp);

  // The name is part of the object: a renamed object is another one.
  Inputs in = inputs();
  in.observed.resources[1].name = "exch01";
  in.desired.resources[1].name = "exch01";
  Plan renamed = plan_of(std::move(in));
  CHECK(observed_fingerprint(renamed, action_for(renamed, "nexj.target/exch01")) != target_fp);
}

TEST_CASE("action fingerprint: kind, address, new values and what was seen", "[plan_identity]") {
  const Plan base = plan_of(inputs());
  auto fp = [](const Plan& p, const std::string& address) {
    return action_fingerprint(p, action_for(p, address));
  };
  const std::string update = fp(base, "nexj.target/EXCH01");
  const std::string create = fp(base, "nexj.target/EXCH02");
  const std::string noop = fp(base, "nexj.http_channel/Sender1");
  CHECK(is_short_digest(update));
  CHECK(update != create);
  CHECK(fp(plan_of(inputs()), "nexj.target/EXCH01") == update);  // stable

  // The two-argument form is the same computation.
  const Action& a = action_for(base, "nexj.target/EXCH01");
  CHECK(action_fingerprint(a, observed_fingerprint(base, a)) == update);

  // What the spec wants changed.
  Inputs in = inputs();
  in.desired.resources[1].values[kHost] = std::string("exch01b");
  CHECK(fp(plan_of(std::move(in)), "nexj.target/EXCH01") != update);
  in = inputs();
  in.desired.resources[2].values[kHost] = std::string("exch02b");
  CHECK(fp(plan_of(std::move(in)), "nexj.target/EXCH02") != create);
  // The secret the spec wants changed (its fingerprint; the observed one did not).
  in = inputs();
  in.desired.resources[0].values[kPassword] = SecretValue{"${env:PW}", "sha256:3333333333333333"};
  in.observed.resources[0].values[kPassword] = SecretValue{"", "sha256:3333333333333333"};
  std::string noop2 = fp(plan_of(std::move(in)), "nexj.http_channel/Sender1");
  CHECK(noop2 != noop);

  // What was seen changed, though the action is the same update.
  in = inputs();
  in.observed.resources[1].values[kHost] = std::string("older-host");
  Plan other = plan_of(std::move(in));
  CHECK(action_for(other, "nexj.target/EXCH01").kind == ActionKind::Update);
  CHECK(fp(other, "nexj.target/EXCH01") != update);
  // ... while the other actions still agree.
  CHECK(fp(other, "nexj.target/EXCH02") == create);
  CHECK(fp(other, "nexj.http_channel/Sender1") == noop);

  // Dependencies and reasons are not part of an action's identity.
  Action copy = a;
  copy.reason = "reworded";
  copy.depends_on = {};
  CHECK(action_fingerprint(base, copy) == update);
  copy.kind = ActionKind::Create;
  CHECK(action_fingerprint(base, copy) != update);
}

TEST_CASE("plan id: stable for the same inputs, changed by any part", "[plan_identity]") {
  const std::string id = plan_id(plan_of(inputs()));
  CHECK(id.size() == 16);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(plan_id(plan_of(inputs())) == id);

  CHECK(plan_id(plan_of(inputs(), "sha256:00fe")) != id);
  Plan limited = plan_of(inputs());
  limited.only = {"nexj"};
  CHECK(plan_id(limited) != id);
  limited.only = {"nexj", "exchange"};
  std::string two = plan_id(limited);
  limited.only = {"nexj.exchange"};
  CHECK(plan_id(limited) != two);

  Inputs in = inputs();
  in.observed.resources[0].values[kPassword] = SecretValue{"", "sha256:9999999999999999"};
  CHECK(plan_id(plan_of(std::move(in))) != id);

  // From its parts, as a saved plan checks it.
  Plan p = plan_of(inputs());
  CHECK(plan_id_of(p.spec_digest, p.only, action_fingerprints(p)) == id);
  // Pinned: a change here changes every saved plan's id (then say so in docs/plan-format.md).
  CHECK(plan_id_of("sha256:00ff", std::vector<std::string>{"nexj"},
                   std::vector<std::string>{"sha256:0123456789abcdef"}) ==
        sha256_hex({"plan 1", "sha256:00ff", "1", "nexj", "1", "sha256:0123456789abcdef"})
            .substr(0, 16));
}
