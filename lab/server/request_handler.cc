#include "lab/server/request_handler.h"

#include "base/text_checks.h"
#include "lab/server/powershell_host.h"
#include "lab/state/mailbox_folders.h"
#include "protocol/wsman_encryption.h"

namespace sd::lab {
namespace {

HttpAnswer plain_answer(int status, std::string_view text) {
  return HttpAnswer{status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::string(text)};
}

// IIS (and WinRM's listener) compare paths without case.
bool is_path(std::string_view target, std::string_view path) {
  return iequals(target.substr(0, target.find('?')), path);
}

// WinRM with AllowUnencrypted false (its default, and Exchange's) answers a message that is not
// sealed, over plain HTTP, with a 401.
HttpAnswer unencrypted_answer() {
  HttpAnswer answer = unauthorized_answer(false);
  answer.body =
      "401 Unauthorized: over http, WS-Management takes only messages sealed with the "
      "connection's Kerberos or NTLM context (multipart/encrypted).\n";
  return answer;
}

// The seal faults' own seed: the same --seed gives them a sequence unlike the others'.
FaultOptions seal_fault_options(FaultOptions faults) {
  faults.seed ^= 0x5ea15ea15ea15ea1ull;
  return faults;
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
                               std::unique_ptr<WindowsAuth> auth, size_t max_request_bytes,
                               LabLog log)
    : state_(state),
      auth_(std::move(auth)),
      max_request_bytes_(max_request_bytes),
      log_(std::move(log)),
      service_(state),
      faults_(faults),
      wsman_faults_(faults),
      seal_faults_(seal_fault_options(faults)) {
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

RequestHandler::Login RequestHandler::log_in(std::string_view authorization, ConnectionLogin& login,
                                             bool tls) {
  state_.refresh();
  // Basic would send the password in the clear over plain HTTP: never offered nor taken there.
  const bool basic = auth_->options().basic && tls;
  Login out;
  out.challenge = unauthorized_answer(basic);
  // A connection that logged in stays logged in (IIS: Persistent-Auth) until a new handshake.
  if (authorization.empty()) {
    if (login.name) out.account = state_.find_account(*login.name);
    return out;
  }
  LoginStep step = auth_->step(login, authorization, tls);
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

Decision RequestHandler::handle_management(const std::string& account, const HttpRequest& request,
                                           ConnectionLogin& login, bool remote_powershell) {
  Decision decision;
  const bool offer_basic = auth_->options().basic && request.tls;
  if (!wsman::is_encrypted_content_type(request.content_type)) {
    if (request.tls)
      return handle_wsman(account, request.body, request.body.size(), remote_powershell,
                          offer_basic, nullptr);
    // pywinrm and our client finish the handshake with an empty POST before sealing anything.
    decision.answer = request.body.empty() ? HttpAnswer{200, {}, ""} : unencrypted_answer();
    return decision;
  }
  Result<std::string> soap = unseal(request, login);
  if (!soap.ok()) {
    // The context's sequence is broken: the connection must log in again.
    login.log_out();
    const std::string why = soap.errors().front().message;
    if (log_) log_("lab: " + std::string(request.target) + ": refused a sealed message: " + why);
    decision.answer =
        plain_answer(400, "400 Bad Request: the encrypted message cannot be read: " + why + "\n");
    return decision;
  }
  return handle_wsman(account, *soap, request.body.size(), remote_powershell, offer_basic, &login);
}

Result<std::string> RequestHandler::unseal(const HttpRequest& request, ConnectionLogin& login) {
  Result<std::vector<wsman::SealedPart>> parts =
      wsman::parse_encrypted_body(request.content_type, request.body, max_request_bytes_);
  if (!parts.ok()) return parts.take_errors();
  std::string soap;
  for (size_t i = 0; i < parts->size(); ++i) {
    Result<std::string> plain = login.unseal((*parts)[i]);
    if (!plain.ok())
      return make_error((parts->size() > 1 ? "part " + std::to_string(i + 1) + ": " : "") +
                        plain.errors().front().message);
    soap += *plain;
  }
  return soap;
}

HttpAnswer RequestHandler::seal(HttpAnswer answer, ConnectionLogin& login) {
  Result<wsman::SealedPart> part = login.seal(answer.body);
  if (!part.ok()) {
    login.log_out();
    const std::string why = part.errors().front().message;
    if (log_) log_("lab: cannot seal an answer: " + why);
    return plain_answer(500, "500 Internal Server Error: " + why + "\n");
  }
  const FaultOptions& options = seal_faults_.options();
  if (seal_faults_.chance(options.corrupt_seal_rate) && !part->data.empty()) {
    counters_.faults.fetch_add(1, std::memory_order_relaxed);
    part->data[part->data.size() / 2] ^= 0x20;
  }
  answer.headers = {{"Content-Type", wsman::encrypted_content_type(1)}};
  answer.body = wsman::encrypted_body({*part});
  return answer;
}

Decision RequestHandler::handle_wsman(const std::string& account, std::string_view body,
                                      size_t wire_in, bool remote_powershell, bool offer_basic,
                                      ConnectionLogin* sealing) {
  Decision decision;
  // WinRM answers an account without the rights to a remote shell as it answers a wrong
  // password: 401.
  if (!state_.may_manage(account)) {
    decision.answer = unauthorized_answer(offer_basic);
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
  decision.answer =
      HttpAnswer{reply.status, {{"Content-Type", reply.content_type}}, std::move(reply.body)};
  // Faults (500) are sealed too: everything WinRM says in SOAP over http is.
  if (sealing) decision.answer = seal(std::move(decision.answer), *sealing);
  // The bytes on the wire, sealed or not.
  counters_.management_requests.fetch_add(1, std::memory_order_relaxed);
  counters_.management_bytes_in.fetch_add(wire_in, std::memory_order_relaxed);
  counters_.management_bytes_out.fetch_add(decision.answer.body.size(), std::memory_order_relaxed);
  return decision;
}

Decision RequestHandler::handle(const HttpRequest& request, ConnectionLogin& login) {
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  Decision decision;
  const std::string_view target = request.target;
  const bool powershell = is_path(target, kPowerShellPath) || is_path(target, kPowerShellPathSlash);
  const bool wsman = powershell || is_path(target, kWsmanPath);
  if (!wsman && !is_path(target, kEwsPath)) {
    decision.answer = plain_answer(404,
                                   "404 Not Found: EWS is at /EWS/Exchange.asmx, remote PowerShell "
                                   "at /PowerShell/, WinRM at /wsman.\n");
    return decision;
  }
  // IIS checks "Require SSL" before it authenticates: 403.4.
  if (!wsman && !request.tls) {
    decision.answer = plain_answer(403, "403.4 SSL required: EWS is served over https only.\n");
    return decision;
  }
  // IIS authenticates before the application sees the request.
  Login logged_in = log_in(request.authorization, login, request.tls);
  if (!logged_in.account) {
    decision.answer = std::move(logged_in.challenge);
    return decision;
  }
  if (request.method != "POST") {
    decision.answer = post_only(wsman ? "WS-Management" : "EWS");
    return decision;
  }
  decision = wsman ? handle_management(*logged_in.account, request, login, powershell)
                   : handle_ews(*logged_in.account, request.body);
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
