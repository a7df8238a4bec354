// The host's side of WinRS (the lab): reading the client's requests, writing responses in the
// shapes of the captures (tests/data/winrs-captures).
#include <charconv>

#include "base/base64.h"
#include "protocol/soap.h"
#include "protocol/wsman.h"
#include "protocol/wsman_xml.h"

namespace sd::wsman {
namespace {

using detail::children;
using detail::text_of;
using soap::xml_escape;

void read_header(pugi::xml_node header, Request& request) {
  request.action = text_of(soap::child(header, kAddressingNs, "Action"));
  request.message_id = text_of(soap::child(header, kAddressingNs, "MessageID"));
  request.to = text_of(soap::child(header, kAddressingNs, "To"));
  request.resource_uri = text_of(soap::child(header, kWsmanNs, "ResourceURI"));
  if (pugi::xml_node timeout = soap::child(header, kWsmanNs, "OperationTimeout"))
    request.operation_timeout = parse_duration(text_of(timeout));
  if (pugi::xml_node size = soap::child(header, kWsmanNs, "MaxEnvelopeSize")) {
    const std::string text = text_of(size);
    size_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc{} && end == text.data() + text.size() && value > 0)
      request.max_envelope_size = value;
  }
  for (pugi::xml_node set : children(header, kWsmanNs, "OptionSet")) {
    for (pugi::xml_node option : children(set, kWsmanNs, "Option"))
      request.options.push_back({option.attribute("Name").value(), text_of(option),
                                 detail::is_true(option.attribute("MustComply").value())});
  }
  for (pugi::xml_node set : children(header, kWsmanNs, "SelectorSet")) {
    for (pugi::xml_node selector : children(set, kWsmanNs, "Selector"))
      if (std::string_view(selector.attribute("Name").value()) == "ShellId")
        request.shell_id = text_of(selector);
  }
}

Status read_shell(pugi::xml_node shell, Request& request) {
  ShellSettings& settings = request.shell;
  settings.input_streams = text_of(soap::child(shell, kShellNs, "InputStreams"));
  settings.output_streams = text_of(soap::child(shell, kShellNs, "OutputStreams"));
  for (pugi::xml_node environment : children(shell, kShellNs, "Environment"))
    for (pugi::xml_node variable : children(environment, kShellNs, "Variable"))
      settings.environment.emplace_back(variable.attribute("Name").value(), variable.child_value());
  settings.working_directory = text_of(soap::child(shell, kShellNs, "WorkingDirectory"));
  settings.name = text_of(soap::child(shell, kShellNs, "Name"));
  const auto seconds_of = [&](std::string_view element) -> std::optional<std::chrono::seconds> {
    pugi::xml_node node = soap::child(shell, kShellNs, element);
    if (!node) return std::nullopt;
    auto duration = parse_duration(text_of(node));
    if (!duration) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::seconds>(*duration);
  };
  settings.idle_timeout = seconds_of("IdleTimeOut");
  settings.shell_id = shell.attribute("ShellId").value();
  settings.creation_xml = text_of(soap::child(shell, kPowerShellNs, "creationXml"));
  if (std::optional<std::string> version = request.option("protocolversion"))
    settings.protocol_version = *version;
  settings.lifetime = seconds_of("Lifetime");
  if (std::optional<std::string> profile = request.option("WINRS_NOPROFILE"))
    settings.no_profile = detail::is_true(*profile);
  if (std::optional<std::string> codepage = request.option("WINRS_CODEPAGE")) {
    int value = 0;
    auto [end, error] =
        std::from_chars(codepage->data(), codepage->data() + codepage->size(), value);
    if (error != std::errc{} || end != codepage->data() + codepage->size())
      return make_error("WINRS_CODEPAGE is not a number");
    settings.codepage = value;
  }
  return ok_status();
}

Status read_body(pugi::xml_node operation, Request& request) {
  const std::string_view action = request.action;
  if (action == kActionCreate) {
    if (soap::namespace_of(operation) != kShellNs || soap::local_name(operation) != "Shell")
      return make_error("the Create request has no rsp:Shell");
    return read_shell(operation, request);
  }
  if (action == kActionCommand) {
    if (soap::local_name(operation) != "CommandLine")
      return make_error("the Command request has no rsp:CommandLine");
    request.command = text_of(soap::child(operation, kShellNs, "Command"));
    request.command_id = operation.attribute("CommandId").value();
    for (pugi::xml_node argument : children(operation, kShellNs, "Arguments"))
      request.arguments.push_back(argument.child_value());
    // PSRP's pipelines have no command line: the pipeline is in the arguments.
    if (request.command.empty() && request.command_id.empty())
      return make_error("the Command request has no rsp:Command");
    return ok_status();
  }
  if (action == kActionSend) {
    const pugi::xml_node stream = soap::child(operation, kShellNs, "Stream");
    if (soap::local_name(operation) != "Send" || !stream)
      return make_error("the Send request has no rsp:Stream");
    request.command_id = stream.attribute("CommandId").value();
    request.stream_name = stream.attribute("Name").value();
    request.stream_end = detail::is_true(stream.attribute("End").value());
    if (!base64_decode(text_of(stream), request.stream_bytes))
      return make_error("the Send stream is not base64");
    return ok_status();
  }
  if (action == kActionReceive) {
    const pugi::xml_node desired = soap::child(operation, kShellNs, "DesiredStream");
    if (soap::local_name(operation) != "Receive" || !desired)
      return make_error("the Receive request has no rsp:DesiredStream");
    request.command_id = desired.attribute("CommandId").value();
    request.desired_streams = text_of(desired);
    return ok_status();
  }
  if (action == kActionSignal) {
    if (soap::local_name(operation) != "Signal")
      return make_error("the Signal request has no rsp:Signal");
    request.command_id = operation.attribute("CommandId").value();
    request.signal_code = text_of(soap::child(operation, kShellNs, "Code"));
    return ok_status();
  }
  return ok_status();  // Delete has no body; other actions are the host's to refuse
}

std::string action_response(std::string_view action) {
  return std::string(action) + "Response";
}

}  // namespace

std::optional<std::string> Request::option(std::string_view name) const {
  for (const Option& entry : options)
    if (entry.name == name) return entry.value;
  return std::nullopt;
}

Result<Request> parse_request(std::string_view body) {
  Result<std::unique_ptr<soap::Envelope>> envelope = soap::parse_envelope_12(body);
  if (!envelope) {
    std::string message = envelope.errors().front().message;
    if (message.rfind("the response ", 0) == 0) message.replace(0, 13, "the request ");
    return make_error(message);
  }
  Request request;
  read_header((*envelope)->header, request);
  if (request.action.empty()) return make_error("the request has no wsa:Action");
  Status body_read = read_body((*envelope)->body, request);
  if (!body_read) return body_read.take_errors();
  return request;
}

std::string create_response(std::string_view relates_to, const CreatedShell& created) {
  const ShellSettings& shell = created.shell;
  const std::string id = xml_escape(created.shell_id);
  const std::string resource = xml_escape(created.resource_uri);
  std::string body = "<x:ResourceCreated><a:Address>" + xml_escape(created.address) +
                     "</a:Address><a:ReferenceParameters><w:ResourceURI>";
  body += resource;
  body += "</w:ResourceURI><w:SelectorSet><w:Selector Name=\"ShellId\">" + id +
          "</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>";
  body += "<rsp:Shell xmlns:rsp=\"";
  body += kShellNs;
  body += "\"><rsp:ShellId>" + id + "</rsp:ShellId><rsp:ResourceUri>";
  body += resource;
  body += "</rsp:ResourceUri><rsp:Owner>" + xml_escape(created.owner) + "</rsp:Owner>";
  if (!created.client_ip.empty())
    body += "<rsp:ClientIP>" + xml_escape(created.client_ip) + "</rsp:ClientIP>";
  if (!shell.environment.empty()) {
    body += "<rsp:Environment>";
    for (const auto& [name, value] : shell.environment)
      body += "<rsp:Variable Name=\"" + xml_escape(name) + "\">" + xml_escape(value) +
              "</rsp:Variable>";
    body += "</rsp:Environment>";
  }
  if (!shell.working_directory.empty())
    body +=
        "<rsp:WorkingDirectory>" + xml_escape(shell.working_directory) + "</rsp:WorkingDirectory>";
  const long long idle = shell.idle_timeout ? shell.idle_timeout->count() : 7200;
  body += "<rsp:IdleTimeOut>PT" + std::to_string(idle) + ".000S</rsp:IdleTimeOut>";
  body += "<rsp:InputStreams>" + xml_escape(shell.input_streams) + "</rsp:InputStreams>";
  body += "<rsp:OutputStreams>" + xml_escape(shell.output_streams) + "</rsp:OutputStreams>";
  body +=
      "<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime>"
      "<rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>";
  return detail::response_envelope(action_response(kActionCreate), relates_to, body);
}

std::string command_response(std::string_view relates_to, std::string_view command_id) {
  return detail::response_envelope(action_response(kActionCommand), relates_to,
                                   "<rsp:CommandResponse><rsp:CommandId>" + xml_escape(command_id) +
                                       "</rsp:CommandId></rsp:CommandResponse>");
}

std::string send_response(std::string_view relates_to) {
  return detail::response_envelope(action_response(kActionSend), relates_to, "<rsp:SendResponse/>");
}

std::string signal_response(std::string_view relates_to) {
  return detail::response_envelope(action_response(kActionSignal), relates_to,
                                   "<rsp:SignalResponse/>");
}

std::string delete_response(std::string_view relates_to) {
  return detail::response_envelope(action_response(kActionDelete), relates_to, {});
}

std::string receive_response(std::string_view relates_to, std::string_view command_id,
                             const std::vector<StreamChunk>& streams,
                             std::optional<int64_t> exit_code) {
  const std::string id = xml_escape(command_id);
  std::string body = "<rsp:ReceiveResponse>";
  for (const StreamChunk& stream : streams) {
    body += "<rsp:Stream Name=\"" + xml_escape(stream.name) + "\"";
    if (!id.empty()) body += " CommandId=\"" + id + "\"";
    body += std::string(stream.end ? " End=\"true\"" : "") + ">" + base64_encode(stream.bytes) +
            "</rsp:Stream>";
  }
  if (id.empty()) {  // the shell's own output (PSRP's pool messages): no command state
    body += "</rsp:ReceiveResponse>";
    return detail::response_envelope(action_response(kActionReceive), relates_to, body);
  }
  body += "<rsp:CommandState CommandId=\"" + id + "\" State=\"";
  body += exit_code ? kStateDone : kStateRunning;
  body += "\">";
  if (exit_code) body += "<rsp:ExitCode>" + std::to_string(*exit_code) + "</rsp:ExitCode>";
  body += "</rsp:CommandState></rsp:ReceiveResponse>";
  return detail::response_envelope(action_response(kActionReceive), relates_to, body);
}

size_t receive_response_overhead(std::string_view relates_to, std::string_view command_id,
                                 size_t streams) {
  // The longest exit code, and streams with End and no data.
  const std::vector<StreamChunk> empty(streams, StreamChunk{"stdout", {}, true});
  return receive_response(relates_to, command_id, empty, INT64_MIN).size();
}

}  // namespace sd::wsman
