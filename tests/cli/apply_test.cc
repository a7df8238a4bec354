// apply, diff and plan against real files: the quickstart applied into a fresh store and
// environment file, exact live state after, no changes the second time, drift found by field,
// saved plans, the lock, and hostile strings that must round-trip.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "base/sqlite_database.h"
#include "runtime/apply_lock.h"
#include "tests/cli/apply_support.h"
#include "tests/cli/lab_support.h"

using namespace sd::test;

namespace {

CliRun apply(const Workspace& w, const std::vector<std::string>& extra = {}) {
  return w.run(apply_args(w, extra));
}

int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

}  // namespace

TEST_CASE("apply: the quickstart into a fresh store and environment file", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  CliRun first = apply(w);
  INFO(first.out << first.err);
  REQUIRE(first.code == 0);
  // The three users' mailboxes were asked once, for their folder ids.
  CHECK(first.err.starts_with("Exchange: asked 3 mailboxes on 1 server in "));
  CHECK(first.err.ends_with(" s; not throttled\n"));
  CHECK(first.out.find("Apply complete: 12 done, 0 failed, 0 skipped.") != std::string::npos);

  // Exactly these rows and this XML (review the golden files when they change).
  CHECK(check_golden("tests/apply/quickstart.store.txt", dump_store(w.path(kStore))) == "");
  CHECK(check_golden("tests/apply/quickstart.environment",
                     *read_text(w.path(kQuickstartEnvironmentFile))) == "");

  // The second time there is nothing to do, and nothing is written.
  int64_t before = mtime_ns(w.path(kQuickstartEnvironmentFile));
  std::string store_before = dump_store(w.path(kStore));
  CliRun second = apply(w);
  CHECK(second.code == 0);
  CHECK(second.out == "No changes. Live state matches the spec (deployment 'quickstart').\n");
  CHECK(second.err.empty());  // folder ids known: Exchange is not asked again
  CHECK(mtime_ns(w.path(kQuickstartEnvironmentFile)) == before);
  CHECK(dump_store(w.path(kStore)) == store_before);

  CliRun replan = w.run({"plan", w.spec(), "--only", "nexj", "--detailed-exitcode"});
  CHECK(replan.code == 0);
  CliRun diff = w.run({"diff", w.spec(), "--only", "nexj"});
  CHECK(diff.code == 0);
}

TEST_CASE("diff: a change behind the tool's back is found, by field", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  REQUIRE(apply(w).code == 0);

  SECTION("in the store (sqlite3 by hand)") {
    sql_exec(w.path(kStore), "UPDATE sync_target SET enabled = 0");
    CliRun diff = w.run({"diff", w.spec(), "--only", "nexj"});
    CHECK(diff.code == 2);
    CHECK(check_golden("tests/apply/diff-store-edit.txt", diff.out) == "");
  }
  SECTION("in the environment file (sed by hand)") {
    std::string xml = *read_text(w.path(kQuickstartEnvironmentFile));
    size_t at = xml.find("smtp.example.local");
    REQUIRE(at != std::string::npos);
    xml.replace(at, 18, "smtp2.example.local");
    w.write(kQuickstartEnvironmentFile, xml);
    CliRun diff = w.run({"diff", w.spec(), "--only", "nexj", "--json"});
    CHECK(diff.code == 2);
    CHECK(check_golden("tests/apply/diff-environment-edit.json", diff.out) == "");
    // apply puts it back, and then all is in sync again.
    REQUIRE(apply(w).code == 0);
    CHECK(w.run({"diff", w.spec(), "--only", "nexj"}).code == 0);
  }
}

TEST_CASE("apply: unrelated content of the environment file is kept byte for byte", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  const std::string original =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
      "<!-- hand-edited: keep -->\r\n"
      "<Environment description='Prod &amp; DR' httpURL=\"https://crm.example.local/nexj\"   "
      "secureTransport=\"true\">\r\n"
      "\t<DataSourceConnections>\r\n"
      "\t\t<RelationalDatabaseConnection dataSource=\"DefaultRelationalDatabase\" "
      "user=\"nexj\"/>\r\n"
      "\t</DataSourceConnections>\r\n"
      "\t<ChannelConnections>\r\n"
      "\t\t<MessageQueueConnection channel=\"ErrorQueue\" user=\"mq\" password=\"mqpass\"/>\r\n"
      "\t\t<!-- the sender -->\r\n"
      "\t\t<HTTPConnection channel=\"ExchangeEWSSender1\" condition=\"prod\" "
      "url=\"https://old.example.local/EWS/Exchange.asmx\"><Properties/></HTTPConnection>\r\n"
      "\t</ChannelConnections>\r\n"
      "</Environment>\r\n";
  w.write(kQuickstartEnvironmentFile, original);
  REQUIRE(apply(w).code == 0);
  std::string now = *read_text(w.path(kQuickstartEnvironmentFile));
  CHECK(check_golden("tests/apply/kept-content.environment", now) == "");
  // Everything before the sender is untouched, and the comment and the queue connection stay.
  CHECK(now.substr(0, original.find("<HTTPConnection")) ==
        original.substr(0, original.find("<HTTPConnection")));
  CHECK(*read_text(w.path(std::string(kQuickstartEnvironmentFile) + ".bak")) == original);
  CHECK(apply(w).out.starts_with("No changes."));
}

TEST_CASE("apply: hostile names and descriptions round-trip exactly", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  std::string spec = *read_text(w.spec());
  const std::string login = "o'brien\"); DROP TABLE sync_folder_link;--<&>é名";
  size_t at = spec.find("    - login: jsmith");
  REQUIRE(at != std::string::npos);
  spec.replace(at, 19, "    - login: 'o''brien\"); DROP TABLE sync_folder_link;--<&>é名'");
  at = spec.find("      from: crm@example.com");
  spec.insert(at, "      description: \"a <b> & 'c' \\\"d\\\" ]]> é\"\n");
  w.write("quickstart.yaml", spec);
  CliRun first = apply(w);
  INFO(first.out << first.err);
  REQUIRE(first.code == 0);
  CHECK(apply(w).out.starts_with("No changes."));
  std::string dump = dump_store(w.path(kStore));
  CHECK(dump.find("'o''brien\"); DROP TABLE sync_folder_link;--<&>é名'") != std::string::npos);
  std::string xml = *read_text(w.path(kQuickstartEnvironmentFile));
  CHECK(xml.find("description=\"a &lt;b&gt; &amp; 'c' &quot;d&quot; ]]&gt; é\"") !=
        std::string::npos);
}

TEST_CASE("apply PLANFILE: exactly the saved plan, refused where live state moved", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  std::string plan_file = w.path("first.plan.json");
  REQUIRE(w.run({"plan", w.spec(), "--only", "nexj", "-out", plan_file}).code == 0);
  CliRun applied = w.run({"apply", plan_file, "--auto-approve"});
  INFO(applied.out << applied.err);
  REQUIRE(applied.code == 0);
  CHECK(w.run({"plan", w.spec(), "--only", "nexj", "--detailed-exitcode"}).code == 0);

  // Applying it again finds its changes live already.
  CliRun again = w.run({"apply", plan_file, "--auto-approve"});
  CHECK(again.code == 0);
  CHECK(again.out.find("already live") != std::string::npos);

  // A plan made, then the object changed behind it: that step is refused, by name.
  sql_exec(w.path(kStore), "UPDATE sync_target SET enabled = 0");
  std::string second = w.path("second.plan.json");
  REQUIRE(w.run({"plan", w.spec(), "--only", "nexj", "-out", second}).code == 0);
  sql_exec(w.path(kStore), "UPDATE sync_target SET host = 'elsewhere.example.local'");
  CliRun stale = w.run({"apply", second, "--auto-approve"});
  CHECK(stale.code == 4);
  CHECK(stale.out.find("refused  nexj.target/EXCH01: changed since the plan was made") !=
        std::string::npos);

  // A spec edited after the plan: the whole plan is refused.
  w.write("quickstart.yaml", *read_text(w.spec()) + "\n# edited\n");
  CliRun edited = w.run({"apply", second, "--auto-approve"});
  CHECK(edited.code == 4);
  CHECK(edited.err.find("changed since the plan") != std::string::npos);
}

TEST_CASE("apply: one at a time per deployment, force-unlock by ID", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  REQUIRE(apply(w).code == 0);
  std::string journal = w.path(std::string(kStore) + ".journal.db");
  auto db = sd::open_sqlite(journal, sd::SqlOpenMode::ReadWriteCreate);
  REQUIRE(db.ok());
  auto held = sd::ApplyLock::acquire(**db, "quickstart", {});
  REQUIRE(held.ok());
  std::string id = held->info().id;

  CliRun blocked = apply(w);
  CHECK(blocked.code == 1);
  CHECK(blocked.err.find("deployment 'quickstart' is locked by ") != std::string::npos);
  CHECK(blocked.err.find("(lock ID " + id) != std::string::npos);
  CHECK(blocked.err.find("if that apply is dead run: syncdeploy force-unlock " + w.spec() + " " +
                         id + "\n") != std::string::npos);

  CliRun wrong = w.run({"force-unlock", w.spec(), "0000000000000000"});
  CHECK(wrong.code == 1);
  CliRun unlocked = w.run({"force-unlock", w.spec(), id});
  CHECK(unlocked.code == 0);
  CHECK(unlocked.out == "Removed lock " + id + " of deployment 'quickstart'.\n");
  CHECK(apply(w).code == 0);
}

TEST_CASE("apply: asks on a terminal, refuses to guess without one", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  CliRun no_tty = w.run({"apply", w.spec(), "--only", "nexj"});
  CHECK(no_tty.code == 1);
  CHECK(without_ews_summary(no_tty.err) ==
        "syncdeploy: error: apply asks for confirmation, but standard input is not a terminal; "
        "review the plan and pass --auto-approve (as CI does)\n");
  // Nothing was written: no store, no environment file.
  CHECK_FALSE(read_text(w.path(kQuickstartEnvironmentFile)).has_value());

  // Unknown Exchange-side objects (WinRM refuses the admin's password) block a full apply,
  // with the reason.
  std::map<std::string, std::string> secrets = kDemoSecrets;
  secrets["EXCH_ADMIN_PASSWORD"] = "wrong";
  CliRun full =
      run_cli({"apply", w.spec(), "--auto-approve"}, RunningLab::shared().env_with(secrets));
  CHECK(full.code == 1);
  CHECK(full.out.find("  ? exchange.service_account/nexj-sync  could not be read: ") !=
        std::string::npos);
  CHECK(full.err.find("objects could not be read; nothing was changed") != std::string::npos);
  CHECK_FALSE(read_text(w.path(kQuickstartEnvironmentFile)).has_value());
}

TEST_CASE("apply PLANFILE: a plan partly live already is completed, not refused", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  REQUIRE(apply(w).code == 0);
  std::string spec = *read_text(w.spec());
  spec.replace(spec.find("periodMinutes: 1440"), 19, "periodMinutes: 60");
  spec.replace(spec.find("email: mlee@example.com"), 23, "email: m.lee@example.com");
  w.write("quickstart.yaml", spec);
  std::string plan_file = w.path("p.json");
  REQUIRE(w.run({"plan", w.spec(), "--only", "nexj", "-out", plan_file}).code == 0);
  // Half of it happens by other means (or by an apply killed halfway) before it is applied.
  sql_exec(w.path(kStore), "UPDATE sync_global_options SET autodiscover_period_minutes = 60");

  CliRun applied = w.run({"apply", plan_file});  // a saved plan was reviewed: no prompt
  INFO(applied.out << applied.err);
  CHECK(applied.code == 0);
  CHECK(applied.out.find(": 1 to do, 1 already done, 0 refused.") != std::string::npos);
  CHECK(applied.out.find("  already done  nexj.global_options/exchange\n") != std::string::npos);
  CHECK(applied.out.find("Apply complete: 1 done, 1 already done, 0 failed, 0 skipped.") !=
        std::string::npos);
  CHECK(w.run({"plan", w.spec(), "--only", "nexj", "--detailed-exitcode"}).code == 0);
  // The run was closed: the next apply resumes nothing.
  CliRun next = apply(w);
  CHECK(next.out == "No changes. Live state matches the spec (deployment 'quickstart').\n");
}

TEST_CASE("apply: the journal must be a file of its own", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  CliRun run = apply(w, {"--journal", w.path(kStore)});
  CHECK(run.code == 1);
  CHECK(run.err == "error: --journal " + w.path(kStore) +
                       " is the configuration store or the environment file; give the journal "
                       "a file of its own\n");
}

TEST_CASE("apply: a killed writer's temporary copy (it may hold passwords) is removed", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  w.write(std::string(kQuickstartEnvironmentFile) + ".tmp-AbC123", "password=\"sync-pw\"");
  w.write(std::string(kQuickstartEnvironmentFile) + ".tmp-keep", "not ours");
  REQUIRE(apply(w).code == 0);
  CHECK_FALSE(
      read_text(w.path(std::string(kQuickstartEnvironmentFile) + ".tmp-AbC123")).has_value());
  CHECK(read_text(w.path(std::string(kQuickstartEnvironmentFile) + ".tmp-keep")) == "not ours");
}

TEST_CASE("apply: a target renamed by hand does not block creating the spec's one", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  REQUIRE(apply(w).code == 0);
  // The links move with the renamed target (they reference its id); the spec's EXCH01 is new.
  sql_exec(w.path(kStore), "UPDATE sync_target SET name = 'EXCH01-old'");
  CliRun again = apply(w);
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(again.out.find("Apply complete:") != std::string::npos);
  CHECK(apply(w).out.starts_with("No changes."));
}

TEST_CASE("apply PLANFILE: users who cannot sync are left out, the rest is applied", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  std::string spec = *read_text(w.spec());
  spec += "    - login: ghost\n      email: ghost@example.com\n";
  w.write("quickstart.yaml", spec);
  std::string plan_file = w.path("p.json");
  CliRun planned = w.run({"plan", w.spec(), "--only", "nexj", "-out", plan_file});
  CHECK(planned.code == 5);
  CHECK(
      planned.out.find(
          "  ! nexj.folder_link/ghost/{calendar,contacts,tasks}  ghost@example.com cannot sync: no "
          "such mailbox (ErrorNonExistentMailbox)\n") != std::string::npos);
  CliRun applied = w.run({"apply", plan_file});
  INFO(applied.out << applied.err);
  CHECK(applied.code == 5);
  CHECK(applied.out.find("Apply complete: 12 done, 0 failed, 0 skipped.") != std::string::npos);
  CHECK(dump_store(w.path(kStore)).find("'ghost'") == std::string::npos);
}

TEST_CASE("apply PLANFILE: a precondition failing since the plan stops it", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  std::string plan_file = w.path("p.json");
  REQUIRE(w.run({"plan", w.spec(), "--only", "nexj", "-out", plan_file}).code == 0);
  // The NexJ server's port is closed now.
  std::map<std::string, std::string> env = RunningLab::shared().env_with(kDemoSecrets);
  // The first matching entry wins.
  env["SYNCDEPLOY_CONNECT_TO"] =
      "crm.example.local:443=127.0.0.1:1," + env["SYNCDEPLOY_CONNECT_TO"];
  CliRun applied = run_cli({"apply", plan_file}, env);
  CHECK(applied.code == 1);
  CHECK(without_ews_summary(applied.err) ==
        "syncdeploy: error: precondition failed: TLS of nexj.url (crm.example.local): "
        "crm.example.local:443: connection refused\n"
        "syncdeploy: error: cannot apply: 1 precondition failed; nothing was changed\n");
  CHECK_FALSE(read_text(w.path(kStore)).has_value());
}

TEST_CASE("apply PLANFILE: the spec it names is read only where a spec can be", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  std::string plan_file = w.path("hostile.plan.json");
  REQUIRE(w.run({"plan", w.spec(), "--only", "nexj", "-out", plan_file}).code == 0);
  const std::string saved = *read_text(plan_file);
  const std::string recorded = "\"file\":\"" + w.spec() + "\"";
  REQUIRE(saved.find(recorded) != std::string::npos);
  auto naming = [&](const std::string& spec_file) {
    std::string edited = saved;
    edited.replace(edited.find(recorded), recorded.size(), "\"file\":\"" + spec_file + "\"");
    w.write("hostile.plan.json", edited);
    return w.run({"apply", plan_file, "--auto-approve"});
  };
  CliRun passwd = naming("/etc/passwd");
  CHECK(passwd.code == 1);
  CHECK(passwd.err == plan_file +
                          ": error: the spec the saved plan names (spec.file \"/etc/passwd\") is "
                          "not a .yaml or .yml file\n");
  CliRun outside = naming("/etc/../etc/syncdeploy.yaml");
  CHECK(outside.code == 1);
  CHECK(outside.err == plan_file +
                           ": error: the spec the saved plan names (spec.file "
                           "\"/etc/../etc/syncdeploy.yaml\") is outside the working folder and "
                           "the plan's folder\n");
  CHECK_FALSE(std::filesystem::exists(w.path(kStore)));  // nothing was applied
  // Beside the plan, as recorded relative to where it was made: read.
  CliRun beside = naming("quickstart.yaml");
  INFO(beside.err);
  CHECK(beside.code == 0);
}

TEST_CASE("apply PLANFILE: a plan made --without-secrets is refused whole", "[apply]") {
  Workspace w("examples/quickstart.yaml");
  const std::string plan_file = w.path("p.json");
  // The secrets are in the environment; --without-secrets reads none of them all the same.
  CliRun planned = w.run(plan_args(w, {"--without-secrets", "-out", plan_file}));
  CHECK(planned.code == 0);
  CHECK(planned.err ==
        "syncdeploy: warning: planned without secrets: secret fields are not compared and "
        "Exchange is not read; this plan cannot be applied\n");
  CHECK(planned.out.find("      password: (sensitive, not compared)\n") != std::string::npos);
  // Read back, it still says what was not compared.
  CliRun shown = w.run({"show", plan_file});
  CHECK(shown.out.find("      password: (sensitive, not compared)\n") != std::string::npos);
  CliRun applied = w.run({"apply", plan_file, "--auto-approve"});
  CHECK(applied.code == 1);
  CHECK(applied.err == plan_file +
                           ": error: the saved plan says it cannot be applied (\"applyable\": "
                           "false: a precondition failed, an object could not be read, an action "
                           "was blocked, or it was made --without-secrets); nothing was changed: "
                           "make a new plan and apply that\n");
  CHECK(!std::filesystem::exists(w.path(kStore)));
}
