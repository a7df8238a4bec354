#include "lab/exchange/opath_filter.h"

#include <catch2/catch.hpp>

namespace sd::lab {
namespace {

LabRecipient john() {
  LabRecipient r;
  r.name = "John Smith";
  r.alias = "jsmith";
  r.upn = "jsmith@example.com";
  r.primary_smtp = "jsmith@example.com";
  r.sam_account_name = "jsmith";
  r.distinguished_name = "CN=John Smith,CN=Users,DC=example,DC=local";
  r.database = "DB01";
  r.member_of = {"CN=CRM Users,OU=Groups,DC=example,DC=local"};
  r.attributes = {{"City", "Seattle"}, {"Department", "O'Brien & Co"}};
  return r;
}

bool matches(std::string_view filter, const LabRecipient& r = john()) {
  Result<OpathFilter> parsed = OpathFilter::parse(filter);
  if (!parsed.ok()) FAIL(parsed.errors().front().message);
  return parsed->matches(r);
}

std::string error_of(std::string_view filter) {
  Result<OpathFilter> parsed = OpathFilter::parse(filter);
  REQUIRE_FALSE(parsed.ok());
  return parsed.errors().front().message;
}

std::string syntax(std::string_view filter, int position) {
  return "Invalid filter syntax. For a description of the filter parameter syntax see the "
         "command help. \"" +
         std::string(filter) + "\" at position " + std::to_string(position) + ".";
}

TEST_CASE("OPATH comparisons: -eq -ne -like -notlike, without case", "[opath]") {
  CHECK(matches("Name -eq 'john smith'"));
  CHECK_FALSE(matches("Name -eq 'John'"));
  CHECK(matches("Alias -ne 'mlee'"));
  CHECK_FALSE(matches("Alias -ne 'JSMITH'"));
  CHECK(matches("PrimarySmtpAddress -like '*@EXAMPLE.com'"));
  CHECK(matches("UserPrincipalName -like 'j*h@*'"));
  CHECK_FALSE(matches("UserPrincipalName -like 'j*x@*'"));
  CHECK(matches("SamAccountName -notlike 'm*'"));
  CHECK_FALSE(matches("SamAccountName -notlike 'j*'"));
  CHECK(matches("RecipientTypeDetails -eq 'UserMailbox'"));
  CHECK(matches("DistinguishedName -like '*,CN=Users,DC=example,DC=local'"));
  CHECK(matches("Database -eq 'db01'"));
  CHECK(matches("city -EQ 'seattle'"));  // operators and names without case
  CHECK_FALSE(matches("Company -eq 'Contoso'"));
}

TEST_CASE("OPATH values: both quotes, doubled quotes, $null, $true, numbers", "[opath]") {
  CHECK(matches("Department -eq 'O''Brien & Co'"));
  CHECK(matches("Department -eq \"O'Brien & Co\""));
  CHECK(matches("Name -eq \"John \"\"J\"\" Smith\"", [] {
    LabRecipient r = john();
    r.name = "John \"J\" Smith";
    return r;
  }()));
  CHECK(matches("Company -eq $null"));  // not set
  CHECK_FALSE(matches("City -eq $null"));
  CHECK(matches("City -ne $null"));
  CHECK(matches("CustomAttribute1 -eq $true", [] {
    LabRecipient r = john();
    r.attributes["CustomAttribute1"] = "True";
    return r;
  }()));
  CHECK(matches("CustomAttribute2 -eq 42", [] {
    LabRecipient r = john();
    r.attributes["CustomAttribute2"] = "42";
    return r;
  }()));
  CHECK(matches("CustomAttribute2 -ne $false"));
}

TEST_CASE("OPATH -and binds tighter than -or, -not and parentheses", "[opath]") {
  CHECK(matches("Name -eq 'x' -or City -eq 'Seattle' -and Alias -eq 'jsmith'"));
  CHECK_FALSE(matches("(Name -eq 'x' -or City -eq 'Seattle') -and Alias -eq 'other'"));
  CHECK(matches("Name -eq 'x' -or (City -eq 'Seattle' -and Alias -eq 'jsmith')"));
  CHECK(matches("-not (City -eq 'Paris')"));
  CHECK_FALSE(matches("-not City -eq 'Seattle'"));
  CHECK(matches("-not -not City -eq 'Seattle'"));
  CHECK(matches(""));  // empty: everyone
  CHECK(matches("   "));
}

TEST_CASE("OPATH MemberOfGroup matches a direct membership, without case", "[opath]") {
  CHECK(matches("MemberOfGroup -eq 'cn=crm users,ou=groups,dc=example,dc=local'"));
  CHECK_FALSE(matches("MemberOfGroup -eq 'CN=Other,OU=Groups,DC=example,DC=local'"));
  CHECK(matches("MemberOfGroup -ne 'CN=Other,OU=Groups,DC=example,DC=local'"));
  CHECK_FALSE(matches("MemberOfGroup -ne 'CN=CRM Users,OU=Groups,DC=example,DC=local'"));
  CHECK(matches("MemberOfGroup -like 'CN=CRM*'"));
  CHECK_FALSE(matches("MemberOfGroup -notlike 'CN=CRM*'"));
  LabRecipient loner = john();
  loner.member_of.clear();
  CHECK_FALSE(matches("MemberOfGroup -eq 'CN=CRM Users,OU=Groups,DC=example,DC=local'", loner));
  CHECK(matches("MemberOfGroup -eq $null", loner));
}

TEST_CASE("OPATH errors name the position, nothing matches everything by mistake", "[opath]") {
  CHECK(error_of("Name -eq") == syntax("Name -eq", 9));
  CHECK(error_of("Name -eq 'x") == syntax("Name -eq 'x", 10));
  CHECK(error_of("Name -gt 'x'") == syntax("Name -gt 'x'", 6));
  CHECK(error_of("Name 'x'") == syntax("Name 'x'", 6));
  CHECK(error_of("Name -eq bare") == syntax("Name -eq bare", 10));
  CHECK(error_of("Name -eq 'x' Alias") == syntax("Name -eq 'x' Alias", 14));
  CHECK(error_of("(Name -eq 'x'") == syntax("(Name -eq 'x'", 14));
  CHECK(error_of("Name -eq 'x' -and") == syntax("Name -eq 'x' -and", 18));
  CHECK(error_of("Name -eq $env") == syntax("Name -eq $env", 10));
  CHECK(error_of("Name -eq 'x' ; Alias -eq 'y'") == syntax("Name -eq 'x' ; Alias -eq 'y'", 14));
  CHECK(error_of("Nmae -eq 'x'") ==
        "'Nmae' is not a recognized filterable property. For more information about filterable "
        "properties, see the command help. \"Nmae -eq 'x'\" at position 1.");
  std::string deep(200, '(');
  CHECK(error_of(deep + "Name -eq 'x'").starts_with("Invalid filter syntax."));
}

TEST_CASE("like_match: * only, without case", "[opath]") {
  CHECK(like_match("abc", "*"));
  CHECK(like_match("", "*"));
  CHECK(like_match("ABC", "a*c"));
  CHECK(like_match("aXbXc", "a*b*c"));
  CHECK_FALSE(like_match("abc", "a?c"));
  CHECK_FALSE(like_match("abcd", "a*c"));
  CHECK(like_match("a?c", "a?c"));
}

}  // namespace
}  // namespace sd::lab
