// The environment file as a live system: observe -> make_plan -> apply -> observe converges,
// and every byte the spec does not manage survives.
#include "runtime/nexj/environment_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "base/disk_files.h"
#include "plan/desired_state.h"
#include "spec/document.h"
#include "spec/load_spec.h"
#include "tests/base/temp_dir_support.h"
#include "tests/runtime/environment_file_support.h"

using namespace sd;
using namespace sd::testing;

namespace {

using sd::test::TempDir;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_bytes(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

SecretValue secret(const std::string& ref, std::string_view value) {
  return SecretValue{ref, secret_fingerprint(value, kDeployment)};
}

std::string kinds(const Plan& plan) {
  std::string out;
  for (const Action& a : plan.actions)
    out += a.address() + "=" + std::string(to_string(a.kind)) + ";";
  return out;
}

// observe -> plan -> apply every change; every action must succeed.
void apply_all(EnvironmentFile& env, const DesiredState& desired, const SecretValues& secrets) {
  Plan plan = observe_and_plan(env, desired);
  std::vector<uint32_t> todo = changes_of(plan);
  for (const ActionResult& r : env.apply(plan, todo, secrets)) CHECK(r.error == "");
}

// A second observation finds nothing left to do.
void check_converged(const std::string& path, const DesiredState& desired) {
  EnvironmentFile again(path);
  Plan plan = observe_and_plan(again, desired);
  for (const Action& a : plan.actions) CHECK(a.kind == ActionKind::NoOp);
}

}  // namespace

TEST_CASE("the quickstart's channels are created in a missing file and then converge",
          "[environment_file]") {
  TempDir dir;
  auto loaded = load_spec("examples/quickstart.yaml", DiskFiles());
  REQUIRE(loaded.ok());
  struct Source : SecretSource {
    Result<std::string> read(const SecretRef& ref) const override { return "pw-" + ref.name; }
  };
  SecretValues secrets;
  auto fingerprints = resolve_secrets(loaded->spec, *loaded->doc, Source{}, &secrets);
  REQUIRE(fingerprints.ok());
  DesiredState desired = build_desired_state(loaded->spec, *fingerprints);
  std::string path = dir.path + "/quickstart.environment";
  EnvironmentFile env(path);
  CHECK(env.describe() == "environment file " + path);
  CHECK(env.manages(types::kMailChannel));
  CHECK(env.manages(types::kHttpChannel));
  CHECK_FALSE(env.manages(types::kTarget));

  Plan plan = observe_and_plan(env, desired);
  std::vector<uint32_t> todo;
  for (size_t i = 0; i < plan.actions.size(); ++i)
    if (env.manages(*plan.actions[i].type)) {
      CHECK(plan.actions[i].kind == ActionKind::Create);
      todo.push_back(static_cast<uint32_t>(i));
    }
  REQUIRE(todo.size() == 3);
  for (const ActionResult& r : env.apply(plan, todo, secrets)) CHECK(r.error == "");
  CHECK(
      read_bytes(path) ==
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Environment>\n"
      "   <ChannelConnections>\n"
      "      <HTTPConnection channel=\"ExchangeEWSNotificationReceiver\" "
      "authentication=\"none\" secure=\"true\"/>\n"
      "      <HTTPConnection channel=\"ExchangeEWSSender1\" "
      "url=\"https://exch01.example.local/EWS/Exchange.asmx\" authentication=\"basic\" "
      "user=\"nexj-sync@example.local\" password=\"pw-NEXJ_SYNC_PASSWORD\" secure=\"true\"/>\n"
      "      <MailConnection channel=\"Mail\" user=\"crm-mail\" password=\"pw-CRM_MAIL_PASSWORD\" "
      "from=\"crm@example.com\" outHost=\"smtp.example.local\" outPort=\"587\" "
      "outEncryption=\"TLS\" outAuthentication=\"basic\"/>\n"
      "   </ChannelConnections>\n"
      "</Environment>\n");
  CHECK(mode_of(path) == 0600);
  CHECK_FALSE(std::filesystem::exists(path + ".bak"));

  // The same creates again, by a process that did not observe (a rerun after a crash): their
  // effect is there, so they succeed and nothing is written.
  std::string created = read_bytes(path);
  for (const ActionResult& r : EnvironmentFile(path).apply(plan, todo, secrets)) CHECK(r.ok);
  CHECK(read_bytes(path) == created);
  CHECK_FALSE(std::filesystem::exists(path + ".bak"));

  EnvironmentFile again(path);
  Plan second = observe_and_plan(again, desired);
  for (const Action& a : second.actions)
    if (again.manages(*a.type)) CHECK(a.kind == ActionKind::NoOp);
  for (const ObservedResource& o : second.observed.resources)
    for (const Value& v : o.values)
      if (const auto* s = std::get_if<SecretValue>(&v)) CHECK(s->reference.empty());
}

TEST_CASE("an update changes one value and keeps every other byte", "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/prod.environment";
  std::string before =
      "\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8'?>\r\n"
      "<!-- production; edited by hand -->\r\n"
      "<Environment  httpURL=\"http://localhost:6080/nexj\"\ttype='Generic' >\r\n"
      "\t<DataSourceConnections>\r\n"
      "\t\t<RelationalDatabaseConnection dataSource=\"DefaultRelationalDatabase\" "
      "password=\"db&amp;pw\"/>\r\n"
      "\t</DataSourceConnections>\r\n"
      "\t<ChannelConnections>\r\n"
      "\t\t<MessageQueueConnection channel=\"ErrorQueue\" user=\"mq\" password=\"mqpass\"/>\r\n"
      "\t\t<!-- the mail server moved in May -->\r\n"
      "\t\t<MailConnection description='a/>b \"x\"'  channel = 'Mail'\r\n"
      "\t\t\toutHost='old.example.local' outPort=\"25\" >\r\n"
      "\t\t\t<Properties><Property name=\"mail.debug\">true</Property></Properties>\r\n"
      "\t\t</MailConnection>\r\n"
      "\t</ChannelConnections>\r\n"
      "</Environment>\r\n";
  write_bytes(path, before);
  ::chmod(path.c_str(), 0640);
  std::vector<std::string> reached;
  EnvironmentFile env(path, Checkpoints{[&](std::string_view w) { reached.emplace_back(w); }});
  DesiredState desired = desired_of({channel(types::kMailChannel, "Mail",
                                             {{"outHost", std::string("smtp.example.local")},
                                              {"outPort", int64_t{25}},
                                              {"description", std::string("a/>b \"x\"")},
                                              {"from", std::string("crm@example.com")}}),
                                     channel(types::kHttpChannel, "R", {{"secure", true}})});
  Plan plan = observe_and_plan(env, desired);
  REQUIRE(kinds(plan) == "nexj.http_channel/R=create;nexj.mail_channel/Mail=update;");
  std::vector<ActionResult> results = env.apply(plan, changes_of(plan), {});
  REQUIRE(results.size() == 2);
  CHECK(results[0].ok);
  CHECK(results[1].ok);
  std::string after = before;
  after.replace(after.find("old.example.local"), 17, "smtp.example.local");
  after.replace(after.find("outPort=\"25\"") + 12, 0, " from=\"crm@example.com\"");
  after.replace(after.find("\t</ChannelConnections>"), 0,
                "\t\t<HTTPConnection channel=\"R\" secure=\"true\"/>\r\n");
  CHECK(read_bytes(path) == after);
  CHECK(read_bytes(path + ".bak") == before);
  CHECK(mode_of(path) == 0640);
  CHECK(mode_of(path + ".bak") == 0600);  // a copy of the passwords: owner only
  CHECK(reached ==
        std::vector<std::string>{"environment file: backup written", "environment file: written"});
  check_converged(path, desired);
}

TEST_CASE("an apply with nothing to change does not touch the file", "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  write_bytes(path,
              "<Environment><ChannelConnections>"
              "<HTTPConnection channel=\"R\" authentication=\"none\" secure=\"false\"/>"
              "</ChannelConnections></Environment>");
  struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), old, 0) == 0);
  DesiredState desired = desired_of({channel(types::kHttpChannel, "R", {{"secure", true}})});
  EnvironmentFile env(path);
  Plan plan = observe_and_plan(env, desired);
  REQUIRE(kinds(plan) == "nexj.http_channel/R=update;");
  for (const ActionResult& r : env.apply(plan, changes_of(plan), {})) CHECK(r.ok);
  std::string written = read_bytes(path);
  CHECK(written.find("secure=\"true\"") != std::string::npos);
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), old, 0) == 0);
  ::unlink((path + ".bak").c_str());

  // The same plan again: its effect is already there, so nothing is written at all.
  for (const ActionResult& r : env.apply(plan, changes_of(plan), {})) CHECK(r.ok);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(st.st_mtim.tv_sec == 1000000000);
  CHECK(read_bytes(path) == written);
  CHECK_FALSE(std::filesystem::exists(path + ".bak"));
}

TEST_CASE("hostile values round-trip exactly", "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  write_bytes(path,
              "<Environment>\n  <ChannelConnections>\n"
              "    <HTTPConnection channel='Old' description='x' url=\"y\"/>\n"
              "  </ChannelConnections>\n</Environment>\n");
  const std::vector<std::string> hostile = {
      "'); DROP TABLE x;--",
      "\"quo'ted\" <tag> & &amp; &#60;",
      "tab\there\nnew\r\nline",
      "Z\xC3\xBCrich \xE2\x80\x93 \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x9A\x80",
      "${prop:default}",
      "  spaces  ",
      ""};
  std::vector<Resource> resources;
  SecretValues secrets;
  for (size_t i = 0; i < hostile.size(); ++i) {
    std::string name = i == 0 ? "Old" : "C" + std::to_string(i) + "\"<&>'";
    std::string ref = "${env:PW" + std::to_string(i) + "}";
    secrets[ref] = hostile[i].empty() ? "x" : hostile[i];
    resources.push_back(channel(types::kHttpChannel, name,
                                {{"description", hostile[i]},
                                 {"url", hostile[(i + 1) % hostile.size()]},
                                 {"password", secret(ref, secrets[ref])}}));
  }
  DesiredState desired = desired_of(resources);
  EnvironmentFile env(path);
  apply_all(env, desired, secrets);
  check_converged(path, desired);

  ObservedState observed;
  EnvironmentFile(path).observe(desired, observed);
  REQUIRE(observed.resources.size() == hostile.size());
  for (size_t i = 0; i < hostile.size(); ++i) {
    CHECK(observed.resources[i].values[0] == Value{hostile[i]});
    CHECK(observed.resources[i].presence == Presence::Present);
  }
  CHECK(read_bytes(path).find("DROP TABLE x;--\"") != std::string::npos);
  CHECK(read_bytes(path).find("description='&apos;); DROP") != std::string::npos);
}

TEST_CASE("a file without ChannelConnections gets one, indented like its siblings",
          "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  write_bytes(path,
              "<Environment a=\"1\">\n"
              "  <DataSourceConnections>\n"
              "    <RelationalDatabaseConnection dataSource=\"Default\"/>\n"
              "  </DataSourceConnections>\n"
              "</Environment>");
  DesiredState desired = desired_of({channel(types::kHttpChannel, "R", {{"secure", true}})});
  EnvironmentFile env(path);
  apply_all(env, desired, {});
  CHECK(read_bytes(path) ==
        "<Environment a=\"1\">\n"
        "  <DataSourceConnections>\n"
        "    <RelationalDatabaseConnection dataSource=\"Default\"/>\n"
        "  </DataSourceConnections>\n"
        "  <ChannelConnections>\n"
        "     <HTTPConnection channel=\"R\" secure=\"true\"/>\n"
        "  </ChannelConnections>\n"
        "</Environment>");

  write_bytes(path, "<Connections><ChannelConnections/></Connections>");
  EnvironmentFile env2(path);
  apply_all(env2, desired, {});
  CHECK(read_bytes(path) ==
        "<Connections><ChannelConnections>\n"
        "   <HTTPConnection channel=\"R\" secure=\"true\"/>\n"
        "</ChannelConnections></Connections>");
  check_converged(path, desired);

  std::string fresh = dir.path + "/new.connections";
  EnvironmentFile env3(fresh);
  apply_all(env3, desired, {});
  CHECK(read_bytes(fresh) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Connections>\n   <ChannelConnections>\n"
        "      <HTTPConnection channel=\"R\" secure=\"true\"/>\n"
        "   </ChannelConnections>\n</Connections>\n");
}

TEST_CASE("files that cannot be read fail both types with file:line:col", "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  DesiredState desired = desired_of({channel(types::kMailChannel, "Mail", {})});
  auto error_for = [&](std::string_view bytes) {
    write_bytes(path, bytes);
    ObservedState observed;
    EnvironmentFile(path).observe(desired, observed);
    CHECK(observed.resources.empty());
    CHECK(observed.failed_types.size() == 2);
    CHECK(observed.failed_types["nexj.http_channel"] == observed.failed_types["nexj.mail_channel"]);
    return observed.failed_types["nexj.mail_channel"];
  };
  CHECK(error_for("<Environment>\n <ChannelConnections>\n  <MailConnection channel=\"M\"\n"
                  "</Environment>") ==
        path + ":4:1: malformed XML: Error parsing start element tag");
  CHECK(error_for("<Environment>\n  <a>\xE9</a></Environment>") ==
        path + ":2:6: not UTF-8 (byte 0xE9); only UTF-8 is supported");
  CHECK(error_for(std::string_view("\xFF\xFE<\0E\0/\0>\0", 10)) ==
        path + ": the file is UTF-16 or UTF-32; only UTF-8 is supported");
  CHECK(error_for("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<Environment/>") ==
        path + ":1:1: encoding \"ISO-8859-1\" is not supported; only UTF-8 is");
  CHECK(error_for("<Server/>") ==
        path + ":1:1: the root element is <Server>; expected <Environment> or <Connections>");
  CHECK(error_for("") == path + ":1:1: malformed XML: No document element found");
  CHECK(error_for("<!DOCTYPE Environment [<!ENTITY pw \"x\">]><Environment/>") ==
        path + ": a DOCTYPE with declarations is not supported");
  // XML 1.0 refuses these; pugixml alone would accept, edit and write them back.
  CHECK(error_for("<Environment>\n  <a>x]]>y</a></Environment>") ==
        path + ":2:7: malformed XML: \"]]>\" in text outside a CDATA section");
  CHECK(error_for("<Environment>\n<!-- a -- b -->\n</Environment>") ==
        path + ":2:8: malformed XML: \"--\" inside a comment");
  CHECK(error_for("<Environment><!-- a ---></Environment>") ==
        path + ":1:21: malformed XML: a comment may not end in \"--->\"");
  CHECK(error_for("<Environment>\n  <a>\xEF\xBF\xBF</a></Environment>") ==
        path + ":2:6: malformed XML: U+FFFF is not a character XML allows");
  CHECK(error_for("<Environment>\n <ChannelConnections>\n  <MailConnection channel=\"M\" "
                  "channel=\"N\"/>\n </ChannelConnections>\n</Environment>") ==
        path + ":3:3: malformed XML: attribute channel appears twice");
  // Where XML allows them, they stay allowed: "]]>" and "--" in a value, "--" in CDATA.
  write_bytes(path,
              "<Environment a=\"]]> --\"><![CDATA[ ]]]]><![CDATA[> -- ]]><?pi --?></Environment>");
  ObservedState fine;
  EnvironmentFile(path).observe(desired, fine);
  CHECK(fine.failed_types.empty());

  // Missing: a fresh deployment, every channel absent.
  ObservedState observed;
  EnvironmentFile(dir.path + "/none.environment").observe(desired, observed);
  CHECK(observed.failed_types.empty());
  CHECK(observed.resources.empty());
}

TEST_CASE("a channel bound twice, or by another kind, is unknown on its own",
          "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  write_bytes(path,
              "<Environment>\n<ChannelConnections>\n"
              "<MailConnection channel=\"Mail\"/>\n"
              "<MailConnection channel=\"Mail\" from=\"a@b.c\"/>\n"
              "<MailConnection channel=\"Web\"/>\n"
              "<HTTPConnection channel=\"R\" secure=\"yes\" maxSenders=\"007\"/>\n"
              "<HTTPConnection channel=\"Bad\" url=\"&nbsp;\"/>\n"
              "</ChannelConnections>\n</Environment>\n");
  DesiredState desired =
      desired_of({channel(types::kMailChannel, "Mail", {}), channel(types::kHttpChannel, "Web", {}),
                  channel(types::kHttpChannel, "R", {{"secure", true}}),
                  channel(types::kHttpChannel, "Bad", {})});
  EnvironmentFile env(path);
  Plan plan = observe_and_plan(env, desired);
  CHECK(kinds(plan) ==
        "nexj.http_channel/Bad=unknown;nexj.http_channel/R=update;"
        "nexj.http_channel/Web=unknown;nexj.mail_channel/Mail=unknown;");
  const ObservedState& o = plan.observed;
  REQUIRE(o.resources.size() == 4);
  CHECK(o.resources[0].error ==
        path + ":3:1: channel \"Mail\" has 2 connections (lines 3, 4); keep one");
  CHECK(o.resources[1].error ==
        path + ":5:1: channel \"Web\" is bound by a <MailConnection>, not a <HTTPConnection>");
  CHECK(o.resources[2].values[5] == Value{std::string("yes")});
  CHECK(o.resources[2].values[6] == Value{std::string("007")});
  CHECK(o.resources[3].error ==
        path + ":7:1: attribute url: unknown entity reference in the value");

  // A create forced onto the duplicate fails, and nothing is written for it.
  Plan forced = plan;
  forced.actions[3].kind = ActionKind::Create;
  std::vector<uint32_t> both = {1, 3};
  std::vector<ActionResult> results = env.apply(forced, both, {});
  CHECK(results[0].ok);
  CHECK(results[1].error == o.resources[0].error);
  CHECK(read_bytes(path).find("secure=\"true\" maxSenders") != std::string::npos);
}

TEST_CASE(
    "channels the spec does not name are read too, and those that concern Exchange are shown for "
    "review",
    "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  write_bytes(path,
              "<Environment>\n<ChannelConnections>\n"
              "<MailConnection channel=\"Mail\" from=\"crm@acme.com\"/>\n"
              "<MailConnection channel=\"OldMail\" from=\"old@acme.com\"/>\n"
              "<HTTPConnection channel=\"OldSender\" "
              "url=\"https://exch9.acme.local/EWS/Exchange.asmx\" maxSenders=\"5\"/>\n"
              "<HTTPConnection channel=\"Payroll\" url=\"https://payroll.acme.local/api\"/>\n"
              "<HTTPConnection channel=\"Twice\"/>\n<MailConnection channel=\"Twice\"/>\n"
              "<DatabaseConnection channel=\"DefaultRelationalDatabase\"/>\n"
              "</ChannelConnections>\n</Environment>\n");
  DesiredState desired = desired_of({channel(types::kMailChannel, "Mail", {})});
  EnvironmentFile env(path);
  Plan plan = observe_and_plan(env, desired);
  std::vector<std::string> listed;
  for (const ObservedResource& o : plan.observed.resources)
    listed.push_back(make_address(*o.type, o.name) +
                     (o.presence == Presence::Unknown ? " (unknown)" : ""));
  // Every channel of the two kinds, once; the one bound twice is unknown under its first kind.
  CHECK(listed == std::vector<std::string>{"nexj.mail_channel/Mail", "nexj.mail_channel/OldMail",
                                           "nexj.http_channel/OldSender",
                                           "nexj.http_channel/Payroll",
                                           "nexj.http_channel/Twice (unknown)"});
  CHECK(kinds(plan) == "nexj.mail_channel/Mail=no-op;");
  // The payroll service's channel is none of the deployment's business.
  std::vector<std::string> unmanaged;
  for (uint32_t j : plan.unmanaged) unmanaged.push_back(plan.observed.resources[j].name);
  CHECK(unmanaged == std::vector<std::string>{"OldSender", "OldMail"});
  const ObservedResource& old_sender = plan.observed.resources[plan.unmanaged[0]];
  CHECK(old_sender.values[static_cast<size_t>(field_index(types::kHttpChannel, "maxSenders"))] ==
        Value{int64_t{5}});
}

TEST_CASE("a missing secret fails its action only", "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  DesiredState desired = desired_of(
      {channel(types::kMailChannel, "Mail", {{"password", secret("${env:MAIL_PW}", "s3cret")}}),
       channel(types::kHttpChannel, "R", {{"secure", true}})});
  EnvironmentFile env(path);
  Plan plan = observe_and_plan(env, desired);
  REQUIRE(kinds(plan) == "nexj.http_channel/R=create;nexj.mail_channel/Mail=create;");
  std::vector<ActionResult> results = env.apply(plan, changes_of(plan), {});
  CHECK(results[0].ok);
  CHECK(results[1].error ==
        path + ": nexj.mail_channel/Mail: secret ${env:MAIL_PW} was not resolved");
  CHECK(read_bytes(path).find("Mail") == std::string::npos);
  CHECK(read_bytes(path).find("channel=\"R\"") != std::string::npos);

  // A value XML cannot hold is refused the same way, without showing it.
  SecretValues bad = {{"${env:MAIL_PW}", std::string("a\x01z")}};
  EnvironmentFile env2(path);
  Plan again = observe_and_plan(env2, desired);
  results = env2.apply(again, changes_of(again), bad);
  CHECK(results[0].error ==
        path +
            ": nexj.mail_channel/Mail: the value of password holds a character XML 1.0 "
            "cannot hold");
}

TEST_CASE("a file changed after observe is left alone", "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  write_bytes(path, "<Environment/>");
  DesiredState desired = desired_of({channel(types::kHttpChannel, "R", {{"secure", true}})});
  EnvironmentFile env(path);
  Plan plan = observe_and_plan(env, desired);
  write_bytes(path, "<Environment />");
  std::vector<ActionResult> results = env.apply(plan, changes_of(plan), {});
  REQUIRE(results.size() == 1);
  CHECK(results[0].error == path + " changed since it was read; run apply again");
  CHECK(read_bytes(path) == "<Environment />");

  // Created by someone else after it was seen missing: the same.
  std::string fresh = dir.path + "/f.environment";
  EnvironmentFile env2(fresh);
  Plan plan2 = observe_and_plan(env2, desired);
  write_bytes(fresh, "<Environment/>");
  CHECK(env2.apply(plan2, changes_of(plan2), {})[0].error ==
        fresh + " changed since it was read; run apply again");
}

TEST_CASE("disable and foreign actions fail with a reason", "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  Plan plan;
  Action disable;
  disable.kind = ActionKind::Disable;
  disable.type = &types::kMailChannel;
  disable.name = "Mail";
  disable.changes.push_back(FieldChange{7, true, false});
  Action target = disable;
  target.type = &types::kTarget;
  plan.actions = {disable, target};
  std::vector<uint32_t> todo = {0, 1, 5};
  std::vector<ActionResult> results = EnvironmentFile(path).apply(plan, todo, {});
  CHECK(results[0].error ==
        path + ": nexj.mail_channel/Mail: cannot disable a connection in the environment file");
  CHECK(results[1].error == path + ": nexj.target/Mail is not in the environment file");
  CHECK(results[2].error == path + ": no action 5 in the plan");
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a symbolic link is read through but never replaced", "[environment_file]") {
  TempDir dir;
  std::string real = dir.path + "/real.environment", link = dir.path + "/link.environment";
  write_bytes(real, "<Environment/>");
  REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
  DesiredState desired = desired_of({channel(types::kHttpChannel, "R", {{"secure", true}})});
  EnvironmentFile env(link);
  Plan plan = observe_and_plan(env, desired);
  REQUIRE(kinds(plan) == "nexj.http_channel/R=create;");
  CHECK(env.apply(plan, changes_of(plan), {})[0].error ==
        link + ": is a symbolic link; name the file itself");
  CHECK(read_bytes(real) == "<Environment/>");
}

TEST_CASE("markup in comments, CDATA and quoted values does not mislead the scanner",
          "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  std::string before =
      "<?xml version=\"1.0\"?><Environment x=\"a>b/>\"><?pi </ChannelConnections>?>"
      "<Note><![CDATA[</Environment>]]></Note>\n"
      " <ChannelConnections><!-- <HTTPConnection channel=\"R\"/></ChannelConnections> -->"
      "<HTTPConnection channel=\"S\" url=\"x/>y>\"></HTTPConnection></ChannelConnections>"
      "</Environment>";
  write_bytes(path, before);
  DesiredState desired = desired_of({channel(types::kHttpChannel, "R", {{"secure", true}}),
                                     channel(types::kHttpChannel, "S", {{"secure", false}})});
  EnvironmentFile env(path);
  Plan plan = observe_and_plan(env, desired);
  REQUIRE(kinds(plan) == "nexj.http_channel/R=create;nexj.http_channel/S=update;");
  apply_all(env, desired, {});
  std::string after = before;
  after.replace(after.find("url=\"x/>y>\"") + 11, 0, " secure=\"false\"");
  after.replace(after.rfind("</ChannelConnections>"), 0,
                "\n    <HTTPConnection channel=\"R\" secure=\"true\"/>\n ");
  CHECK(read_bytes(path) == after);
  check_converged(path, desired);
}

TEST_CASE(
    "a file of passwords: others reading it is warned of, its .bak is never more open "
    "than 0600, a read-only one is not replaced",
    "[environment_file]") {
  TempDir dir;
  std::string path = dir.path + "/e.environment";
  const SecretValues secrets = {{"${env:MAIL_PW}", std::string("s3cret")}};
  DesiredState desired = desired_of(
      {channel(types::kMailChannel, "Mail", {{"password", secret("${env:MAIL_PW}", "s3cret")}})});
  const std::string before = "<Environment>\n</Environment>\n";
  write_bytes(path, before);
  auto mode_of = [](const std::string& file) {
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    return st.st_mode & 07777;
  };
  auto checks_of = [](const Plan& plan) {
    std::string out;
    for (const PreconditionCheck& c : plan.observed.checks) out += c.name + ": " + c.detail + "\n";
    return out;
  };
  const std::string name = "permissions of the environment file (" + path + "): ";

  // 0644: a warning in the plan; apply keeps the mode (NexJ may read it through its group),
  // and the backup of the old content is 0600.
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  EnvironmentFile env(path);
  Plan plan = observe_and_plan(env, desired);
  CHECK(checks_of(plan) == name +
                               "mode 0644: anyone on the machine can read the channel passwords "
                               "it holds; apply keeps the mode: chmod o-rwx (or 600) if nothing "
                               "else needs it\n");
  CHECK(plan.observed.checks.at(0).status == PreconditionCheck::Status::Warning);
  CHECK(env.apply(plan, changes_of(plan), secrets).at(0).ok);
  CHECK(mode_of(path) == 0644);
  CHECK(mode_of(path + ".bak") == 0600);
  CHECK(read_bytes(path + ".bak") == before);

  // 0640: its group.
  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  EnvironmentFile group(path);
  CHECK(checks_of(observe_and_plan(group, desired)) ==
        name +
            "mode 0640: its group can read the channel passwords it holds; apply keeps the mode: "
            "chmod g-rwx (or 600) if nothing else needs it\n");

  // 0600, or a file that holds no password: no warning.
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  EnvironmentFile owner_only(path);
  CHECK(checks_of(observe_and_plan(owner_only, desired)) == "");
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  EnvironmentFile no_secret(path);
  CHECK(checks_of(observe_and_plan(
            no_secret, desired_of({channel(types::kHttpChannel, "R", {{"secure", true}})}))) == "");

  // 0444: warned of, and apply refuses to replace it; nothing is written.
  write_bytes(path, before);
  REQUIRE(::chmod(path.c_str(), 0444) == 0);
  EnvironmentFile read_only(path);
  Plan refused = observe_and_plan(read_only, desired);
  CHECK(checks_of(refused) ==
        name + "the file is read-only (mode 0444); apply will not replace it\n");
  std::vector<ActionResult> results = read_only.apply(refused, changes_of(refused), secrets);
  CHECK(results.at(0).error == path +
                                   ": the file is read-only (mode 0444); apply does not replace "
                                   "it: make it writable by its owner (chmod u+w) to let apply "
                                   "change it");
  CHECK(read_bytes(path) == before);
  CHECK(mode_of(path) == 0444);
}

TEST_CASE("remove: takes out whole lines, keeps every other byte, and converges",
          "[environment_file][remove]") {
  TempDir dir;
  std::string path = dir.path + "/prod.environment";
  const std::string before =
      "<?xml version='1.0' encoding='utf-8'?>\r\n"
      "<Environment>\r\n"
      "\t<ChannelConnections>\r\n"
      "\t\t<!-- the sender of the 2019 servers -->\r\n"
      "\t\t<HTTPConnection channel=\"OldSender\" url=\"https://old/EWS/Exchange.asmx\">\r\n"
      "\t\t\t<Properties><Property name=\"a\">&lt;/HTTPConnection&gt;</Property></Properties>\r\n"
      "\t\t</HTTPConnection>\r\n"
      "\t\t<MailConnection channel=\"OldMail\" outHost=\"smtp\"/>  <!-- keep this note -->\r\n"
      "\t\t<HTTPConnection channel=\"Kept\" url=\"https://kept/\"/>\r\n"
      "\t</ChannelConnections>\r\n"
      "</Environment>\r\n";
  write_bytes(path, before);
  DesiredState desired = desired_of({channel(types::kHttpChannel, "Kept", {})});
  desired.removals = {Removal{&types::kHttpChannel, "OldSender", "/remove/0"},
                      Removal{&types::kMailChannel, "OldMail", "/remove/1"},
                      Removal{&types::kMailChannel, "NeverThere", "/remove/2"}};
  EnvironmentFile env(path);
  Plan plan = observe_and_plan(env, desired);
  REQUIRE(kinds(plan) ==
          "nexj.http_channel/Kept=no-op;nexj.http_channel/OldSender=remove;"
          "nexj.mail_channel/NeverThere=no-op;nexj.mail_channel/OldMail=remove;");
  std::vector<uint32_t> todo;
  for (uint32_t i = 0; i < plan.actions.size(); ++i)
    if (plan.actions[i].kind == ActionKind::Remove) todo.push_back(i);
  for (const ActionResult& r : env.apply(plan, todo, {})) CHECK(r.error == "");
  CHECK(read_bytes(path) ==
        "<?xml version='1.0' encoding='utf-8'?>\r\n"
        "<Environment>\r\n"
        "\t<ChannelConnections>\r\n"
        "\t\t<!-- the sender of the 2019 servers -->\r\n"
        "\t\t  <!-- keep this note -->\r\n"
        "\t\t<HTTPConnection channel=\"Kept\" url=\"https://kept/\"/>\r\n"
        "\t</ChannelConnections>\r\n"
        "</Environment>\r\n");
  CHECK(read_bytes(path + ".bak") == before);
  EnvironmentFile again(path);
  CHECK(kinds(observe_and_plan(again, desired)) ==
        "nexj.http_channel/Kept=no-op;nexj.http_channel/OldSender=no-op;"
        "nexj.mail_channel/NeverThere=no-op;nexj.mail_channel/OldMail=no-op;");
}
