// The rules on how syncdeploy signs in: to WinRM as exchange.management, to EWS as
// exchange.serviceAccount. What each auth method needs and refuses, the form of the account
// name it can use, and where an SPN may be written. docs/spec-reference.md, "Authentication".
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/text_checks.h"
#include "spec/document.h"
#include "spec/semantic_checker.h"
#include "spec/spec_values.h"

namespace sd {
namespace {

// Kerberos, or SPNEGO that tries Kerberos first: the methods that take a keytab and an SPN,
// and that can sign in without a password, from the credential cache.
bool kerberos_capable(AuthMethod a) {
  return a == AuthMethod::Kerberos || a == AuthMethod::Negotiate;
}

}  // namespace

void RuleChecker::check_account_name(AuthMethod auth, bool keytab, std::string_view name,
                                     const std::string& at, std::string_view example,
                                     std::string_view hint) {
  // Basic sends the name as it is written, and the server decides (as before auth methods).
  if (auth == AuthMethod::Basic || auth == AuthMethod::Certificate) return;
  const AccountForm form = account_form(name);
  if (form == AccountForm::Malformed) {
    fail(fmt::format("invalid account name {}: expected DOMAIN\\name or name@domain{}",
                     quoted(name), hint),
         at);
    return;
  }
  switch (auth) {
    case AuthMethod::Ntlm:
      if (form == AccountForm::Bare)
        fail(fmt::format("auth ntlm needs the account as DOMAIN\\name or name@domain, not {}{}",
                         quoted(name), hint),
             at);
      break;
    case AuthMethod::Kerberos:
      if (form != AccountForm::Upn)
        fail(fmt::format("auth kerberos needs a user principal name such as {}, not {}: Kerberos "
                         "names accounts name@REALM{}",
                         example, quoted(name), hint),
             at);
      break;
    case AuthMethod::Negotiate:
      // A keytab holds Kerberos keys; NTLM, the only way a DOMAIN\name signs in, needs a password.
      if (keytab && form != AccountForm::Upn) {
        fail(fmt::format("a keytab signs in through Kerberos, which needs a user principal name "
                         "such as {}, not {}{}",
                         example, quoted(name), hint),
             at);
      } else if (form == AccountForm::Bare) {
        fail(fmt::format("auth negotiate needs the account as name@REALM (Kerberos, else NTLM) or "
                         "DOMAIN\\name (NTLM), not {}{}",
                         quoted(name), hint),
             at);
      }
      break;
    case AuthMethod::Basic:
    case AuthMethod::Certificate:
      break;  // returned above
  }
}

void RuleChecker::check_management_auth(const Management& m) {
  const std::string auth_at = field(m.at, "auth");
  const char* auth = to_string(m.auth);
  if (m.auth == AuthMethod::Certificate) {
    std::vector<std::string_view> missing;
    if (m.certificateFile.empty()) missing.push_back("certificateFile");
    if (m.keyFile.empty()) missing.push_back("keyFile");
    if (!missing.empty())
      fail(fmt::format("auth certificate needs certificateFile and keyFile; missing: {}",
                       name_list(missing)),
           auth_at);
    if (m.password) fail("password is not used with auth: certificate", field(m.at, "password"));
  } else if (!m.certificateFile.empty() || !m.keyFile.empty()) {
    fail("certificateFile and keyFile are used only with auth: certificate",
         field(m.at, m.certificateFile.empty() ? "keyFile" : "certificateFile"));
  }

  if (m.auth == AuthMethod::Basic || m.auth == AuthMethod::Ntlm) {
    std::vector<std::string_view> missing;
    if (m.username.empty()) missing.push_back("username");
    if (!m.password) missing.push_back("password");
    if (!missing.empty())
      fail(
          fmt::format("auth {} needs username and password; missing: {}", auth, name_list(missing)),
          auth_at);
  }
  if (kerberos_capable(m.auth)) {
    if (m.username.empty() && (m.password || !m.keytab.empty()))
      fail(fmt::format("auth {} with a {} needs username; leave out password and keytab to sign "
                       "in from the credential cache",
                       auth, m.password ? "password" : "keytab"),
           auth_at);
    if (m.password && !m.keytab.empty())
      fail(fmt::format("auth {} takes a password or a keytab, not both; with neither, it signs in "
                       "from the credential cache",
                       auth),
           field(m.at, "keytab"));
  } else {
    if (!m.keytab.empty())
      fail("keytab is used only with auth: kerberos or negotiate", field(m.at, "keytab"));
    if (const std::string spn_at = field(m.at, "spn"); doc_.positions.contains(spn_at))
      fail("spn is used only with auth: kerberos or negotiate", spn_at);
  }
  if (!m.username.empty())
    check_account_name(m.auth, !m.keytab.empty(), m.username, field(m.at, "username"),
                       "deploy-admin@EXAMPLE.LOCAL", "");
}

void RuleChecker::check_service_account_auth(const Exchange& ex) {
  const ServiceAccount& sa = ex.serviceAccount;
  const std::string auth_at = field(sa.at, "auth");
  const char* auth = to_string(sa.auth);
  if (sa.auth == AuthMethod::Certificate) {
    fail(
        "auth certificate is for exchange.management only; EWS takes negotiate, kerberos, ntlm "
        "or basic",
        auth_at);
    return;
  }
  if ((sa.auth == AuthMethod::Basic || sa.auth == AuthMethod::Ntlm) && !sa.password)
    fail(fmt::format("auth {} needs a password", auth), auth_at);
  // Unlike management, a password and a keytab go together here: the password is the sender
  // channels' (and create's), the keytab what syncdeploy itself signs in with.
  if (!kerberos_capable(sa.auth)) {
    if (!sa.keytab.empty())
      fail("keytab is used only with auth: kerberos or negotiate", field(sa.at, "keytab"));
    for (const ExchangeServer& s : ex.servers)
      if (const std::string spn_at = field(s.at, "spn"); doc_.positions.contains(spn_at))
        fail("spn is used only with exchange.serviceAccount.auth kerberos or negotiate", spn_at);
  }
  // The name syncdeploy signs in with: upn, else identity when a password or keytab is given
  // (without either, Kerberos takes the principal of the credential cache).
  constexpr std::string_view kExample = "nexj-sync@EXAMPLE.LOCAL";
  if (!sa.upn.empty()) {
    // A malformed upn is reported by the upn rule (check_exchange).
    if (account_form(sa.upn) != AccountForm::Malformed)
      check_account_name(sa.auth, !sa.keytab.empty(), sa.upn, field(sa.at, "upn"), kExample, "");
  } else if (!sa.identity.empty() && (sa.password || !sa.keytab.empty())) {
    check_account_name(sa.auth, !sa.keytab.empty(), sa.identity, field(sa.at, "identity"), kExample,
                       "; set exchange.serviceAccount.upn");
  }
}

}  // namespace sd
