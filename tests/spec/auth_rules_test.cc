// The authentication rules (spec/semantic_auth.cc) on specs read from YAML, without the schema
// in front: each rule is seen on its own, at the line and column it points at.
#include <catch2/catch.hpp>
#include <string>

#include "spec/document.h"
#include "spec/semantic_rules.h"
#include "spec/spec_reader.h"
#include "spec/spec_warnings.h"

using namespace sd;

namespace {

// A valid spec around the blocks a test writes: `management` from line 7, then
// serviceAccount (its own lines from 9 + the management block's), then the server's.
std::string auth_spec_text(std::string_view management, std::string_view account,
                           std::string_view server = "") {
  std::string text =
      "version: 1\n"
      "deployment: auth\n"
      "exchange:\n"
      "  version: ExchangeSE\n"
      "  management:\n"
      "    url: https://exch01.example.local:5986/wsman\n";
  text += management;
  text +=
      "  serviceAccount:\n"
      "    identity: nexj-sync\n";
  text += account;
  text +=
      "  servers:\n"
      "    - name: exch01\n"
      "      host: exch01.example.local\n";
  text += server;
  text +=
      "nexj:\n"
      "  url: https://crm.example.local/nexj\n"
      "  environmentFile: env/auth.environment\n"
      "  store: sqlite:state/auth.db\n"
      "  channels:\n"
      "    senders:\n"
      "      - channel: ExchangeEWSSender1\n"
      "        server: exch01\n"
      "    receiver:\n"
      "      channel: ExchangeEWSNotificationReceiver\n"
      "  targets:\n"
      "    - name: EXCH01\n"
      "      server: exch01\n"
      "      sender: ExchangeEWSSender1\n";
  return text;
}

Spec read_auth_spec(std::string_view management, std::string_view account,
                    std::string_view server = "") {
  auto doc = parse_yaml("auth.yaml", auth_spec_text(management, account, server));
  REQUIRE(doc.ok());
  return read_spec(*doc);
}

std::string auth_errors(std::string_view management, std::string_view account,
                        std::string_view server = "") {
  auto doc = parse_yaml("auth.yaml", auth_spec_text(management, account, server));
  REQUIRE(doc.ok());
  return format_all(check_semantics(read_spec(*doc), *doc));
}

constexpr std::string_view kAdminUpn =
    "    username: deploy-admin@EXAMPLE.LOCAL\n"
    "    password: ${env:EXCH_ADMIN_PASSWORD}\n";

}  // namespace

TEST_CASE("auth: negotiate is the default, for management and the service account", "[rules]") {
  Spec s = read_auth_spec(kAdminUpn, "");
  CHECK(s.exchange.management.auth == AuthMethod::Negotiate);
  CHECK(s.exchange.serviceAccount.auth == AuthMethod::Negotiate);
  CHECK(auth_errors(kAdminUpn, "") == "");
  // Without password and keytab the credential cache signs in: no name is needed.
  CHECK(auth_errors("", "") == "");
  CHECK(auth_errors("    auth: kerberos\n", "    auth: kerberos\n") == "");
  CHECK(std::string(to_string(AuthMethod::Negotiate)) == "negotiate");
  CHECK(std::string(to_string(AuthMethod::Kerberos)) == "kerberos");
  CHECK(std::string(to_string(AuthMethod::Ntlm)) == "ntlm");
  CHECK(std::string(to_string(AuthMethod::Basic)) == "basic");
  CHECK(std::string(to_string(AuthMethod::Certificate)) == "certificate");
}

TEST_CASE("auth: kerberos needs a user principal name, and a password or a keytab", "[rules]") {
  CHECK(auth_errors("    auth: kerberos\n"
                    "    username: EXAMPLE\\deploy-admin\n"
                    "    password: ${env:EXCH_ADMIN_PASSWORD}\n",
                    "") ==
        "auth.yaml:8:15: error: auth kerberos needs a user principal name such as "
        "deploy-admin@EXAMPLE.LOCAL, not \"EXAMPLE\\\\deploy-admin\": Kerberos names accounts "
        "name@REALM (exchange.management.username)\n");
  CHECK(auth_errors("    auth: kerberos\n"
                    "    username: deploy-admin\n",
                    "") ==
        "auth.yaml:8:15: error: auth kerberos needs a user principal name such as "
        "deploy-admin@EXAMPLE.LOCAL, not \"deploy-admin\": Kerberos names accounts name@REALM "
        "(exchange.management.username)\n");
  CHECK(auth_errors("    auth: kerberos\n"
                    "    username: deploy-admin@EXAMPLE.LOCAL\n"
                    "    password: ${env:EXCH_ADMIN_PASSWORD}\n"
                    "    keytab: secrets/deploy-admin.keytab\n",
                    "") ==
        "auth.yaml:10:13: error: auth kerberos takes a password or a keytab, not both; with "
        "neither, it signs in from the credential cache (exchange.management.keytab)\n");
  CHECK(auth_errors("    auth: kerberos\n"
                    "    keytab: secrets/deploy-admin.keytab\n",
                    "") ==
        "auth.yaml:7:11: error: auth kerberos with a keytab needs username; leave out password "
        "and keytab to sign in from the credential cache (exchange.management.auth)\n");
  CHECK(auth_errors("    auth: kerberos\n"
                    "    username: deploy-admin@EXAMPLE.LOCAL\n"
                    "    keytab: secrets/deploy-admin.keytab\n"
                    "    spn: HTTP/exch01.example.local@EXAMPLE.LOCAL\n",
                    "") == "");
}

TEST_CASE("auth: negotiate takes name@REALM or a down-level name, a keytab only name@REALM",
          "[rules]") {
  CHECK(auth_errors("    username: EXAMPLE\\deploy-admin\n"
                    "    password: ${env:EXCH_ADMIN_PASSWORD}\n",
                    "") == "");
  CHECK(auth_errors("    username: deploy-admin\n"
                    "    password: ${env:EXCH_ADMIN_PASSWORD}\n",
                    "") ==
        "auth.yaml:7:15: error: auth negotiate needs the account as name@REALM (Kerberos, else "
        "NTLM) or DOMAIN\\name (NTLM), not \"deploy-admin\" (exchange.management.username)\n");
  CHECK(auth_errors("    auth: negotiate\n"
                    "    username: EXAMPLE\\deploy-admin\n"
                    "    keytab: secrets/deploy-admin.keytab\n",
                    "") ==
        "auth.yaml:8:15: error: a keytab signs in through Kerberos, which needs a user principal "
        "name such as deploy-admin@EXAMPLE.LOCAL, not \"EXAMPLE\\\\deploy-admin\" "
        "(exchange.management.username)\n");
  CHECK(auth_errors("    password: ${env:EXCH_ADMIN_PASSWORD}\n", "") ==
        "auth.yaml:6:5: error: auth negotiate with a password needs username; leave out password "
        "and keytab to sign in from the credential cache (exchange.management.auth)\n");
}

TEST_CASE("auth: ntlm needs a qualified name and a password, never a keytab", "[rules]") {
  CHECK(auth_errors("    auth: ntlm\n"
                    "    username: EXAMPLE\\deploy-admin\n"
                    "    password: ${env:EXCH_ADMIN_PASSWORD}\n",
                    "    auth: ntlm\n"
                    "    upn: nexj-sync@example.local\n"
                    "    password: ${env:NEXJ_SYNC_PASSWORD}\n") == "");
  CHECK(auth_errors("    auth: ntlm\n"
                    "    username: deploy-admin\n"
                    "    keytab: secrets/deploy-admin.keytab\n",
                    "") ==
        "auth.yaml:7:11: error: auth ntlm needs username and password; missing: password "
        "(exchange.management.auth)\n"
        "auth.yaml:8:15: error: auth ntlm needs the account as DOMAIN\\name or name@domain, not "
        "\"deploy-admin\" (exchange.management.username)\n"
        "auth.yaml:9:13: error: keytab is used only with auth: kerberos or negotiate "
        "(exchange.management.keytab)\n");
  CHECK(auth_errors("    auth: ntlm\n"
                    "    username: EXAMPLE\\\n"
                    "    password: ${env:EXCH_ADMIN_PASSWORD}\n",
                    "") ==
        "auth.yaml:8:15: error: invalid account name \"EXAMPLE\\\\\": expected DOMAIN\\name or "
        "name@domain (exchange.management.username)\n");
}

TEST_CASE("auth: basic and certificate as before, without keytab or spn", "[rules]") {
  // Basic sends the name as written: no form is required of it.
  CHECK(auth_errors("    auth: basic\n"
                    "    username: deploy-admin\n"
                    "    password: ${env:EXCH_ADMIN_PASSWORD}\n",
                    "") == "");
  CHECK(auth_errors("    auth: basic\n"
                    "    username: deploy-admin\n"
                    "    keytab: secrets/deploy-admin.keytab\n"
                    "    spn: HTTP/exch01.example.local\n",
                    "") ==
        "auth.yaml:7:11: error: auth basic needs username and password; missing: password "
        "(exchange.management.auth)\n"
        "auth.yaml:9:13: error: keytab is used only with auth: kerberos or negotiate "
        "(exchange.management.keytab)\n"
        "auth.yaml:10:10: error: spn is used only with auth: kerberos or negotiate "
        "(exchange.management.spn)\n");
  CHECK(auth_errors("    auth: certificate\n"
                    "    username: deploy-admin\n"
                    "    password: ${env:EXCH_ADMIN_PASSWORD}\n"
                    "    certificateFile: certs/admin.pem\n",
                    "") ==
        "auth.yaml:7:11: error: auth certificate needs certificateFile and keyFile; missing: "
        "keyFile (exchange.management.auth)\n"
        "auth.yaml:9:15: error: password is not used with auth: certificate "
        "(exchange.management.password)\n");
  CHECK(auth_errors(std::string(kAdminUpn) + "    keyFile: certs/admin.key\n", "") ==
        "auth.yaml:9:14: error: certificateFile and keyFile are used only with auth: "
        "certificate (exchange.management.keyFile)\n");
}

TEST_CASE("auth: the service account signs in to EWS with its upn, else its identity", "[rules]") {
  CHECK(auth_errors(kAdminUpn, "    auth: basic\n") ==
        "auth.yaml:11:11: error: auth basic needs a password (exchange.serviceAccount.auth)\n");
  // Basic: the identity as it is, as the runtime always sent it.
  CHECK(auth_errors(kAdminUpn,
                    "    auth: basic\n"
                    "    password: ${env:NEXJ_SYNC_PASSWORD}\n") == "");
  CHECK(auth_errors(kAdminUpn,
                    "    auth: ntlm\n"
                    "    password: ${env:NEXJ_SYNC_PASSWORD}\n") ==
        "auth.yaml:10:15: error: auth ntlm needs the account as DOMAIN\\name or name@domain, not "
        "\"nexj-sync\"; set exchange.serviceAccount.upn (exchange.serviceAccount.identity)\n");
  CHECK(auth_errors(kAdminUpn,
                    "    auth: kerberos\n"
                    "    upn: EXAMPLE\\nexj-sync\n") ==
        "auth.yaml:12:10: error: auth kerberos needs a user principal name such as "
        "nexj-sync@EXAMPLE.LOCAL, not \"EXAMPLE\\\\nexj-sync\": Kerberos names accounts name@REALM "
        "(exchange.serviceAccount.upn)\n");
  CHECK(auth_errors(kAdminUpn,
                    "    auth: kerberos\n"
                    "    keytab: secrets/nexj-sync.keytab\n") ==
        "auth.yaml:10:15: error: auth kerberos needs a user principal name such as "
        "nexj-sync@EXAMPLE.LOCAL, not \"nexj-sync\": Kerberos names accounts name@REALM; set "
        "exchange.serviceAccount.upn (exchange.serviceAccount.identity)\n");
  // The password is the sender channels'; the keytab is what syncdeploy signs in with.
  CHECK(auth_errors(kAdminUpn,
                    "    upn: nexj-sync@EXAMPLE.LOCAL\n"
                    "    auth: kerberos\n"
                    "    password: ${env:NEXJ_SYNC_PASSWORD}\n"
                    "    keytab: secrets/nexj-sync.keytab\n") == "");
  // Without password and keytab the credential cache signs in; the identity may be an alias.
  CHECK(auth_errors(kAdminUpn, "    auth: kerberos\n") == "");
  CHECK(auth_errors(kAdminUpn, "    auth: certificate\n") ==
        "auth.yaml:11:11: error: auth certificate is for exchange.management only; EWS takes "
        "negotiate, kerberos, ntlm or basic (exchange.serviceAccount.auth)\n");
}

TEST_CASE("auth: keytab and a server's spn go with the service account's kerberos or negotiate",
          "[rules]") {
  constexpr std::string_view kSpn = "      spn: HTTP/mail.example.local\n";
  CHECK(auth_errors(kAdminUpn, "    upn: nexj-sync@EXAMPLE.LOCAL\n", kSpn) == "");
  CHECK(auth_errors(kAdminUpn,
                    "    upn: EXAMPLE\\nexj-sync\n"
                    "    auth: ntlm\n"
                    "    password: ${env:NEXJ_SYNC_PASSWORD}\n"
                    "    keytab: secrets/nexj-sync.keytab\n",
                    kSpn) ==
        "auth.yaml:14:13: error: keytab is used only with auth: kerberos or negotiate "
        "(exchange.serviceAccount.keytab)\n"
        "auth.yaml:18:12: error: spn is used only with exchange.serviceAccount.auth kerberos or "
        "negotiate (exchange.servers[0].spn)\n");
}

TEST_CASE("auth: SPNs default to HTTP/<host of the URL>", "[reader]") {
  Spec s = read_auth_spec(kAdminUpn, "");
  CHECK(s.exchange.management.spn == "HTTP/exch01.example.local");
  CHECK(s.exchange.management.keytab == "");
  CHECK(s.exchange.servers[0].spn == "HTTP/exch01.example.local");
  s = read_auth_spec(std::string(kAdminUpn) + "    spn: WSMAN/exch01.example.local\n",
                     "    keytab: secrets/nexj-sync.keytab\n",
                     "      ewsUrl: https://mail.example.local:444/EWS/Exchange.asmx\n");
  CHECK(s.exchange.management.spn == "WSMAN/exch01.example.local");
  CHECK(s.exchange.serviceAccount.keytab == "secrets/nexj-sync.keytab");
  CHECK(s.exchange.servers[0].spn == "HTTP/mail.example.local");
}

TEST_CASE("auth: a plan warns of basic authentication", "[rules]") {
  CHECK(spec_warnings(read_auth_spec(kAdminUpn, "")).empty());
  std::vector<SpecWarning> warnings =
      spec_warnings(read_auth_spec("    auth: basic\n", "    auth: basic\n"));
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].subject == "exchange.management.auth is basic");
  CHECK(warnings[0].detail ==
        "the password crosses the network in every request (base64, inside TLS); Exchange "
        "turns Basic off by default: prefer negotiate");
  CHECK(warnings[1].subject == "exchange.serviceAccount.auth is basic");
  CHECK(warnings[1].detail ==
        "the password crosses the network in every EWS request (base64, inside TLS); Exchange "
        "turns Basic off on EWS by default: prefer negotiate");
}
