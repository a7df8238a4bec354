#include "spec/schema_check.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "spec/document.h"

using namespace sd;

namespace {

// The smallest valid spec; tests change one line of it.
const char* const kBase = R"(version: 1
deployment: t
exchange:
  version: Exchange2016
  management:
    url: https://exch.example.com:5986/wsman
    username: admin
    password: ${env:ADMIN}
  serviceAccount:
    identity: nexj-sync
  servers:
    - name: exch01
      host: exch.example.com
nexj:
  url: https://crm.example.com/nexj
  environmentFile: env/t.environment
  store: sqlite:state/t.db
  channels:
    senders:
      - channel: ExchangeEWSSender1
        server: exch01
  targets:
    - name: EXCH01
      server: exch01
      sender: ExchangeEWSSender1
)";

std::string with(std::string_view from, std::string_view to) {
  std::string text = kBase;
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

std::string errors_of(const std::string& text) {
  auto doc = parse_yaml("s.yaml", text);
  REQUIRE(doc.ok());
  return format_all(check_schema(*doc));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("the base spec and the examples are schema-valid", "[schema]") {
  CHECK(errors_of(kBase) == "");
  for (const char* name : {"quickstart.yaml", "acme-prod.yaml", "exchange-se-ntlm.yaml",
                           "exchange-se-kerberos.yaml"}) {
    std::string path = std::string(SYNCDEPLOY_SOURCE_DIR) + "/examples/" + name;
    auto doc = parse_yaml(path, read_file(path));
    REQUIRE(doc.ok());
    INFO(name);
    CHECK(format_all(check_schema(*doc)) == "");
  }
}

TEST_CASE("unknown keys are named at the key, with the keys allowed there", "[schema]") {
  CHECK(errors_of(with("    - name: exch01", "    - nmae: exch01\n      wat: 1")) ==
        "s.yaml:12:7: error: missing required key 'name' (exchange.servers[0])\n"
        "s.yaml:12:7: error: unknown key 'nmae'; expected one of: name, host, ewsUrl, spn "
        "(exchange.servers[0].nmae)\n"
        "s.yaml:13:7: error: unknown key 'wat'; expected one of: name, host, ewsUrl, spn "
        "(exchange.servers[0].wat)\n");
  CHECK(errors_of(with("exchange:", "exchange: 5\nxx:")) ==
        "s.yaml:3:11: error: expected a mapping, found a number (exchange)\n"
        "s.yaml:4:1: error: unknown key 'xx'; expected one of: version, deployment, exchange, "
        "nexj, users, remove, variables (xx)\n");
}

TEST_CASE("missing required keys are named at their mapping", "[schema]") {
  CHECK(errors_of(with("    identity: nexj-sync", "    upn: x@y")) ==
        "s.yaml:10:5: error: missing required key 'identity' (exchange.serviceAccount)\n");
  // Conditional requirements: basic and ntlm need username and password, certificate its
  // files; kerberos and negotiate (the default) need username with a password or a keytab, and
  // nothing without either (the credential cache).
  CHECK(
      errors_of(with("    username: admin\n    password: ${env:ADMIN}", "    auth: certificate")) ==
      "s.yaml:6:5: error: missing required key 'certificateFile' (exchange.management)\n"
      "s.yaml:6:5: error: missing required key 'keyFile' (exchange.management)\n");
  for (const char* auth : {"basic", "ntlm"}) {
    INFO(auth);
    CHECK(errors_of(with("    username: admin\n    password: ${env:ADMIN}",
                         std::string("    auth: ") + auth)) ==
          "s.yaml:6:5: error: missing required key 'password' (exchange.management)\n"
          "s.yaml:6:5: error: missing required key 'username' (exchange.management)\n");
  }
  CHECK(errors_of(with("    username: admin\n    password: ${env:ADMIN}", "")) == "");
  CHECK(errors_of(with("    username: admin\n    password: ${env:ADMIN}", "    auth: kerberos")) ==
        "");
  CHECK(errors_of(with("    username: admin\n", "")) ==
        "s.yaml:6:5: error: missing required key 'username' (exchange.management)\n");
  CHECK(errors_of(with("    username: admin\n    password: ${env:ADMIN}",
                       "    auth: kerberos\n    keytab: admin.keytab")) ==
        "s.yaml:6:5: error: missing required key 'username' (exchange.management)\n");
  // The service account: basic and ntlm need its password.
  CHECK(errors_of(with("    identity: nexj-sync", "    identity: nexj-sync\n    auth: ntlm")) ==
        "s.yaml:10:5: error: missing required key 'password' (exchange.serviceAccount)\n");
  CHECK(errors_of(with("    identity: nexj-sync", "    identity: nexj-sync\n    create: true")) ==
        "s.yaml:10:5: error: missing required key 'password' (exchange.serviceAccount)\n"
        "s.yaml:10:5: error: missing required key 'upn' (exchange.serviceAccount)\n");
}

TEST_CASE("wrong types say what was expected and what was found", "[schema]") {
  CHECK(errors_of(with("  url: https://crm.example.com/nexj", "  url: 12")) ==
        "s.yaml:15:8: error: expected a string, found a number (nexj.url)\n");
  CHECK(errors_of(with("  url: https://crm.example.com/nexj", "  url: [a]")) ==
        "s.yaml:15:8: error: expected a string, found a list (nexj.url)\n");
  CHECK(errors_of(with("version: 1", "version: '1'")) ==
        "s.yaml:1:10: error: expected an integer, found a string (version)\n");
  CHECK(errors_of(with("      sender: ExchangeEWSSender1",
                       "      sender: ExchangeEWSSender1\n  userOptions:\n    - scope: everyone\n"
                       "      enableRelatedInfoNotes: 'yes'")) ==
        "s.yaml:27:14: error: \"everyone\" is not a scope: write system, userType:<name> or "
        "user:<login> (nexj.userOptions[0].scope)\n"
        "s.yaml:28:31: error: expected true or false, found a string "
        "(nexj.userOptions[0].enableRelatedInfoNotes)\n");
  CHECK(errors_of("") ==
        "s.yaml: error: the spec is empty; expected a mapping with version, deployment, exchange "
        "and nexj\n");
  CHECK(errors_of("- 1\n") == "s.yaml:1:1: error: expected a mapping, found a list\n");
}

TEST_CASE("enums list the allowed values, untrusted values are escaped", "[schema]") {
  CHECK(errors_of(with("  version: Exchange2016", "  version: Exchange2017")) ==
        "s.yaml:4:12: error: \"Exchange2017\" is not one of: Exchange2010, Exchange2013, "
        "Exchange2016, Exchange2019, ExchangeSE (exchange.version)\n");
  CHECK(errors_of(with("  version: Exchange2016", "  version: \"Ex\\u001b[31m\"")) ==
        "s.yaml:4:12: error: \"Ex\\x1B[31m\" is not one of: Exchange2010, Exchange2013, "
        "Exchange2016, Exchange2019, ExchangeSE (exchange.version)\n");
  CHECK(errors_of(with("  version: Exchange2016", "  version: ExchangeSE")) == "");
  CHECK(errors_of(with("    username: admin", "    auth: digest\n    username: admin")) ==
        "s.yaml:7:11: error: \"digest\" is not one of: negotiate, kerberos, ntlm, basic, "
        "certificate (exchange.management.auth)\n");
  CHECK(errors_of(
            with("    identity: nexj-sync", "    identity: nexj-sync\n    auth: certificate")) ==
        "s.yaml:11:11: error: \"certificate\" is not one of: negotiate, kerberos, ntlm, basic "
        "(exchange.serviceAccount.auth)\n");
  CHECK(errors_of(with("deployment: t", "deployment: \"bad name\\n\"")) ==
        "s.yaml:2:13: error: \"bad name\\n\" is not a valid name: use letters, digits, '.', '_' "
        "and '-', start with a letter or digit, at most 64 characters (deployment)\n");
}

TEST_CASE("a version the schema refuses gets its reason, not the list", "[schema]") {
  CHECK(errors_of(with("  version: Exchange2016", "  version: ExchangeOnline")) ==
        "s.yaml:4:12: error: ExchangeOnline is not supported: EWS in Exchange Online is blocked "
        "from October 2026 unless the tenant allow-lists the application and switched off in "
        "April 2027, ApplicationImpersonation was removed from Exchange Online in February 2025, "
        "and remote PowerShell to Exchange Online was shut off in October 2023 "
        "(exchange.version)\n");
  // Only the exact value: another spelling is just not one of the versions.
  CHECK(errors_of(with("  version: Exchange2016", "  version: exchangeonline")) ==
        "s.yaml:4:12: error: \"exchangeonline\" is not one of: Exchange2010, Exchange2013, "
        "Exchange2016, Exchange2019, ExchangeSE (exchange.version)\n");
}

TEST_CASE("SPNs are SERVICE/host with an optional port and realm", "[schema]") {
  for (const char* spn : {"HTTP/exch01.example.com", "HTTP/exch01.example.com@EXAMPLE.COM",
                          "WSMAN/exch01:5986", "HTTP/mail.example.com:443@EXAMPLE.COM"}) {
    INFO(spn);
    CHECK(errors_of(with("    password: ${env:ADMIN}",
                         std::string("    password: ${env:ADMIN}\n    spn: ") + spn)) == "");
  }
  for (const char* spn : {"exch01.example.com", "HTTP/", "HTTP/exch 01", "HTTP/exch01@", "HTTP/a/b",
                          "HTTP/exch01@EXAMPLE@COM", "/exch01"}) {
    INFO(spn);
    CHECK(errors_of(with("      host: exch.example.com",
                         std::string("      host: exch.example.com\n      spn: '") + spn + "'")) ==
          "s.yaml:14:12: error: \"" + std::string(spn) +
              "\" is not a service principal name such as HTTP/mail.example.local or "
              "HTTP/mail.example.local@EXAMPLE.LOCAL (SERVICE/host, optionally :port and @REALM; "
              "no spaces) (exchange.servers[0].spn)\n");
  }
}

TEST_CASE("secrets must be references, never literals", "[schema]") {
  // The message never repeats the value: it may be a real password.
  CHECK(errors_of(with("    password: ${env:ADMIN}", "    password: hunter2")) ==
        "s.yaml:8:15: error: must be a secret reference such as ${env:NAME} or ${file:PATH}; "
        "secrets are never written in the spec (exchange.management.password)\n");
  CHECK(errors_of(with("${env:ADMIN}", "${file:secrets/admin.txt}")) == "");
  CHECK(errors_of(with("${env:ADMIN}", "${env:1BAD}")) ==
        "s.yaml:8:15: error: must be a secret reference such as ${env:NAME} or ${file:PATH}; "
        "secrets are never written in the spec (exchange.management.password)\n");
}

TEST_CASE("patterns, ranges and list sizes", "[schema]") {
  CHECK(errors_of(with("  servers:\n    - name: exch01\n      host: exch.example.com",
                       "  servers: []")) ==
        "s.yaml:11:12: error: must be at least 1 item(s) (exchange.servers)\n");
  CHECK(errors_of(with("    identity: nexj-sync",
                       "    identity: nexj-sync\n  throttling:\n    policy: P\n    ews:\n"
                       "      maxConcurrency: -1\n      maxBurst: [1]\n      rechargeRate: lots\n"
                       "      cutoffBalance: 1.5\n      maxSubscriptions: 3000000000")) ==
        "s.yaml:14:23: error: must be between 0 and 2147483647 "
        "(exchange.throttling.ews.maxConcurrency)\n"
        "s.yaml:15:17: error: expected \"unlimited\" or an integer, found a list "
        "(exchange.throttling.ews.maxBurst)\n"
        "s.yaml:16:21: error: \"lots\" is not a limit: write unlimited or an integer between 0 "
        "and 2147483647 (exchange.throttling.ews.rechargeRate)\n"
        "s.yaml:17:22: error: expected \"unlimited\" or an integer, found a decimal number "
        "(exchange.throttling.ews.cutoffBalance)\n"
        "s.yaml:18:25: error: must be between 0 and 2147483647 "
        "(exchange.throttling.ews.maxSubscriptions)\n");
  CHECK(errors_of(with("version: 1", "version: 2")) ==
        "s.yaml:1:10: error: unsupported spec version 2; this syncdeploy reads version 1 "
        "(version)\n");
  CHECK(errors_of(with("  store: sqlite:state/t.db", "  store: state/t.db")) ==
        "s.yaml:17:10: error: \"state/t.db\" is not a configuration store: write sqlite:PATH "
        "(nexj.store)\n");
  CHECK(errors_of(with("  store: sqlite:state/t.db",
                       "  store: sqlite:state/t.db\n  globalOptions:\n"
                       "    autodiscover: {startTime: '25:00'}\n    realtimeSync: stopped")) ==
        "s.yaml:19:31: error: \"25:00\" is not a time of day as \"HH:MM\" (00:00 to 23:59) "
        "(nexj.globalOptions.autodiscover.startTime)\n"
        "s.yaml:20:19: error: \"stopped\" is not one of: running, paused "
        "(nexj.globalOptions.realtimeSync)\n");
}

TEST_CASE("users: csv shapes, folder lists, required keys", "[schema]") {
  CHECK(errors_of(with("      sender: ExchangeEWSSender1",
                       "      sender: ExchangeEWSSender1\nusers:\n  csv: 5\n  list:\n"
                       "    - login: a\n      email: a@x\n      folders: [calendar, calendar]\n"
                       "    - login: b\n      folders: [mail]")) ==
        "s.yaml:27:8: error: expected a path or a list of paths, found a number (users.csv)\n"
        "s.yaml:31:16: error: lists \"calendar\" more than once (users.list[0].folders)\n"
        "s.yaml:32:7: error: missing required key 'email' (users.list[1])\n"
        "s.yaml:33:17: error: \"mail\" is not one of: calendar, tasks, contacts "
        "(users.list[1].folders[0])\n");
  CHECK(errors_of(with("      sender: ExchangeEWSSender1",
                       "      sender: ExchangeEWSSender1\nusers:\n  csv: [a.csv, 7, '']")) ==
        "s.yaml:27:16: error: expected a string, found a number (users.csv[1])\n"
        "s.yaml:27:19: error: must not be empty (users.csv[2])\n");
}

TEST_CASE("overlong strings are refused before any pattern sees them", "[schema]") {
  CHECK(errors_of(with("deployment: t", "deployment: " + std::string(5000, 'a'))) ==
        "s.yaml:2:13: error: value is longer than 4096 bytes (deployment)\n");
}
