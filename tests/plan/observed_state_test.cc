#include "plan/observed_state.h"

#include <catch2/catch.hpp>

using namespace sd;

namespace {

std::string observed_state_errors(std::string_view text) {
  auto state = parse_observed_state("obs.json", text);
  REQUIRE_FALSE(state.ok());
  return format_all(state.errors());
}

// A document with one resource entry, for error tests.
std::string with_resource(const std::string& entry) {
  return R"({"format_version": "1", "resources": [)" + entry + "]}";
}

}  // namespace

TEST_CASE("presence: listed, failed type, unread type, or absent", "[observed]") {
  ObservedState o;
  ObservedResource t;
  t.type = &types::kTarget;
  t.name = "EXCH01";
  o.resources.push_back(t);
  t.name = "EXCH02";
  t.presence = Presence::Unknown;
  t.error = "timeout";
  o.resources.push_back(t);
  o.failed_types["exchange.throttling_policy"] = "WinRM: connection refused";
  o.unread_types.push_back("nexj.folder_link");
  o.index();

  const ObservedResource* found = nullptr;
  std::string error;
  CHECK(o.presence_of(types::kTarget, "nexj.target/EXCH01", &found, &error) == Presence::Present);
  CHECK(found == &o.resources[0]);
  CHECK(o.presence_of(types::kTarget, "nexj.target/EXCH02", &found, &error) == Presence::Unknown);
  CHECK(found == &o.resources[1]);
  CHECK(error == "timeout");
  CHECK(o.presence_of(types::kTarget, "nexj.target/EXCH03", &found, &error) == Presence::Absent);
  CHECK(found == nullptr);
  CHECK(o.presence_of(types::kThrottlingPolicy, "exchange.throttling_policy/P", &found, &error) ==
        Presence::Unknown);
  CHECK(error == "WinRM: connection refused");
  CHECK(o.presence_of(types::kFolderLink, "nexj.folder_link/a/calendar", &found, &error) ==
        Presence::Unknown);
  CHECK(error == "not read");
  CHECK(o.presence_of(types::kFolderLink, "nexj.folder_link/a/calendar", nullptr, nullptr) ==
        Presence::Unknown);
}

TEST_CASE("observed state round-trips through its JSON form", "[observed]") {
  ObservedState o;
  ObservedResource policy;
  policy.type = &types::kThrottlingPolicy;
  policy.name = "NexJSyncPolicy";
  policy.values.assign(policy.type->fields.size(), Unset{});
  policy.values[0] = NullValue{};
  policy.values[2] = int64_t{500};
  o.resources.push_back(policy);
  ObservedResource channel;
  channel.type = &types::kHttpChannel;
  channel.name = "ExchangeEWSSender1";
  channel.values.assign(channel.type->fields.size(), Unset{});
  channel.values[1] = std::string("https://exch01/EWS/Exchange.asmx");
  channel.values[4] = SecretValue{"", "sha256:0123456789abcdef"};
  channel.values[5] = true;
  o.resources.push_back(channel);
  ObservedResource gone;
  gone.type = &types::kTarget;
  gone.name = "EXCH09";
  gone.presence = Presence::Absent;
  gone.values.assign(gone.type->fields.size(), Unset{});
  o.resources.push_back(gone);
  ObservedResource unknown;
  unknown.type = &types::kMailChannel;
  unknown.name = "Mail";
  unknown.presence = Presence::Unknown;
  unknown.error = "environment file is locked";
  unknown.values.assign(unknown.type->fields.size(), Unset{});
  o.resources.push_back(unknown);
  ObservedResource options;
  options.type = &types::kGlobalOptions;
  options.name = "exchange";
  options.values.assign(options.type->fields.size(), Unset{});
  options.values[12] = StringList{"^a$", "^b$"};
  o.resources.push_back(options);
  o.failed_types["nexj.folder_link"] = "database is locked";
  o.unread_types.push_back("exchange.ad_permission");

  std::string text = observed_state_to_json(o);
  CHECK(text == R"({
  "failed_types": {
    "nexj.folder_link": "database is locked"
  },
  "format_version": "1",
  "resources": [
    {
      "address": "exchange.throttling_policy/NexJSyncPolicy",
      "attributes": {
        "ewsMaxBurst": 500,
        "ewsMaxConcurrency": null
      },
      "status": "present"
    },
    {
      "address": "nexj.http_channel/ExchangeEWSSender1",
      "attributes": {
        "password": {
          "fingerprint": "sha256:0123456789abcdef",
          "sensitive": true
        },
        "secure": true,
        "url": "https://exch01/EWS/Exchange.asmx"
      },
      "status": "present"
    },
    {
      "address": "nexj.target/EXCH09",
      "status": "absent"
    },
    {
      "address": "nexj.mail_channel/Mail",
      "error": "environment file is locked",
      "status": "unknown"
    },
    {
      "address": "nexj.global_options/exchange",
      "attributes": {
        "emailBlacklist": [
          "^a$",
          "^b$"
        ]
      },
      "status": "present"
    }
  ],
  "unread_types": [
    "exchange.ad_permission"
  ]
}
)");

  auto back = parse_observed_state("obs.json", text);
  REQUIRE(back.ok());
  REQUIRE(back->resources.size() == o.resources.size());
  for (size_t i = 0; i < o.resources.size(); ++i) {
    const ObservedResource& a = o.resources[i];
    const ObservedResource& b = back->resources[i];
    CHECK(a.type == b.type);
    CHECK(a.name == b.name);
    CHECK(a.presence == b.presence);
    CHECK(a.error == b.error);
    CHECK(a.values == b.values);
  }
  CHECK(back->failed_types == o.failed_types);
  CHECK(back->unread_types == o.unread_types);
  CHECK(back->by_address.at("nexj.target/EXCH09") == 2);  // indexed, ready for presence_of
  CHECK(observed_state_to_json(*back) == text);
}

TEST_CASE("observed state: defaults of a minimal file", "[observed]") {
  auto state = parse_observed_state("obs.json", R"({"format_version": "1", "resources": [
        {"address": "nexj.folder_link/jsmith/calendar"},
        {"address": "nexj.user_options/user:jsmith", "status": "unknown"}]})");
  REQUIRE(state.ok());
  CHECK(state->resources[0].presence == Presence::Present);
  CHECK(state->resources[0].name == "jsmith/calendar");
  CHECK(state->resources[0].values == std::vector<Value>(4, Unset{}));
  CHECK(state->resources[1].name == "user:jsmith");
  CHECK(state->resources[1].error == "unknown error");
  CHECK(state->failed_types.empty());
  CHECK(state->unread_types.empty());
}

TEST_CASE("observed state: malformed files are rejected with file and JSON path", "[observed]") {
  CHECK(observed_state_errors("{\"format_version\": \"1\",\n \"resources\": [}") ==
        "obs.json:2:16: error: not valid JSON: syntax error while parsing value - unexpected '}'; "
        "expected '[', '{', or a literal\n");
  CHECK(observed_state_errors("") ==
        "obs.json:1:1: error: not valid JSON: syntax error while parsing value - unexpected end "
        "of input; expected '[', '{', or a literal\n");
  CHECK(observed_state_errors("[]") ==
        "obs.json: error: expected a JSON object at the top level, found an array\n");
  CHECK(observed_state_errors(R"({"format_version": "2", "resources": []})") ==
        "obs.json: error: unsupported format_version \"2\"; this reader understands \"1\" "
        "(format_version)\n");
  CHECK(observed_state_errors(R"({"format_version": 1, "resources": []})") ==
        "obs.json: error: unsupported format_version 1; this reader understands \"1\" "
        "(format_version)\n");
  CHECK(observed_state_errors(R"({"format_version": "1"})") ==
        "obs.json: error: resources is missing; write \"resources\": [] when nothing was found "
        "(resources)\n");
  CHECK(observed_state_errors(R"({"format_version": "1", "resources": [], "extra": 1})") ==
        "obs.json: error: unknown key \"extra\"; expected format_version, resources, "
        "failed_types or unread_types (extra)\n");
  CHECK(observed_state_errors(with_resource(R"({"address": "nexj.widget/x"})")) ==
        "obs.json: error: unknown resource type \"nexj.widget\" (resources[0].address)\n");
  CHECK(observed_state_errors(with_resource(R"({"address": "nexj.target"})")) ==
        "obs.json: error: expected an address like \"nexj.target/EXCH01\", found "
        "\"nexj.target\" (resources[0].address)\n");
  CHECK(observed_state_errors(with_resource(R"({"status": "present"})")) ==
        "obs.json: error: address is missing (resources[0].address)\n");
  CHECK(observed_state_errors(with_resource(R"({"address": "nexj.target/A", "status": "gone"})")) ==
        "obs.json: error: expected \"present\", \"absent\" or \"unknown\", found \"gone\" "
        "(resources[0].status)\n");
  CHECK(observed_state_errors(
            with_resource(R"({"address": "nexj.target/A", "attributes": {"hots": "x"}})")) ==
        "obs.json: error: unknown attribute \"hots\" for nexj.target; expected one of: host, "
        "nexjUrl, version, subscription, autodiscover, useInternalCAS, keepItemsOlderThanDays, "
        "sender, receiver, enabled (resources[0].attributes.hots)\n");
  CHECK(observed_state_errors(with_resource(
            R"({"address": "nexj.target/A", "attributes": {"host": {"a": 1}, "enabled": 1.5}})")) ==
        "obs.json: error: expected a string, integer, boolean or null, found a fractional number "
        "(resources[0].attributes.enabled)\n"
        "obs.json: error: expected a string, integer, boolean or null, found an object "
        "(resources[0].attributes.host)\n");
  CHECK(observed_state_errors(with_resource(
            R"({"address": "nexj.http_channel/S", "attributes": {"password": "hunter2"}})")) ==
        "obs.json: error: expected {\"sensitive\": true, \"fingerprint\": \"...\"} or null, found "
        "a string (resources[0].attributes.password)\n");
  CHECK(observed_state_errors(with_resource(R"({"address": "exchange.throttling_policy/P",
                                    "attributes": {"ewsMaxBurst": "lots"}})")) ==
        "obs.json: error: expected an integer, \"unlimited\" or null, found a string "
        "(resources[0].attributes.ewsMaxBurst)\n");
  CHECK(observed_state_errors(with_resource(
            R"({"address": "nexj.target/A", "status": "absent", "attributes": {}})")) ==
        "obs.json: error: only a present resource has attributes (status is \"absent\") "
        "(resources[0].attributes)\n");
  CHECK(observed_state_errors(
            with_resource(R"({"address": "nexj.target/A"}, {"address": "nexj.target/A"})")) ==
        "obs.json: error: duplicate address \"nexj.target/A\" (first at resources[0]) "
        "(resources[1].address)\n");
  CHECK(observed_state_errors(R"({"format_version": "1", "resources": [],
                      "failed_types": {"nexj.widget": "x", "nexj.target": 3},
                      "unread_types": ["nexj.folder_link", 7]})") ==
        "obs.json: error: expected the error as a string, found an integer "
        "(failed_types[\"nexj.target\"])\n"
        "obs.json: error: unknown resource type \"nexj.widget\" (failed_types[\"nexj.widget\"])\n"
        "obs.json: error: expected a resource type name, found an integer (unread_types[1])\n");
}

TEST_CASE("observed state: a flood of errors is cut short", "[observed]") {
  std::string text = R"({"format_version": "1", "resources": [)";
  for (int i = 0; i < 100; ++i) text += std::string(i ? "," : "") + "{\"address\": \"x/y\"}";
  text += "]}";
  auto state = parse_observed_state("obs.json", text);
  REQUIRE_FALSE(state.ok());
  CHECK(state.errors().size() == 21);
  CHECK(state.errors().back().message == "too many errors; the first 20 are shown");
}

TEST_CASE("observed state: nesting past 64 levels is refused where it starts, never a crash",
          "[observed]") {
  // 100,000 levels overflowed the stack while the error message printed the value.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  CHECK(observed_state_errors("{\"format_version\": " + deep + ", \"resources\": []}") ==
        "obs.json:1:83: error: nesting is deeper than 64 levels\n");
  // Brackets inside strings do not count; 64 levels are still read.
  std::string ok_depth = std::string(63, '[') + "\"[[[{{{\"" + std::string(63, ']');
  const std::string within =
      "{\"format_version\": \"1\", \"resources\": [], \"x\": " + ok_depth + "}";
  CHECK(observed_state_errors(within).find("nesting") == std::string::npos);
}

TEST_CASE("observed state: a bad value is quoted in short, never whole", "[observed]") {
  const std::string huge(1'000'000, 'v');
  std::string message =
      observed_state_errors("{\"format_version\": \"" + huge + "\", \"resources\": []}");
  CHECK(message == "obs.json: error: unsupported format_version \"" + std::string(40, 'v') +
                       "…\"; this reader understands \"1\" (format_version)\n");
  CHECK(observed_state_errors("{\"format_version\": [1, 2, 3], \"resources\": []}") ==
        "obs.json: error: unsupported format_version an array; this reader understands \"1\" "
        "(format_version)\n");
}
