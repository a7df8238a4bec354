#include "exchange/powershell.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

namespace sd::ps {

namespace {

// --- An independent model of PowerShell's tokenizer for single-quoted strings -------------
// (System.Management.Automation.Language.Tokenizer.ScanStringLiteral): a string opens at any of
// ' U+2018 U+2019 U+201A U+201B, and ends at the first of them that is not followed by another
// of them; a pair stands for its second character. Nothing else is special.

std::u32string decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out += cp;
    i += len;
  }
  return out;
}

bool is_ps_quote(char32_t c) {
  return c == U'\'' || (c >= 0x2018 && c <= 0x201B);
}

struct Token {
  std::u32string value;
  size_t end;  // index after the closing quote
};

std::optional<Token> scan_ps_string(const std::u32string& line, size_t pos) {
  if (pos >= line.size() || !is_ps_quote(line[pos])) return std::nullopt;
  Token t{{}, 0};
  for (size_t i = pos + 1; i < line.size();) {
    char32_t c = line[i];
    if (is_ps_quote(c)) {
      if (i + 1 < line.size() && is_ps_quote(line[i + 1])) {
        t.value += line[i + 1];
        i += 2;
        continue;
      }
      t.end = i + 1;
      return t;
    }
    if (c == U'\n' || c == U'\r') return std::nullopt;  // the line ends: unterminated here
    t.value += c;
    ++i;
  }
  return std::nullopt;  // missing terminator
}

// OPATH strings: ' only, '' for one.
std::optional<Token> scan_opath_string(const std::u32string& text, size_t pos) {
  if (pos >= text.size() || text[pos] != U'\'') return std::nullopt;
  Token t{{}, 0};
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (text[i] == U'\'') {
      if (i + 1 < text.size() && text[i + 1] == U'\'') {
        t.value += U'\'';
        ++i;
        continue;
      }
      t.end = i + 1;
      return t;
    }
    t.value += text[i];
  }
  return std::nullopt;
}

const std::vector<std::string> kHostile = {
    "O'Brien",
    "a\xE2\x80\x98"
    "b",  // U+2018
    "a\xE2\x80\x99"
    "b",  // U+2019
    "a\xE2\x80\x9A"
    "b",  // U+201A
    "a\xE2\x80\x9B"
    "b",  // U+201B
    "'",
    "''",
    "\xE2\x80\x99\xE2\x80\x99\xE2\x80\x99",  // three U+2019
    "'\xE2\x80\x98",                         // ' then U+2018
    "x' ; Remove-Mailbox -Identity 'boss",
    "x'; Remove-Mailbox -Identity boss -Confirm:$false; '",
    "$(Remove-Mailbox -Identity boss)",
    "`$x`n`'",
    "x' -or Name -like '*",
    "\"double\" and \xE2\x80\x9C curly \xE2\x80\x9D",
    "@{n='x';e={1}}",
    "tab\there",
    "caf\xC3\xA9 \xF0\x9F\x98\x80",
    "ends with quote'",
    "",
};

}  // namespace

TEST_CASE("every kind of value renders exactly", "[powershell]") {
  Cmdlet c{"Test-Thing",
           {arg("S", "text"), Argument{"I", Integer{42}}, Argument{"N", Null{}},
            Argument{"B", Bool{true}}, Argument{"F", Bool{false}}, Argument{"Sw", Switch{}},
            Argument{"Confirm", Switch{false}}, Argument{"P", SecretLiteral{"pw"}},
            Argument{"Q", SecretPrompt{"Password for x"}},
            Argument{"D", PipelineProperty{"DistinguishedName"}}}};
  Result<std::string> line = render_cmdlet(c);
  REQUIRE(line.ok());
  CHECK(*line ==
        "Test-Thing -S 'text' -I 42 -N $null -B $true -F $false -Sw -Confirm:$false "
        "-P (ConvertTo-SecureString -String 'pw' -AsPlainText -Force) "
        "-Q (Read-Host -AsSecureString -Prompt 'Password for x') -D $_.DistinguishedName");
  CHECK(render_cmdlet({"Get-ManagementScope", {}}).value() == "Get-ManagementScope");
}

TEST_CASE("quotes are doubled, all five kinds, and nothing else changes", "[powershell]") {
  CHECK(quote_string("O'Brien").value() == "'O''Brien'");
  CHECK(quote_string("a\xE2\x80\x99"
                     "b")
            .value() ==
        "'a\xE2\x80\x99\xE2\x80\x99"
        "b'");
  CHECK(quote_string("$(x) `n \"y\" ;").value() == "'$(x) `n \"y\" ;'");
  CHECK(quote_string("").value() == "''");
  CHECK(quote_opath_value("O'Brien").value() == "'O''Brien'");
  CHECK(opath_equals("UserPrincipalName", "a'b@x").value() == "UserPrincipalName -eq 'a''b@x'");
}

TEST_CASE("queries and loops render in the subset's forms", "[powershell]") {
  Query q;
  q.source = {"Get-ExchangeServer", {}};
  q.for_each = Cmdlet{
      "Get-ADPermission",
      {Argument{"Identity", PipelineProperty{"DistinguishedName"}}, arg("User", "nexj-sync")}};
  q.where = {{"Deny", "False"}, {"IsInherited", "False"}};
  q.properties = {"Identity", "User"};
  CHECK(render_query(q).value() ==
        "ConvertTo-Json -Compress -InputObject @(Get-ExchangeServer | ForEach-Object { "
        "Get-ADPermission -Identity $_.DistinguishedName -User 'nexj-sync' } | Where-Object { "
        "$_.Deny -eq 'False' -and $_.IsInherited -eq 'False' } | Select-Object "
        "@{n='Identity';e={[string]$_.Identity}}, @{n='User';e={[string]$_.User}})");
  Query plain;
  plain.source = {"Get-ManagementScope", {}};
  plain.properties = {"Name"};
  CHECK(render_query(plain).value() ==
        "ConvertTo-Json -Compress -InputObject @(Get-ManagementScope | Select-Object "
        "@{n='Name';e={[string]$_.Name}})");
  CHECK(
      render_for_each({"Get-MailboxDatabase", {}},
                      {"Add-ADPermission",
                       {Argument{"Identity", PipelineProperty{"DistinguishedName"}},
                        arg("User", "svc"), arg("ExtendedRights", "ms-Exch-EPI-May-Impersonate")}})
          .value() ==
      "Get-MailboxDatabase | ForEach-Object { Add-ADPermission -Identity $_.DistinguishedName "
      "-User 'svc' -ExtendedRights 'ms-Exch-EPI-May-Impersonate' }");
}

TEST_CASE("the header loads the version's snap-in", "[powershell]") {
  CHECK(script_header(ExchangeVersion::Exchange2010) ==
        "$ErrorActionPreference = 'Stop'\n"
        "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n");
  for (ExchangeVersion v : {ExchangeVersion::Exchange2013, ExchangeVersion::Exchange2016,
                            ExchangeVersion::Exchange2019, ExchangeVersion::ExchangeSE})
    CHECK(script_header(v) ==
          "$ErrorActionPreference = 'Stop'\n"
          "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n");
}

TEST_CASE("a hostile value is one string token equal to itself", "[powershell]") {
  for (const std::string& value : kHostile) {
    INFO("value: " << value);
    Result<std::string> line =
        render_cmdlet({"New-ManagementScope", {arg("Name", value), arg("RecipientRoot", "r")}});
    REQUIRE(line.ok());
    const std::u32string text = decode(*line);
    const std::u32string prefix = U"New-ManagementScope -Name ";
    REQUIRE(text.compare(0, prefix.size(), prefix) == 0);
    std::optional<Token> token = scan_ps_string(text, prefix.size());
    REQUIRE(token);
    CHECK(token->value == decode(value));
    // The token ends where the next argument starts: nothing of the value spilled out.
    CHECK(text.substr(token->end) == U" -RecipientRoot 'r'");

    // A secret: the same, inside ConvertTo-SecureString.
    Result<std::string> secret =
        render_cmdlet({"New-Mailbox", {Argument{"Password", SecretLiteral{value}}}});
    REQUIRE(secret.ok());
    const std::u32string s = decode(*secret);
    const std::u32string open = U"New-Mailbox -Password (ConvertTo-SecureString -String ";
    REQUIRE(s.compare(0, open.size(), open) == 0);
    std::optional<Token> st = scan_ps_string(s, open.size());
    REQUIRE(st);
    CHECK(st->value == decode(value));
    CHECK(s.substr(st->end) == U" -AsPlainText -Force)");
  }
}

TEST_CASE("a hostile OPATH value stays one value inside one PowerShell string", "[powershell]") {
  for (const std::string& value : kHostile) {
    INFO("value: " << value);
    Result<std::string> filter = opath_equals("UserPrincipalName", value);
    const std::u32string code_points = decode(value);
    bool typographic = false;
    for (char32_t c : code_points) typographic = typographic || (c >= 0x2018 && c <= 0x201B);
    if (typographic) {
      // Typographic single quotes are refused in filter values (see quote_opath_value).
      REQUIRE_FALSE(filter.ok());
      CHECK(filter.errors()[0].message ==
            "cannot write the UserPrincipalName filter value: it holds a typographic quote "
            "(U+2018..U+201B), which Exchange's filter parser may take for the end of the value");
      continue;
    }
    REQUIRE(filter.ok());
    Result<std::string> line =
        render_cmdlet({"Get-Mailbox", {arg("Filter", *filter), arg("ResultSize", "Unlimited")}});
    REQUIRE(line.ok());
    const std::u32string text = decode(*line);
    const std::u32string prefix = U"Get-Mailbox -Filter ";
    std::optional<Token> ps_token = scan_ps_string(text, prefix.size());
    REQUIRE(ps_token);
    CHECK(text.substr(ps_token->end) == U" -ResultSize 'Unlimited'");
    // The PowerShell string is the OPATH text; its value is one OPATH string to the end.
    const std::u32string opath = ps_token->value;
    const std::u32string head = U"UserPrincipalName -eq ";
    REQUIRE(opath.compare(0, head.size(), head) == 0);
    std::optional<Token> value_token = scan_opath_string(opath, head.size());
    REQUIRE(value_token);
    CHECK(value_token->value == decode(value));
    CHECK(value_token->end == opath.size());
  }
}

TEST_CASE("control characters and broken UTF-8 are refused, never rendered", "[powershell]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a\nb", "it holds a line break (U+000A) at byte 2"},
      {"a\rb", "it holds a line break (U+000D) at byte 2"},
      {std::string("a\0b", 3), "it holds a control character (U+0000) at byte 2"},
      {"\x1b[31mred", "it holds a control character (U+001B) at byte 1"},
      {"del\x7f", "it holds a control character (U+007F) at byte 4"},
      {"nel\xC2\x85", "it holds a line break (U+0085) at byte 4"},
      {"csi\xC2\x9B", "it holds a control character (U+009B) at byte 4"},
      {"ls\xE2\x80\xA8", "it holds a line break (U+2028) at byte 3"},
      {"ps\xE2\x80\xA9", "it holds a line break (U+2029) at byte 3"},
  };
  for (const auto& [value, why] : cases) {
    INFO("value: " << value);
    Result<std::string> q = quote_string(value);
    REQUIRE_FALSE(q.ok());
    CHECK(q.errors()[0].message == why + ", which a one-line PowerShell string cannot carry");
    CHECK_FALSE(quote_opath_value(value).ok());
    CHECK(string_problem(value) == q.errors()[0].message);
  }
  Result<std::string> bad = quote_string("ok\xFF");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors()[0].message == "it is not valid UTF-8 (byte 3 of 3)");
  CHECK(quote_string("a\tb").value() == "'a\tb'");
  CHECK(string_problem("fine") == "");

  Result<std::string> line =
      render_cmdlet({"New-ManagementScope", {arg("Name", "x\ny"), arg("RecipientRoot", "r")}});
  REQUIRE_FALSE(line.ok());
  CHECK(line.errors()[0].message ==
        "cannot write -Name of New-ManagementScope in PowerShell: it holds a line break (U+000A) "
        "at byte 2, which a one-line PowerShell string cannot carry");
}

TEST_CASE("a refused secret is named, its value never shown", "[powershell]") {
  Result<std::string> line =
      render_cmdlet({"New-Mailbox", {Argument{"Password", SecretLiteral{"hunter2\nsecret"}}}});
  REQUIRE_FALSE(line.ok());
  const std::string& message = line.errors()[0].message;
  CHECK(message ==
        "cannot write -Password of New-Mailbox in PowerShell: the secret's value: it holds a line "
        "break (U+000A) at byte 8, which a one-line PowerShell string cannot carry");
  CHECK(message.find("hunter2") == std::string::npos);
}

TEST_CASE("names outside [A-Za-z-] are refused", "[powershell]") {
  CHECK(is_identifier("Get-Mailbox"));
  CHECK_FALSE(is_identifier(""));
  CHECK_FALSE(is_identifier("Get-Mailbox;"));
  CHECK_FALSE(is_identifier("a b"));
  CHECK(render_cmdlet({"Get-Mailbox; Remove-Mailbox", {}}).errors()[0].message ==
        "internal error: cmdlet \"Get-Mailbox; Remove-Mailbox\" is not a PowerShell identifier");
  CHECK(render_cmdlet({"Get-Mailbox", {arg("Filter 'x'", "y")}}).errors()[0].message ==
        "internal error: parameter \"Filter 'x'\" is not a PowerShell identifier");
  CHECK(render_cmdlet({"Get-Mailbox", {Argument{"I", PipelineProperty{"Name)"}}}})
            .errors()[0]
            .message ==
        "cannot write -I of Get-Mailbox in PowerShell: internal error: property \"Name)\" is not "
        "a PowerShell identifier");
  Query q;
  q.source = {"Get-ManagementScope", {}};
  q.properties = {"Name}"};
  CHECK_FALSE(render_query(q).ok());
}

}  // namespace sd::ps
