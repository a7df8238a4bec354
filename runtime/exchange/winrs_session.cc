#include "runtime/exchange/winrs_session.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <variant>

#include "base/clock.h"
#include "runtime/exchange/sign_in.h"

namespace sd {
namespace {

constexpr std::string_view kMutualProfile =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual";
// Room for a Send's envelope around its base64 (headers, ids), with a wide margin.
constexpr size_t kEnvelopeRoom = 4096;

// "32 MiB", or bytes when not a whole number of MiB.
std::string size_text(size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

std::shared_ptr<http::Authenticator> wsman_certificate_credentials() {
  return http::Authenticator::fixed(std::string(kMutualProfile), "the client certificate");
}

Result<std::unique_ptr<WinrsSession>> WinrsSession::open(const WinrsOptions& options) {
  const std::string where = "WinRM " + options.url + ": ";
  // http:// carries every body sealed by the Kerberos or NTLM login (message encryption), as
  // Exchange's /PowerShell on port 80 expects; Basic and certificates need https.
  Result<http::HttpsUrl> url = http::parse_http_url(options.url);
  if (!url) return make_error(where + url.errors().front().message);
  if (!url->tls && (options.auth == AuthMethod::Basic || options.auth == AuthMethod::Certificate))
    return make_error(where + "auth " + std::string(to_string(options.auth)) +
                      " needs https: over http only Kerberos, NTLM and Negotiate, whose message "
                      "encryption seals every body, are used");
  std::shared_ptr<http::Authenticator> credentials;
  http::ClientOptions client_options;
  if (options.auth != AuthMethod::Certificate) {
    http::AuthSettings settings;
    settings.method = http_auth_method(options.auth);
    if (options.auth == AuthMethod::Basic && options.user.empty())
      return make_error(where + "Basic authentication needs a user");
    settings.user = options.user;
    settings.password = options.password;
    settings.keytab = options.keytab;
    settings.spn = options.spn;
    settings.seal_messages = !url->tls;
    credentials = http::Authenticator::create(std::move(settings), url->host);
  } else {
    if (options.certificate.certificate_file.empty() || options.certificate.key_file.empty())
      return make_error(where + "certificate authentication needs a certificate and a key file");
    client_options.client_certificate = options.certificate;
    credentials = wsman_certificate_credentials();
  }
  if (options.operation_timeout.count() <= 0)
    return make_error(where + "the operation timeout must be at least 1 s");
  if (options.max_envelope_size < 2 * kEnvelopeRoom)
    return make_error(where + "the envelope size must be at least " +
                      std::to_string(2 * kEnvelopeRoom) + " bytes");
  client_options.ca_file = options.ca_file;
  client_options.connect_to = options.connect_to;
  client_options.connect_timeout = options.connect_timeout;
  // A Receive may rightly take the whole operation timeout before the host answers.
  client_options.read_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(options.operation_timeout) +
      std::chrono::seconds(30);
  auto client = http::HttpsClient::create(*url, std::move(client_options), std::move(credentials));
  if (!client) return make_error(where + client.errors().front().message);
  return std::unique_ptr<WinrsSession>(new WinrsSession(std::move(client).value(), options));
}

WinrsSession::WinrsSession(std::unique_ptr<http::HttpsClient> client, WinrsOptions options)
    : client_(std::move(client)), options_(std::move(options)) {
  endpoint_ = client_->endpoint().text();
}

WinrsSession::~WinrsSession() = default;

std::vector<Error> WinrsSession::named(std::vector<Error> errors) const {
  for (Error& error : errors) error.message = "WinRM " + endpoint_ + ": " + error.message;
  return errors;
}

wsman::Addressing WinrsSession::addressing() const {
  wsman::Addressing addressing;
  addressing.to = endpoint_;
  addressing.operation_timeout = options_.operation_timeout;
  addressing.resource_uri = options_.resource_uri;
  addressing.max_envelope_size = options_.max_envelope_size;
  return addressing;
}

size_t WinrsSession::max_send_bytes() const {
  return (options_.max_envelope_size - kEnvelopeRoom) / 4 * 3;
}

Result<std::string> WinrsSession::post(std::string body) {
  ++requests_;
  http::Request request;
  request.headers = {{"Content-Type", "application/soap+xml;charset=UTF-8"}};
  request.body = std::move(body);
  std::variant<http::Response, http::TransportError> outcome = client_->send(std::move(request));
  if (auto* error = std::get_if<http::TransportError>(&outcome)) return make_error(error->message);
  http::Response& response = std::get<http::Response>(outcome);
  if (response.status == 401) {
    if (options_.auth != AuthMethod::Certificate)
      return make_error(
          "the credentials for " +
          (options_.user.empty() ? std::string("the cached Kerberos principal") : options_.user) +
          " were refused (HTTP 401)");
    return make_error("the client certificate " + options_.certificate.certificate_file +
                      " was refused (HTTP 401)");
  }
  if (response.status == 500 && !wsman::read_fault(response.body))
    return make_error("HTTP 500 without a WS-Management fault");
  if (response.status != 200 && response.status != 500)
    return make_error("unexpected HTTP " + std::to_string(response.status));
  return std::move(response.body);
}

Result<std::string> WinrsSession::create_shell(const wsman::ShellSettings& shell) {
  Result<std::string> body = post(wsman::create_request(addressing(), shell));
  if (!body) return named(body.take_errors());
  Result<std::string> shell_id = wsman::parse_create_response(*body);
  if (!shell_id) return named(shell_id.take_errors());
  return shell_id;
}

Result<std::string> WinrsSession::run_command(const std::string& shell_id,
                                              const std::string& command,
                                              const std::vector<std::string>& arguments,
                                              const wsman::CommandFlags& flags) {
  Result<std::string> body =
      post(wsman::command_request(addressing(), shell_id, command, arguments, flags));
  if (!body) return named(body.take_errors());
  Result<std::string> command_id = wsman::parse_command_response(*body);
  if (!command_id) return named(command_id.take_errors());
  return command_id;
}

Status WinrsSession::send_input(const std::string& shell_id, const std::string& command_id,
                                std::string_view bytes, bool end) {
  Result<std::string> body =
      post(wsman::send_request(addressing(), shell_id, command_id, bytes, end));
  if (!body) return named(body.take_errors());
  Status parsed = wsman::parse_empty_response(*body, "Send");
  if (!parsed) return named(parsed.take_errors());
  return ok_status();
}

Result<wsman::ReceiveOutput> WinrsSession::receive(const std::string& shell_id,
                                                   const std::string& command_id,
                                                   std::string_view streams) {
  Result<std::string> body =
      post(wsman::receive_request(addressing(), shell_id, command_id, streams));
  if (!body) return named(body.take_errors());
  Result<wsman::ReceiveOutput> output = wsman::parse_receive_response(*body, command_id);
  if (!output) return named(output.take_errors());
  if (output->timed_out) ++operation_timeouts_;
  return output;
}

Result<CommandOutput> WinrsSession::receive_until_done(const std::string& shell_id,
                                                       const std::string& command_id) {
  using SteadyClock = std::chrono::steady_clock;
  const auto deadline = SteadyClock::now() + options_.command_timeout;
  auto terminated = [&](std::string why) -> Result<CommandOutput> {
    (void)signal(shell_id, command_id, wsman::kSignalTerminate);  // best effort
    return named({make_error(std::move(why) + "; it was terminated")});
  };
  CommandOutput result;
  ReceivePace pace;
  for (;;) {
    if (SteadyClock::now() >= deadline)
      return terminated("the command did not finish within " +
                        readable_duration(options_.command_timeout));
    Result<wsman::ReceiveOutput> output =
        receive_paced(shell_id, command_id, "stdout stderr", pace, deadline);
    if (!output) return output.take_errors();
    // What came so far is within the limit: the subtraction cannot wrap.
    const size_t so_far = result.stdout_text.size() + result.stderr_text.size();
    if (output->stdout_bytes.size() + output->stderr_bytes.size() >
        options_.max_output_bytes - so_far)
      return terminated("the command's output passed " + size_text(options_.max_output_bytes) +
                        ", the most one command may return");
    result.stdout_text += output->stdout_bytes;
    result.stderr_text += output->stderr_bytes;
    if (output->done) {
      result.exit_code = *output->exit_code;
      return result;
    }
  }
}

Result<wsman::ReceiveOutput> WinrsSession::receive_paced(
    const std::string& shell_id, const std::string& command_id, std::string_view streams,
    ReceivePace& pace, std::chrono::steady_clock::time_point deadline) {
  using SteadyClock = std::chrono::steady_clock;
  if (pace.pause.count() == 0) pace.pause = options_.empty_receive_pause;
  const auto asked = SteadyClock::now();
  Result<wsman::ReceiveOutput> output = receive(shell_id, command_id, streams);
  if (!output) return output;
  // The operation-timeout fault counts as "nothing yet" only when the host held the Receive for
  // a good part of the operation timeout; at once, it is an empty answer like any other.
  const bool answered_early =
      !output->timed_out || SteadyClock::now() - asked < options_.operation_timeout / 2;
  const bool nothing_new =
      output->stdout_bytes.empty() && output->stderr_bytes.empty() && !output->done;
  if (answered_early && nothing_new) {
    ++empty_receives_;
    const auto left = deadline - SteadyClock::now();
    if (left > SteadyClock::duration::zero())
      std::this_thread::sleep_for(std::min<SteadyClock::duration>(pace.pause, left));
    pace.pause = std::min(pace.pause * 2, options_.max_empty_receive_pause);
  } else {
    pace.pause = options_.empty_receive_pause;
  }
  return output;
}

Status WinrsSession::signal(const std::string& shell_id, const std::string& command_id,
                            std::string_view code) {
  Result<std::string> body = post(wsman::signal_request(addressing(), shell_id, command_id, code));
  if (!body) return named(body.take_errors());
  Status parsed = wsman::parse_empty_response(*body, "Signal");
  if (!parsed) return named(parsed.take_errors());
  return ok_status();
}

Status WinrsSession::delete_shell(const std::string& shell_id) {
  Result<std::string> body = post(wsman::delete_request(addressing(), shell_id));
  if (!body) return named(body.take_errors());
  Status parsed = wsman::parse_empty_response(*body, "Delete");
  if (!parsed) return named(parsed.take_errors());
  return ok_status();
}

}  // namespace sd
