#include "spec/users_csv.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "spec/email_address.h"

using namespace sd;

namespace {

Users defaults() {
  Users users;
  users.defaultTarget = "EXCH01";
  users.defaultFolders = kAllFolders;
  return users;
}

struct Parsed {
  std::vector<User> users;
  std::string errors;
};

Parsed parse(std::string_view text, const Users& users = defaults()) {
  Parsed p;
  p.errors = format_all(parse_users_csv("users.csv", text, 1, users, p.users));
  return p;
}

constexpr FolderSet kCalendar = static_cast<FolderSet>(Folder::Calendar);
constexpr FolderSet kTasks = static_cast<FolderSet>(Folder::Tasks);

}  // namespace

TEST_CASE("csv: rows become users, with defaults for missing target and folders", "[csv]") {
  Parsed p = parse(
      "login,email,target,folders\n"
      "jsmith,jsmith@acme.com,,\n"
      "mlee,mlee@acme.com,EXCH02,calendar;tasks\n");
  REQUIRE(p.errors.empty());
  REQUIRE(p.users.size() == 2);
  CHECK(p.users[0].login == "jsmith");
  CHECK(p.users[0].email == "jsmith@acme.com");
  CHECK(p.users[0].target == "EXCH01");
  CHECK(p.users[0].folders == kAllFolders);
  CHECK(p.users[0].origin.source == 1);
  CHECK(p.users[0].origin.line == 2);
  CHECK(p.users[1].target == "EXCH02");
  CHECK(p.users[1].folders == (kCalendar | kTasks));
  CHECK(p.users[1].origin.line == 3);
  CHECK(p.users[1].at.empty());
}

TEST_CASE("csv: columns in any order, target and folders are optional columns", "[csv]") {
  Users users = defaults();
  users.defaultFolders = kCalendar;
  Parsed p = parse(" Email , LOGIN\nx@acme.com,x\n", users);
  REQUIRE(p.errors.empty());
  REQUIRE(p.users.size() == 1);
  CHECK(p.users[0].login == "x");
  CHECK(p.users[0].email == "x@acme.com");
  CHECK(p.users[0].target == "EXCH01");
  CHECK(p.users[0].folders == kCalendar);
}

TEST_CASE("csv: RFC 4180 quoting, escaped quotes, quoted commas and line breaks", "[csv]") {
  Parsed p = parse(
      "login,email,folders\n"
      "\"o\"\"neil\",\"oneil@acme.com\",\"calendar; tasks\"\n"
      "\"a,b\",ab@acme.com,\n"
      "\"two\nlines\",t@acme.com,\n"
      "after,x@,\n");
  CHECK(p.errors ==
        "users.csv:4:1: error: login \"two\\nlines\" has a control character (column login)\n"
        "users.csv:6:7: error: invalid email address \"x@\": nothing after '@' (column email)\n");
  REQUIRE(p.users.size() == 2);
  CHECK(p.users[0].login == "o\"neil");
  CHECK(p.users[0].folders == (kCalendar | kTasks));
  CHECK(p.users[1].login == "a,b");
}

TEST_CASE("csv: CRLF line endings, a byte order mark and trailing blank lines", "[csv]") {
  Parsed p = parse("\xEF\xBB\xBFlogin,email\r\njsmith,jsmith@acme.com\r\nbad,@acme.com\r\n\r\n");
  CHECK(p.errors ==
        "users.csv:3:5: error: invalid email address \"@acme.com\": nothing before '@' "
        "(column email)\n");
  REQUIRE(p.users.size() == 1);
  CHECK(p.users[0].login == "jsmith");
  CHECK(p.users[0].email == "jsmith@acme.com");

  Parsed no_final_newline = parse("login,email\r\na,a@acme.com");
  CHECK(no_final_newline.errors.empty());
  REQUIRE(no_final_newline.users.size() == 1);
  CHECK(no_final_newline.users[0].email == "a@acme.com");
}

TEST_CASE("csv: blank lines are skipped and keep line numbers right", "[csv]") {
  Parsed p = parse("login,email\n\na,a@acme.com\n\n\nb,b@\n\n");
  CHECK(p.errors ==
        "users.csv:6:3: error: invalid email address \"b@\": nothing after '@' (column email)\n");
  REQUIRE(p.users.size() == 1);
  CHECK(p.users[0].origin.line == 3);
}

TEST_CASE("csv: the header must name login and email, and only known columns", "[csv]") {
  CHECK(parse("").errors ==
        "users.csv:1:1: error: no header row; the first line must name the columns: login, "
        "email[, target][, folders]\n");
  CHECK(parse("login,target\na,EXCH01\n").errors ==
        "users.csv:1:1: error: missing required column email; the header names: login, target "
        "(header)\n");
  CHECK(parse("login,email,mailbox\n").errors ==
        "users.csv:1:13: error: unknown column \"mailbox\"; expected login, email, target or "
        "folders (header)\n");
  CHECK(parse("login,email,Login\n").errors ==
        "users.csv:1:13: error: column login is named twice (first at column 1) (header)\n");
  CHECK(parse("login,email,\n").errors ==
        "users.csv:1:13: error: header cell 3 is empty; every column needs a name (header)\n");
}

TEST_CASE("csv: every row needs as many cells as the header names", "[csv]") {
  Parsed p = parse("login,email,target\na,a@acme.com\nb,b@acme.com,EXCH01,extra\n");
  CHECK(p.errors ==
        "users.csv:2:13: error: row has 2 cells; the header names 3 columns\n"
        "users.csv:3:21: error: row has 4 cells; the header names 3 columns (a comma inside a "
        "value needs the cell quoted)\n");
  CHECK(p.users.empty());
}

TEST_CASE("csv: logins must be non-empty, without control characters or edge spaces", "[csv]") {
  Parsed p = parse("login,email\n,a@acme.com\n\"b\tc\",b@acme.com\n d,d@acme.com\n");
  CHECK(p.errors ==
        "users.csv:2:1: error: login is empty (column login)\n"
        "users.csv:3:1: error: login \"b\\tc\" has a control character (column login)\n"
        "users.csv:4:1: error: login \" d\" has leading or trailing spaces (column login)\n");
  CHECK(p.users.empty());
}

TEST_CASE("csv: logins with a C1 control character or a '/' are refused", "[csv]") {
  // U+0085 (NEL) is a line break to some terminals; '/' would make folder-link addresses
  // (nexj.folder_link/<login>/<folder>) ambiguous.
  Parsed p = parse(
      "login,email\na\xC2\x85"
      "b,a@acme.com\nsales/jsmith,j@acme.com\n");
  CHECK(p.errors ==
        "users.csv:2:2: error: U+0085 (a next-line control) is not allowed in a user list: it "
        "changes how the text reads (column login)\n"
        "users.csv:3:1: error: login \"sales/jsmith\" contains '/'; logins cannot contain '/' "
        "because folder links are addressed nexj.folder_link/<login>/<folder> (column login)\n");
  CHECK(p.users.empty());
}

TEST_CASE("csv: email addresses are checked, with the reason", "[csv]") {
  Parsed p = parse(
      "login,email\n"
      "a,plainaddress\n"
      "b,a@b@acme.com\n"
      "c,john..doe@acme.com\n"
      "d,jd@acme\n"
      "e,jd@-acme.com\n"
      "f,\"j d@acme.com\"\n"
      "g,jd@10.0.0.1\n"
      "h,Jürgen@acme.com\n");
  CHECK(p.errors ==
        "users.csv:2:3: error: invalid email address \"plainaddress\": no '@' (column email)\n"
        "users.csv:3:3: error: invalid email address \"a@b@acme.com\": more than one '@' "
        "(column email)\n"
        "users.csv:4:3: error: invalid email address \"john..doe@acme.com\": the part before "
        "'@' has '..' (column email)\n"
        "users.csv:5:3: error: invalid email address \"jd@acme\": the domain has no '.' "
        "(column email)\n"
        "users.csv:6:3: error: invalid email address \"jd@-acme.com\": a domain label starts or "
        "ends with '-' (column email)\n"
        "users.csv:7:3: error: invalid email address \"j d@acme.com\": spaces are not allowed "
        "(column email)\n"
        "users.csv:8:3: error: invalid email address \"jd@10.0.0.1\": the domain ends in a "
        "number, not a name (column email)\n"
        "users.csv:9:3: error: invalid email address \"Jürgen@acme.com\": non-ASCII characters "
        "are not supported (column email)\n");
}

TEST_CASE("csv: email syntax accepts what Exchange accepts", "[csv]") {
  for (std::string_view good : {"jsmith@acme.com", "first.last+tag@sub.acme.co.uk",
                                "o'neil@acme.com", "x_y-z@a-b.example", "A@B.CD"})
    CHECK(is_valid_email_address(good));
  CHECK(email_address_problem("") == "the address is empty");
  CHECK(email_address_problem(".a@acme.com") == "the part before '@' starts or ends with '.'");
  CHECK(email_address_problem("a@acme..com") ==
        "the domain has an empty label (a leading, trailing or double '.')");
  CHECK(email_address_problem(std::string(65, 'a') + "@acme.com") ==
        "the part before '@' is longer than 64 characters");
  CHECK(email_address_problem("a@" + std::string(64, 'b') + ".com") ==
        "a domain label is longer than 63 characters");
  CHECK(email_address_problem("a@[10.0.0.1]") == "the domain has a character that is not allowed");
}

TEST_CASE("csv: folders are known names separated by ',', none twice", "[csv]") {
  Parsed p = parse(
      "login,folders,email\n"
      "a,calendar;calendar,a@acme.com\n"
      "b,calendar;notes,b@acme.com\n"
      "c,calendar;;tasks,c@acme.com\n"
      "d,Calendar,d@acme.com\n"
      "e, ,e@acme.com\n");
  CHECK(p.errors ==
        "users.csv:2:3: error: folder \"calendar\" is listed twice (column folders)\n"
        "users.csv:3:3: error: unknown folder \"notes\"; expected calendar, tasks or contacts, "
        "separated by ';' (column folders)\n"
        "users.csv:4:3: error: empty folder name in \"calendar;;tasks\"; separate folders with "
        "one ';' (column folders)\n"
        "users.csv:5:3: error: unknown folder \"Calendar\"; expected calendar, tasks or "
        "contacts, separated by ';' (column folders)\n");
  REQUIRE(p.users.size() == 1);
  CHECK(p.users[0].folders == kAllFolders);
}

TEST_CASE("csv: quoting mistakes are reported where they are", "[csv]") {
  CHECK(parse("login,email\nab\"c,a@acme.com\n").errors ==
        "users.csv:2:3: error: a '\"' inside an unquoted cell; quote the whole cell and write "
        "the quote as \"\"\n");
  CHECK(parse("login,email\n\"ab\"c,a@acme.com\nd,d@\n").errors ==
        "users.csv:2:5: error: unexpected text after a closing '\"'; a quote inside a quoted "
        "cell is written \"\"\n"
        "users.csv:3:3: error: invalid email address \"d@\": nothing after '@' (column email)\n");
  CHECK(parse("login,email\na,a@acme.com\nb,\"b@acme.com\n").errors ==
        "users.csv:3:3: error: unterminated quoted cell: no closing '\"' before the end of the "
        "file\n");
}

TEST_CASE("csv: invalid UTF-8 names its line and column in characters", "[csv]") {
  Parsed p = parse("login,email\nzoë,z\xFF@acme.com\nok,ok@acme.com\n");
  CHECK(p.errors ==
        "users.csv:2:6: error: invalid UTF-8 (byte 0xFF); user lists must be UTF-8 text "
        "(column email)\n");
  REQUIRE(p.users.size() == 1);
  CHECK(p.users[0].login == "ok");
}

TEST_CASE("csv: a line separator, a next-line control or a bidi override is refused where it is",
          "[csv]") {
  Parsed p = parse(
      "login,email\nzo\xE2\x80\xA8"
      "e,z@acme.com\nb,b@acme.com\xC2\x85\n"
      "c\xE2\x80\xAE,c@acme.com\nok,ok@acme.com\n");
  CHECK(p.errors ==
        "users.csv:2:3: error: U+2028 (a line separator) is not allowed in a user list: it changes "
        "how the text reads (column login)\n"
        "users.csv:3:13: error: U+0085 (a next-line control) is not allowed in a user list: it "
        "changes how the text reads (column email)\n"
        "users.csv:4:2: error: U+202E (a bidirectional text control) is not allowed in a user "
        "list: it changes how the text reads (column login)\n");
  REQUIRE(p.users.size() == 1);
  CHECK(p.users[0].login == "ok");
}

TEST_CASE("csv: 100,000 rows parse in milliseconds", "[.bench]") {
  std::string text = "login,email,target,folders\n";
  for (int i = 0; i < 100000; ++i)
    text += fmt::format("user{:06},first.last{:06}@example-corp.com,EXCH01,calendar;tasks\n", i, i);
  Users users = defaults();
  std::vector<User> out;
  auto start = std::chrono::steady_clock::now();
  std::vector<Error> errors = parse_users_csv("users.csv", text, 1, users, out);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  CHECK(errors.empty());
  CHECK(out.size() == 100000);
  WARN(fmt::format("parse_users_csv: 100000 rows, {} bytes in {:.1f} ms", text.size(), ms.count()));
}
