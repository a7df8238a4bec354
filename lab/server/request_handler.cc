#include "lab/server/request_handler.h"

#include "base/text_checks.h"
#include "lab/server/powershell_host.h"
#include "lab/state/mailbox_folders.h"

namespace sd::lab {
namespace {

HttpAnswer plain_answer(int status, std::string_view text) {
  return HttpAnswer{status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::string(text)};
}

// IIS (and WinRM's listener) compare paths without case.
bool is_path(std::string_view target, std::string_view path) {
  return iequals(target.substr(0, target.find('?')), path);
}

HttpAnswer post_only(std::string_view service) {
  HttpAnswer answer =
      plain_answer(405, "405 Method Not Allowed: " + std::string(service) + " takes POST.\n");
  answer.headers.emplace_back("Allow", "POST");
  return answer;
}

}  // namespace

HttpAnswer unauthorized_answer(bool basic) {
  HttpAnswer answer = plain_answer(
      401, basic ? "401 Unauthorized: log in with Negotiate, NTLM or Basic as a lab account.\n"
                 : "401 Unauthorized: log in with Negotiate or NTLM as a lab account.\n");
  answer.headers.emplace_back("WWW-Authenticate", "Negotiate");
  answer.headers.emplace_back("WWW-Authenticate", "NTLM");
  if (basic) answer.headers.emplace_back("WWW-Authenticate", "Basic realm=\"lab\"");
  return answer;
}

bool parse_basic_authorization(std::string_view header, std::string& user, std::string& password) {
  size_t space = header.find(' ');
  if (space == std::string_view::npos || !iequals(header.substr(0, space), "Basic")) return false;
  std::string_view encoded = header.substr(space + 1);
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
  std::string decoded;
  if (!base64_decode(encoded, decoded)) return false;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user = decoded.substr(0, colon);
  password = decoded.substr(colon + 1);
  return true;
}

RequestHandler::RequestHandler(LabState& state, const FaultOptions& faults,
                               std::unique_ptr<WindowsAuth> auth)
    : state_(state),
      auth_(std::move(auth)),
      service_(state),
      faults_(faults),
      wsman_faults_(faults) {
  winrs_ = WinrsHost::create([this](const std::string& user, const std::string& command,
                                    const std::vector<std::string>& arguments,
                                    const std::string& stdin_data) {
    state_.refresh();
    return run_shell_command(state_, user, command, arguments, stdin_data);
  });
  psrp_ = PsrpHost::create([this](const std::string&,
                                  const std::vector<std::vector<PsCall>>& statements,
                                  const std::vector<PsValue>& input) {
    state_.refresh();
    return run_calls(state_, statements, input);
  });
}

RequestHandler::Login RequestHandler::log_in(std::string_view authorization,
                                             ConnectionLogin& login) {
  state_.refresh();
  const bool basic = auth_->options().basic;
  Login out;
  out.challenge = unauthorized_answer(basic);
  // A connection that logged in stays logged in (IIS: Persistent-Auth) until a new handshake.
  if (authorization.empty()) {
    if (login.name) out.account = state_.find_account(*login.name);
    return out;
  }
  LoginStep step = auth_->step(login, authorization);
  switch (step.outcome) {
    case LoginStep::Outcome::Continue:  // the next leg's token
    case LoginStep::Outcome::Refused:   // a KRB-ERROR, when Kerberos gave one
      if (!step.token.empty())
        out.challenge.headers = {{"WWW-Authenticate", step.scheme + " " + step.token}};
      return out;
    case LoginStep::Outcome::Authenticated:
      out.account = state_.find_account(step.name);
      if (!out.account) {
        login.name.reset();
        return out;
      }
      if (!step.token.empty())
        out.accepted.emplace_back("WWW-Authenticate", step.scheme + " " + step.token);
      out.accepted.emplace_back("Persistent-Auth", "true");
      return out;
    case LoginStep::Outcome::NotWindows:
      break;
  }
  std::string user, password;
  if (basic && parse_basic_authorization(authorization, user, password))
    out.account = state_.authenticate(user, password);
  return out;
}

Decision RequestHandler::handle_wsman(const std::string& account, std::string_view body,
                                      bool remote_powershell) {
  Decision decision;
  // WinRM answers an account without the rights to a remote shell as it answers a wrong
  // password: 401.
  if (!state_.may_manage(account)) {
    decision.answer = unauthorized_answer(auth_->options().basic);
    return decision;
  }
  switch (wsman_faults_.next()) {
    case FaultKind::Reset:
      counters_.faults.fetch_add(1, std::memory_order_relaxed);
      decision.action = Decision::Action::Reset;
      return decision;
    case FaultKind::Http503:
      counters_.faults.fetch_add(1, std::memory_order_relaxed);
      decision.answer = plain_answer(503, "503 Service Unavailable\n");
      decision.answer.headers.emplace_back("Retry-After", "1");
      return decision;
    default:
      break;  // EWS's faults (busy, internal error, stall) are EWS answers
  }
  const std::string user = state_.account_alias(account).value_or(account);
  WinrsReply reply = remote_powershell ? psrp_->handle(user, body) : winrs_->handle(user, body);
  counters_.management_requests.fetch_add(1, std::memory_order_relaxed);
  counters_.management_bytes_in.fetch_add(body.size(), std::memory_order_relaxed);
  counters_.management_bytes_out.fetch_add(reply.body.size(), std::memory_order_relaxed);
  decision.answer =
      HttpAnswer{reply.status, {{"Content-Type", reply.content_type}}, std::move(reply.body)};
  return decision;
}

Decision RequestHandler::handle(std::string_view method, std::string_view target,
                                std::string_view authorization, std::string_view body,
                                ConnectionLogin& login) {
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  Decision decision;
  const bool powershell = is_path(target, kPowerShellPath) || is_path(target, kPowerShellPathSlash);
  const bool wsman = powershell || is_path(target, kWsmanPath);
  if (!wsman && !is_path(target, kEwsPath)) {
    decision.answer = plain_answer(404,
                                   "404 Not Found: EWS is at /EWS/Exchange.asmx, remote PowerShell "
                                   "at /PowerShell/, WinRM at /wsman.\n");
    return decision;
  }
  // IIS authenticates before the application sees the request.
  Login logged_in = log_in(authorization, login);
  if (!logged_in.account) {
    decision.answer = std::move(logged_in.challenge);
    return decision;
  }
  if (method != "POST") {
    decision.answer = post_only(wsman ? "WS-Management" : "EWS");
    return decision;
  }
  decision = wsman ? handle_wsman(*logged_in.account, body, powershell)
                   : handle_ews(*logged_in.account, body);
  for (auto& header : logged_in.accepted) decision.answer.headers.push_back(std::move(header));
  return decision;
}

Decision RequestHandler::handle_ews(const std::string& account, std::string_view body) {
  Decision decision;
  decision.ticket = throttling_.admit(account, state_.throttling_for(account));
  if (decision.ticket.verdict != Throttling::Verdict::Admitted) {
    counters_.throttled.fetch_add(1, std::memory_order_relaxed);
    decision.answer = decision.ticket.verdict == Throttling::Verdict::OverBudget
                          ? server_busy_answer(decision.ticket.back_off.count())
                          : connection_count_answer();
    return decision;
  }

  const FaultOptions& options = faults_.options();
  decision.delay = options.latency;
  FaultKind fault = faults_.next();
  if (fault != FaultKind::None) counters_.faults.fetch_add(1, std::memory_order_relaxed);
  switch (fault) {
    case FaultKind::Reset:
      decision.action = Decision::Action::Reset;
      return decision;
    case FaultKind::Http503:
      decision.answer = plain_answer(503, "503 Service Unavailable\n");
      decision.answer.headers.emplace_back("Retry-After", "1");
      return decision;
    case FaultKind::Busy:
      decision.answer = server_busy_answer(options.busy_back_off.count());
      return decision;
    case FaultKind::Error:
      decision.answer = internal_error_answer();
      return decision;
    case FaultKind::Stall:
      decision.action = Decision::Action::Stall;
      break;
    case FaultKind::None:
      break;
  }
  decision.answer = service_.handle(account, body);
  return decision;
}

LabStats RequestHandler::stats() const {
  LabStats s;
  s.requests = counters_.requests.load();
  s.throttled = counters_.throttled.load();
  s.faults = counters_.faults.load();
  s.management_requests = counters_.management_requests.load();
  s.management_bytes_in = counters_.management_bytes_in.load();
  s.management_bytes_out = counters_.management_bytes_out.load();
  return s;
}

}  // namespace sd::lab
