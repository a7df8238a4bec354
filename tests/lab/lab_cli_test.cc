// `syncdeploy lab ...`: the admin commands in-process, and `lab serve` as a real process
// stopped with SIGTERM.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "tests/cli/golden_support.h"
#include "tests/lab/lab_support.h"

namespace sd::lab {
namespace {

using test::run_cli;

struct AdminLab {
  test::TestLab lab;
  std::string state = lab.state_file;
  AdminLab() { lab.state.reset(); }  // the commands open the file themselves
  std::unique_ptr<LabState> open() {
    Result<std::unique_ptr<LabState>> s = LabState::open(state, "");
    if (!s.ok()) FAIL(s.errors().front().format());
    return std::move(*s);
  }
};

TEST_CASE("lab grant-impersonation: all, or the mailboxes named", "[lab]") {
  AdminLab a;
  test::CliRun all = run_cli({"lab", "grant-impersonation", "--state", a.state, "--account",
                              "nobody@example.local", "--all"});
  CHECK(all.code == 0);
  CHECK(all.out == "Granted nobody@example.local impersonation of all mailboxes.\n");
  CHECK(a.open()->may_impersonate("nobody@example.local", "mlee@example.com"));

  test::CliRun some = run_cli({"lab", "grant-impersonation", "--state", a.state, "--account",
                               "nobody@example.local", "--mailbox", "mlee@example.com", "--mailbox",
                               "limited@example.local"});
  CHECK(some.code == 0);
  CHECK(some.out ==
        "Granted nobody@example.local impersonation of mlee@example.com, limited@example.local.\n");
  auto s = a.open();
  CHECK(s->may_impersonate("nobody@example.local", "mlee@example.com"));
  CHECK(s->may_impersonate("nobody@example.local", "limited@example.local"));
  CHECK_FALSE(s->may_impersonate("nobody@example.local", "jsmith@example.com"));
}

TEST_CASE("lab revoke-impersonation and lab throttling", "[lab]") {
  AdminLab a;
  test::CliRun revoked = run_cli(
      {"lab", "revoke-impersonation", "--state", a.state, "--account", "nexj-sync@example.local"});
  CHECK(revoked.code == 0);
  CHECK(revoked.out == "Revoked impersonation from nexj-sync@example.local.\n");
  CHECK_FALSE(a.open()->may_impersonate("nexj-sync@example.local", "jsmith@example.com"));

  test::CliRun lifted = run_cli({"lab", "throttling", "--state", a.state, "--account",
                                 "nexj-sync@example.local", "unlimited"});
  CHECK(lifted.code == 0);
  CHECK(lifted.out == "Throttling of nexj-sync@example.local: unlimited (never throttled).\n");
  CHECK_FALSE(a.open()->throttling_for("nexj-sync@example.local"));
  test::CliRun restored = run_cli(
      {"lab", "throttling", "--state", a.state, "--account", "nexj-sync@example.local", "default"});
  CHECK(restored.code == 0);
  CHECK(restored.out == "Throttling of nexj-sync@example.local: the default policy.\n");
  CHECK(a.open()->throttling_for("nexj-sync@example.local"));
}

TEST_CASE("lab admin commands: bad accounts, mailboxes, flags and state files", "[lab]") {
  AdminLab a;
  auto check = [](const test::CliRun& run, const std::string& err) {
    CHECK(run.code == 1);
    CHECK(run.out.empty());
    CHECK(run.err == err);
  };
  check(run_cli({"lab", "grant-impersonation", "--state", a.state, "--account",
                 "ghost@example.local", "--all"}),
        a.state + ": error: no account ghost@example.local in the lab\n");
  check(run_cli({"lab", "grant-impersonation", "--state", a.state, "--account",
                 "nobody@example.local", "--mailbox", "ghost@example.com"}),
        a.state + ": error: no mailbox ghost@example.com in the lab\n");
  check(run_cli({"lab", "grant-impersonation", "--state", a.state, "--account",
                 "nobody@example.local"}),
        "syncdeploy: error: lab grant-impersonation needs --all or --mailbox SMTP (one of them)\n");
  std::string missing = a.lab.dir.path("nope.db");
  check(
      run_cli({"lab", "revoke-impersonation", "--state", missing, "--account", "x@example.local"}),
      missing + ": error: no lab state here; 'syncdeploy lab serve --directory FILE --state " +
          missing + "' creates it\n");
  CHECK_FALSE(std::filesystem::exists(missing));

  test::CliRun both = run_cli({"lab", "grant-impersonation", "--state", a.state, "--account",
                               "nobody@example.local", "--all", "--mailbox", "mlee@example.com"});
  CHECK(both.code == 1);
  CHECK(both.err.starts_with("syncdeploy: error: "));
  test::CliRun policy = run_cli({"lab", "throttling", "--state", a.state, "--account",
                                 "nexj-sync@example.local", "sometimes"});
  CHECK(policy.code == 1);
  CHECK(policy.err.find("sometimes") != std::string::npos);
  test::CliRun rate = run_cli({"lab", "serve", "--state", a.state, "--busy-rate", "1.5"});
  CHECK(rate.code == 1);
  CHECK(rate.err.find("--busy-rate") != std::string::npos);
  test::CliRun port = run_cli({"lab", "serve", "--state", a.state, "--port", "70000"});
  CHECK(port.code == 1);
  CHECK(port.err.find("--port") != std::string::npos);
  test::CliRun none = run_cli({"lab"});
  CHECK(none.code == 1);
}

// The syncdeploy binary beside the test binary's folder (build/tests/unit_tests -> build/).
std::string syncdeploy_binary() {
  return (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "syncdeploy")
      .string();
}

TEST_CASE(
    "lab serve prints its URLs and the lines to use it, writes the port files and exits 0 "
    "on SIGTERM",
    "[lab-server]") {
  test::ScratchDir dir;
  std::string directory = dir.write("directory.yaml", test::kTestDirectory);
  std::string state = dir.path("state.db"), port_file = dir.path("port");
  std::string http_port_file = dir.path("http-port");
  std::string binary = syncdeploy_binary();
  REQUIRE(std::filesystem::exists(binary));
  int out[2];
  REQUIRE(::pipe(out) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    ::execl(binary.c_str(), binary.c_str(), "lab", "serve", "--directory", directory.c_str(),
            "--state", state.c_str(), "--port-file", port_file.c_str(), "--http-port-file",
            http_port_file.c_str(), "--threads", "1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  auto lines = [&] { return std::count(line.begin(), line.end(), '\n'); };
  for (int waited = 0; lines() < 3 && waited < 600; ++waited) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buffer[512];
    ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;
    line.append(buffer, static_cast<size_t>(n));
  }
  ::close(out[0]);
  ::kill(pid, SIGTERM);
  int status = -1;
  for (int i = 0; i < 400; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (i == 399) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
  }
  INFO(line);
  std::smatch match;
  REQUIRE(std::regex_match(
      line, match,
      std::regex("lab: serving EWS at https://127\\.0\\.0\\.1:([0-9]+)/EWS/Exchange\\.asmx \\(CA "
                 "file: (.*)\\), WS-Management also at http://127\\.0\\.0\\.1:([0-9]+)/wsman and "
                 "/PowerShell/ \\(sealed messages only\\)\n"
                 "export SYNCDEPLOY_CONNECT_TO='(.*)'\n"
                 "export SSL_CERT_FILE='(.*)'\n")));
  const std::string https = "127.0.0.1:" + match[1].str(), http = "127.0.0.1:" + match[3].str();
  CHECK(match[4].str() == "exch01.example.local:443=" + https + ",exch01.example.local:80=" + http +
                              ",exch01.example.local:5986=" + https);
  CHECK(match[5].str() == match[2].str());
  CHECK(match[2].str() == dir.path("lab-certs") + "/lab-ca.pem");
  CHECK(test::read_text(port_file) == match[1].str() + "\n");
  CHECK(test::read_text(http_port_file) == match[3].str() + "\n");
  CHECK(match[3].str() != match[1].str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace sd::lab
