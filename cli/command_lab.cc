// `syncdeploy lab`: serve the Exchange lab, and change its state while it runs (the admin
// commands write the SQLite state file; a running lab sees the change on its next request).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <mutex>
#include <ostream>

#include "base/atomic_file.h"
#include "base/text_checks.h"
#include "cli/commands.h"
#include "lab/server/lab_server.h"
#include "lab/server/powershell_host.h"
#include "protocol/clixml.h"

namespace sd::cli {

struct LabCommand {
  CLI::App* serve = nullptr;
  CLI::App* grant = nullptr;
  CLI::App* revoke = nullptr;
  CLI::App* throttling = nullptr;
  CLI::App* powershell = nullptr;

  std::string directory, state, cert_dir, bind = "127.0.0.1", port_file, http_port_file;
  int port = 0, http_port = 0;
  unsigned threads = 2;
  int64_t latency_ms = 0, busy_backoff_ms = 200;
  double error_rate = 0, busy_rate = 0, http503_rate = 0, reset_rate = 0, stall_rate = 0,
         corrupt_seal_rate = 0;
  uint64_t seed = 1;
  bool basic = false;
  std::string extended_protection = "allow", keytab, ntlm_users;

  std::string account;
  bool all = false;
  std::vector<std::string> mailboxes;
  std::string throttling_mode;
  std::string script;
};

namespace {

void add_rate(CLI::App* app, const std::string& name, double& value, const std::string& what,
              const std::string& per = "request") {
  app->add_option(name, value, what + " (a probability per " + per + ", 0 to 1; default 0)")
      ->type_name("P")
      ->check(CLI::Range(0.0, 1.0));
}

lab::LabOptions serve_options(const LabCommand& c) {
  lab::LabOptions o;
  o.state_file = c.state;
  o.directory_file = c.directory;
  o.cert_dir = c.cert_dir;
  if (o.cert_dir.empty()) {
    std::filesystem::path folder = std::filesystem::path(c.state).parent_path();
    o.cert_dir =
        (folder.empty() ? std::filesystem::path(".") : folder).append("lab-certs").string();
  }
  o.bind_address = c.bind;
  o.port = static_cast<uint16_t>(c.port);
  o.http_port = static_cast<uint16_t>(c.http_port);
  o.threads = c.threads;
  o.faults.latency = std::chrono::milliseconds(c.latency_ms);
  o.faults.error_rate = c.error_rate;
  o.faults.busy_rate = c.busy_rate;
  o.faults.busy_back_off = std::chrono::milliseconds(c.busy_backoff_ms);
  o.faults.http503_rate = c.http503_rate;
  o.faults.reset_rate = c.reset_rate;
  o.faults.stall_rate = c.stall_rate;
  o.faults.corrupt_seal_rate = c.corrupt_seal_rate;
  o.faults.seed = c.seed;
  o.auth.basic = c.basic;
  o.auth.extended_protection = c.extended_protection == "require" ? lab::ExtendedProtection::Require
                               : c.extended_protection == "none"  ? lab::ExtendedProtection::None
                                                                  : lab::ExtendedProtection::Allow;
  o.auth.keytab = c.keytab;
  o.auth.ntlm_users = c.ntlm_users;
  return o;
}

// 'text' for a POSIX shell: single quotes, a quote inside as '\''.
std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// SYNCDEPLOY_CONNECT_TO for every host name of the lab: EWS and remote PowerShell on 443 and
// WinRM on 5986 to the HTTPS port, port 80 to the plain HTTP one.
std::string connect_to_line(lab::LabServer& lab) {
  const std::string https = "127.0.0.1:" + std::to_string(lab.port());
  const std::string http = "127.0.0.1:" + std::to_string(lab.http_port());
  std::string out;
  for (const std::string& host : lab.state().hostnames())
    for (const auto& [port, to] :
         {std::pair{":443=", &https}, std::pair{":80=", &http}, std::pair{":5986=", &https}})
      out += (out.empty() ? "" : ",") + host + port + *to;
  return out;
}

// Serves until SIGINT or SIGTERM. The signals are blocked before the server's threads start,
// so they inherit the mask and the signal is taken here by sigwait, never by a server thread.
int serve(const LabCommand& c, const Context& ctx) {
  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  auto restore = [&] { pthread_sigmask(SIG_SETMASK, &previous, nullptr); };

  lab::LabOptions options = serve_options(c);
  // What clients are not told in full goes to stderr, one line at a time.
  auto log_mutex = std::make_shared<std::mutex>();
  options.log = [log_mutex, &err = ctx.err](const std::string& line) {
    std::lock_guard lock(*log_mutex);
    err << printable(line) << "\n" << std::flush;
  };
  Result<std::unique_ptr<lab::LabServer>> server = lab::LabServer::start(std::move(options));
  if (!server.ok()) {
    restore();
    report(ctx, server.errors());
    return kExitError;
  }
  lab::LabServer& lab = **server;
  for (auto [file, port] :
       {std::pair{&c.port_file, lab.port()}, std::pair{&c.http_port_file, lab.http_port()}}) {
    if (file->empty()) continue;
    Status written = write_file_atomically(*file, std::to_string(port) + "\n");
    if (!written.ok()) {
      lab.stop();
      restore();
      report(ctx, written.errors());
      return kExitError;
    }
  }
  // Scripts wait for these lines: they go out at once. The last two are what a shell needs to
  // point syncdeploy at the lab under the spec's real host names.
  ctx.out << "lab: serving EWS at " << lab.ews_url() << " (CA file: " << lab.ca_file()
          << "), WS-Management also at http://127.0.0.1:" << lab.http_port()
          << "/wsman and /PowerShell/ (sealed messages only)\n"
          << "export SYNCDEPLOY_CONNECT_TO=" << shell_quoted(connect_to_line(lab)) << "\n"
          << "export SSL_CERT_FILE="
          << shell_quoted(std::filesystem::absolute(lab.ca_file()).string()) << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  lab.stop();
  restore();
  lab::LabStats stats = lab.stats();
  ctx.err << "lab: stopped after " << stats.requests << " requests (" << stats.throttled
          << " throttled, " << stats.faults
          << " faults injected; management: " << stats.management_requests << " requests, "
          << stats.management_bytes_in << " bytes in, " << stats.management_bytes_out
          << " bytes out)\n";
  return kExitOk;
}

// The state file of an admin command: it must exist (admin commands never create one).
Result<std::unique_ptr<lab::LabState>> open_state(const std::string& state) {
  std::error_code ec;
  if (!std::filesystem::exists(state, ec))
    return make_error("no lab state here; 'syncdeploy lab serve --directory FILE --state " +
                          printable(state) + "' creates it",
                      Location{state});
  return lab::LabState::open(state, "");
}

// The lab's Exchange Management Shell, run locally on the state file (what an Exchange admin
// would do at the server's console): the script goes through the same interpreter as /wsman.
int powershell(lab::LabState& state, const LabCommand& c, const Context& ctx) {
  lab::ShellCommandResult result = lab::run_shell_command(
      state, "admin", "powershell", {"-NoProfile", "-NonInteractive", "-Command", "-"},
      "$ErrorActionPreference = 'Stop'\nAdd-PSSnapin " +
          std::string(state.version() == lab::LabExchangeVersion::Exchange2010
                          ? "Microsoft.Exchange.Management.PowerShell.E2010"
                          : "Microsoft.Exchange.Management.PowerShell.SnapIn") +
          "\n" + c.script + "\n");
  ctx.out << result.stdout_bytes;
  if (result.exit_code != 0) ctx.err << decode_clixml(result.stderr_bytes);
  return result.exit_code == 0 ? kExitOk : kExitError;
}

int admin(const LabCommand& c, const Context& ctx) {
  Result<std::unique_ptr<lab::LabState>> state = open_state(c.state);
  if (!state.ok()) {
    report(ctx, state.errors());
    return kExitError;
  }
  if (c.powershell->parsed()) return powershell(**state, c, ctx);
  Status done = ok_status();
  std::string said;
  if (c.grant->parsed()) {
    if (c.all == !c.mailboxes.empty()) {
      ctx.err << "syncdeploy: error: lab grant-impersonation needs --all or --mailbox SMTP "
                 "(one of them)\n";
      return kExitError;
    }
    done = (*state)->set_impersonation(c.account, c.all, c.mailboxes);
    std::string scope = "all mailboxes";
    if (!c.all) {
      scope.clear();
      for (const std::string& m : c.mailboxes) scope += (scope.empty() ? "" : ", ") + printable(m);
    }
    said = "Granted " + printable(c.account) + " impersonation of " + scope + ".";
  } else if (c.revoke->parsed()) {
    done = (*state)->set_impersonation(c.account, false, {});
    said = "Revoked impersonation from " + printable(c.account) + ".";
  } else {
    bool unlimited = c.throttling_mode == "unlimited";
    done = (*state)->set_throttling_unlimited(c.account, unlimited);
    said = "Throttling of " + printable(c.account) + ": " +
           (unlimited ? "unlimited (never throttled)." : "the default policy.");
  }
  if (!done.ok()) {
    report(ctx, done.errors());
    return kExitError;
  }
  ctx.out << said << "\n";
  return kExitOk;
}

}  // namespace

std::shared_ptr<LabCommand> define_lab(CLI::App& app) {
  auto c = std::make_shared<LabCommand>();
  CLI::App* lab = app.add_subcommand(
      "lab",
      "Run the Exchange lab: a server that speaks EWS and remote PowerShell like Exchange (for "
      "tests).");
  lab->require_subcommand(1, 1);

  c->serve = lab->add_subcommand("serve", "Serve EWS and WS-Management until SIGINT or SIGTERM.");
  CLI::App* s = c->serve;
  s->add_option("--directory", c->directory,
                "Directory file (YAML: accounts, mailboxes); loaded into a new state")
      ->type_name("FILE");
  s->add_option("--state", c->state, "State file (SQLite); created when missing")
      ->type_name("FILE")
      ->required();
  s->add_option("--cert-dir", c->cert_dir,
                "Where the CA and server certificate are kept (default: lab-certs beside the "
                "state file)")
      ->type_name("DIR");
  s->add_option("--bind", c->bind, "Address to listen on (default 127.0.0.1)")->type_name("ADDR");
  s->add_option("--port", c->port, "Port (default 0: any free port)")->check(CLI::Range(0, 65535));
  s->add_option("--port-file", c->port_file, "Also write the port to FILE")->type_name("FILE");
  s->add_option("--http-port", c->http_port,
                "Port of plain HTTP, where WS-Management (/wsman, /PowerShell) takes only messages "
                "sealed with Kerberos or NTLM, as Exchange on port 80 (default 0: any free port)")
      ->check(CLI::Range(0, 65535));
  s->add_option("--http-port-file", c->http_port_file, "Also write the HTTP port to FILE")
      ->type_name("FILE");
  s->add_option("--threads", c->threads, "Server threads (default 2)")->check(CLI::Range(1, 256));
  s->add_option("--latency-ms", c->latency_ms, "Delay added before every answer (default 0)")
      ->check(CLI::Range(int64_t{0}, int64_t{600000}));
  add_rate(s, "--error-rate", c->error_rate, "ErrorInternalServerError faults");
  add_rate(s, "--busy-rate", c->busy_rate, "ErrorServerBusy faults");
  s->add_option("--busy-backoff-ms", c->busy_backoff_ms,
                "BackOffMilliseconds of injected ErrorServerBusy (default 200)")
      ->check(CLI::Range(int64_t{0}, int64_t{3600000}));
  add_rate(s, "--http503-rate", c->http503_rate, "HTTP 503 answers with Retry-After: 1");
  add_rate(s, "--reset-rate", c->reset_rate, "Connections reset before answering");
  add_rate(s, "--stall-rate", c->stall_rate, "Answers cut off halfway, the connection left open");
  add_rate(s, "--corrupt-seal-rate", c->corrupt_seal_rate,
           "Sealed WS-Management answers (plain HTTP) with a byte of their data flipped",
           "sealed answer");
  s->add_option("--seed", c->seed, "Seed of the fault decisions (default 1)");
  s->add_option("--keytab", c->keytab,
                "Keytab with the keys of HTTP/<lab host>: Kerberos through Negotiate")
      ->type_name("FILE");
  s->add_option("--ntlm-users", c->ntlm_users,
                "gss-ntlmssp user file (DOMAIN:USER:PASSWORD lines): NTLM")
      ->type_name("FILE");
  s->add_flag("--basic", c->basic, "Also accept HTTP Basic (off by default, as on Exchange)");
  s->add_option("--extended-protection", c->extended_protection,
                "Channel binding: allow (Exchange's default: a wrong binding is refused), "
                "require (a missing one too) or none")
      ->check(CLI::IsMember({"allow", "require", "none"}));

  c->grant = lab->add_subcommand("grant-impersonation",
                                 "Let an account impersonate all mailboxes or the ones named.");
  c->grant->add_option("--state", c->state, "State file")->type_name("FILE")->required();
  c->grant->add_option("--account", c->account, "The account (UPN)")->type_name("UPN")->required();
  CLI::Option* all = c->grant->add_flag("--all", c->all, "Every mailbox");
  c->grant->add_option("--mailbox", c->mailboxes, "A mailbox; repeatable")
      ->type_name("SMTP")
      ->excludes(all);

  c->revoke = lab->add_subcommand("revoke-impersonation", "Take all impersonation rights away.");
  c->revoke->add_option("--state", c->state, "State file")->type_name("FILE")->required();
  c->revoke->add_option("--account", c->account, "The account (UPN)")->type_name("UPN")->required();

  c->throttling = lab->add_subcommand(
      "throttling", "Lift throttling for an account (unlimited) or apply the default policy.");
  c->throttling->add_option("--state", c->state, "State file")->type_name("FILE")->required();
  c->throttling->add_option("--account", c->account, "The account (UPN)")
      ->type_name("UPN")
      ->required();
  c->throttling->add_option("policy", c->throttling_mode, "unlimited or default")
      ->required()
      ->check(CLI::IsMember({"unlimited", "default"}));

  c->powershell = lab->add_subcommand(
      "powershell",
      "Run Exchange cmdlets on the lab's state, as an admin at the server would (the subset of "
      "docs/powershell-subset.md).");
  c->powershell->add_option("--state", c->state, "State file")->type_name("FILE")->required();
  c->powershell
      ->add_option(
          "-c,--command", c->script,
          "The script, e.g. \"Set-ManagementRoleAssignment -Identity 'x' -Enabled $false\"")
      ->required();
  return c;
}

int run_lab(const LabCommand& command, const Context& ctx) {
  if (command.serve->parsed()) return serve(command, ctx);
  return admin(command, ctx);
}

}  // namespace sd::cli
