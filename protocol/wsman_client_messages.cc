// The client's side of WinRS: requests in the shape pypsrp and pywinrm send (the captures'
// requests), and the reading of a Windows host's responses.
#include <charconv>

#include "base/base64.h"
#include "protocol/soap.h"
#include "protocol/wsman.h"
#include "protocol/wsman_xml.h"

namespace sd::wsman {
namespace {

using soap::xml_escape;

std::string request_envelope(const Addressing& addressing, std::string_view action,
                             std::string_view shell_id, const std::vector<Option>& options,
                             std::string_view body_xml) {
  const std::string locale = xml_escape(addressing.locale);
  std::string out;
  out.reserve(body_xml.size() + 1600);
  out += "<s:Envelope xmlns:s=\"";
  out += soap::kEnvelope12Ns;
  out += "\" xmlns:wsa=\"";
  out += kAddressingNs;
  out += "\" xmlns:wsman=\"";
  out += kWsmanNs;
  out += "\" xmlns:wsmv=\"";
  out += kWsmvNs;
  out += "\" xmlns:rsp=\"";
  out += kShellNs;
  out += "\"><s:Header><wsa:Action s:mustUnderstand=\"true\">";
  out += action;
  out += "</wsa:Action><wsmv:DataLocale s:mustUnderstand=\"false\" xml:lang=\"" + locale +
         "\"/><wsman:Locale s:mustUnderstand=\"false\" xml:lang=\"" + locale +
         "\"/><wsman:MaxEnvelopeSize s:mustUnderstand=\"true\">" +
         std::to_string(addressing.max_envelope_size) + "</wsman:MaxEnvelopeSize><wsa:MessageID>";
  out += addressing.message_id.empty() ? "uuid:" + new_uuid() : xml_escape(addressing.message_id);
  out += "</wsa:MessageID><wsman:OperationTimeout>" + duration_text(addressing.operation_timeout) +
         "</wsman:OperationTimeout><wsa:ReplyTo><wsa:Address s:mustUnderstand=\"true\">";
  out += kAnonymous;
  out += "</wsa:Address></wsa:ReplyTo><wsman:ResourceURI s:mustUnderstand=\"true\">";
  out += xml_escape(addressing.resource_uri);
  out += "</wsman:ResourceURI><wsa:To>" + xml_escape(addressing.to) + "</wsa:To>";
  if (!options.empty()) {
    out += "<wsman:OptionSet s:mustUnderstand=\"true\">";
    for (const Option& option : options) {
      out += "<wsman:Option Name=\"" + xml_escape(option.name) + "\"";
      if (option.must_comply) out += " MustComply=\"true\"";
      out += ">" + xml_escape(option.value) + "</wsman:Option>";
    }
    out += "</wsman:OptionSet>";
  }
  if (!shell_id.empty()) {
    out += "<wsman:SelectorSet><wsman:Selector Name=\"ShellId\">" + xml_escape(shell_id) +
           "</wsman:Selector></wsman:SelectorSet>";
  }
  out += "</s:Header>";
  out += body_xml.empty() ? "<s:Body/>" : "<s:Body>" + std::string(body_xml) + "</s:Body>";
  out += "</s:Envelope>";
  return out;
}

const char* true_false(bool value) {
  return value ? "True" : "False";
}

// The parsed response, or why it cannot be read: a fault (described), not XML, not SOAP 1.2.
Result<std::unique_ptr<soap::Envelope>> open_response(std::string_view body,
                                                      std::string_view operation) {
  Result<std::unique_ptr<soap::Envelope>> envelope = soap::parse_envelope_12(body);
  if (!envelope) {
    std::string message = envelope.errors().front().message;
    if (message.rfind("the response ", 0) == 0) message.erase(0, 13);
    return make_error("the " + std::string(operation) + " response " + message);
  }
  if (std::optional<Fault> fault = detail::fault_in((*envelope)->body))
    return make_error(describe(*fault));
  return envelope;
}

}  // namespace

std::string create_request(const Addressing& addressing, const ShellSettings& shell) {
  std::vector<Option> options;
  if (shell.no_profile) options.push_back({"WINRS_NOPROFILE", "TRUE", true});
  if (shell.codepage) options.push_back({"WINRS_CODEPAGE", std::to_string(*shell.codepage), false});
  if (!shell.protocol_version.empty())
    options.push_back({"protocolversion", shell.protocol_version, true});
  std::string body = "<rsp:Shell";
  if (!shell.shell_id.empty()) body += " ShellId=\"" + xml_escape(shell.shell_id) + "\"";
  body += "><rsp:InputStreams>" + xml_escape(shell.input_streams) +
          "</rsp:InputStreams><rsp:OutputStreams>" + xml_escape(shell.output_streams) +
          "</rsp:OutputStreams>";
  if (!shell.environment.empty()) {
    body += "<rsp:Environment>";
    for (const auto& [name, value] : shell.environment)
      body += "<rsp:Variable Name=\"" + xml_escape(name) + "\">" + xml_escape(value) +
              "</rsp:Variable>";
    body += "</rsp:Environment>";
  }
  if (shell.idle_timeout)
    body += "<rsp:IdleTimeOut>" + duration_text(*shell.idle_timeout) + "</rsp:IdleTimeOut>";
  if (shell.lifetime) body += "<rsp:Lifetime>" + duration_text(*shell.lifetime) + "</rsp:Lifetime>";
  if (!shell.name.empty()) body += "<rsp:Name>" + xml_escape(shell.name) + "</rsp:Name>";
  if (!shell.working_directory.empty())
    body +=
        "<rsp:WorkingDirectory>" + xml_escape(shell.working_directory) + "</rsp:WorkingDirectory>";
  if (!shell.creation_xml.empty())
    body += "<creationXml xmlns=\"" + std::string(kPowerShellNs) + "\">" +
            xml_escape(shell.creation_xml) + "</creationXml>";
  body += "</rsp:Shell>";
  return request_envelope(addressing, kActionCreate, {}, options, body);
}

std::string command_request(const Addressing& addressing, std::string_view shell_id,
                            std::string_view command, const std::vector<std::string>& arguments,
                            const CommandFlags& flags) {
  std::vector<Option> options{{"WINRS_SKIP_CMD_SHELL", true_false(flags.skip_cmd_shell), false}};
  if (flags.consolemode_stdin)
    options.push_back({"WINRS_CONSOLEMODE_STDIN", true_false(*flags.consolemode_stdin), false});
  std::string body = "<rsp:CommandLine";
  if (!flags.command_id.empty()) body += " CommandId=\"" + xml_escape(flags.command_id) + "\"";
  body += "><rsp:Command>" + xml_escape(command) + "</rsp:Command>";
  for (const std::string& argument : arguments)
    body += "<rsp:Arguments>" + xml_escape(argument) + "</rsp:Arguments>";
  body += "</rsp:CommandLine>";
  return request_envelope(addressing, kActionCommand, shell_id, options, body);
}

std::string send_request(const Addressing& addressing, std::string_view shell_id,
                         std::string_view command_id, std::string_view bytes, bool end) {
  std::string body = "<rsp:Send><rsp:Stream Name=\"stdin\"";
  if (!command_id.empty()) body += " CommandId=\"" + xml_escape(command_id) + "\"";
  body += std::string(end ? " End=\"true\"" : "") + ">" + base64_encode(bytes) +
          "</rsp:Stream></rsp:Send>";
  return request_envelope(addressing, kActionSend, shell_id, {}, body);
}

std::string receive_request(const Addressing& addressing, std::string_view shell_id,
                            std::string_view command_id, std::string_view streams) {
  std::string body = "<rsp:Receive><rsp:DesiredStream";
  if (!command_id.empty()) body += " CommandId=\"" + xml_escape(command_id) + "\"";
  body += ">" + xml_escape(streams) + "</rsp:DesiredStream></rsp:Receive>";
  return request_envelope(addressing, kActionReceive, shell_id,
                          {{"WSMAN_CMDSHELL_OPTION_KEEPALIVE", "True", false}}, body);
}

std::string signal_request(const Addressing& addressing, std::string_view shell_id,
                           std::string_view command_id, std::string_view code) {
  std::string body = "<rsp:Signal CommandId=\"" + xml_escape(command_id) + "\"><rsp:Code>" +
                     xml_escape(code) + "</rsp:Code></rsp:Signal>";
  return request_envelope(addressing, kActionSignal, shell_id, {}, body);
}

std::string delete_request(const Addressing& addressing, std::string_view shell_id) {
  return request_envelope(addressing, kActionDelete, shell_id, {}, {});
}

Result<std::string> parse_create_response(std::string_view body) {
  auto envelope = open_response(body, "Create");
  if (!envelope) return envelope.take_errors();
  const pugi::xml_node root = (*envelope)->doc.document_element();
  const pugi::xml_node soap_body = soap::child(root, soap::kEnvelope12Ns, "Body");
  // Windows answers with x:ResourceCreated (a selector) and rsp:Shell (rsp:ShellId); either will
  // do.
  for (pugi::xml_node created : detail::children(soap_body, kTransferNs, "ResourceCreated")) {
    const pugi::xml_node parameters = soap::child(created, kAddressingNs, "ReferenceParameters");
    const pugi::xml_node selectors = soap::child(parameters, kWsmanNs, "SelectorSet");
    for (pugi::xml_node selector : detail::children(selectors, kWsmanNs, "Selector")) {
      if (std::string_view(selector.attribute("Name").value()) == "ShellId") {
        std::string id = detail::text_of(selector);
        if (!id.empty()) return id;
      }
    }
  }
  for (pugi::xml_node shell : detail::children(soap_body, kShellNs, "Shell")) {
    std::string id = detail::text_of(soap::child(shell, kShellNs, "ShellId"));
    if (!id.empty()) return id;
  }
  return make_error("the Create response has no ShellId");
}

Result<std::string> parse_command_response(std::string_view body) {
  auto envelope = open_response(body, "Command");
  if (!envelope) return envelope.take_errors();
  const pugi::xml_node response = (*envelope)->body;
  if (soap::namespace_of(response) != kShellNs || soap::local_name(response) != "CommandResponse")
    return make_error("the Command response has no rsp:CommandResponse");
  std::string id = detail::text_of(soap::child(response, kShellNs, "CommandId"));
  if (id.empty()) return make_error("the Command response has no CommandId");
  return id;
}

Status parse_empty_response(std::string_view body, std::string_view operation) {
  auto envelope = open_response(body, operation);
  if (!envelope) return envelope.take_errors();
  return ok_status();
}

Result<ReceiveOutput> parse_receive_response(std::string_view body, std::string_view command_id) {
  if (std::optional<Fault> fault = read_fault(body);
      fault && fault->wsman_code == kFaultOperationTimeout) {
    ReceiveOutput output;
    output.timed_out = true;
    return output;
  }
  auto envelope = open_response(body, "Receive");
  if (!envelope) return envelope.take_errors();
  const pugi::xml_node response = (*envelope)->body;
  if (soap::namespace_of(response) != kShellNs || soap::local_name(response) != "ReceiveResponse")
    return make_error("the Receive response has no rsp:ReceiveResponse");
  ReceiveOutput output;
  for (pugi::xml_node stream : detail::children(response, kShellNs, "Stream")) {
    const std::string_view name = stream.attribute("Name").value();
    const std::string_view id = stream.attribute("CommandId").value();
    if (!command_id.empty() && !id.empty() && id != command_id)
      return make_error("the Receive response has output of another command (" + std::string(id) +
                        ")");
    std::string bytes;
    if (!base64_decode(detail::text_of(stream), bytes))
      return make_error("the Receive response's " + std::string(name) + " stream is not base64");
    const bool end = detail::is_true(stream.attribute("End").value());
    if (name == "stdout") {
      output.stdout_bytes += bytes;
      output.stdout_ended = output.stdout_ended || end;
    } else if (name == "stderr") {
      output.stderr_bytes += bytes;
      output.stderr_ended = output.stderr_ended || end;
    }
  }
  if (pugi::xml_node state = soap::child(response, kShellNs, "CommandState")) {
    output.done = std::string_view(state.attribute("State").value()) == kStateDone;
    if (pugi::xml_node exit_code = soap::child(state, kShellNs, "ExitCode")) {
      const std::string text = detail::text_of(exit_code);
      int64_t value = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || error != std::errc{} || end != text.data() + text.size())
        return make_error("the Receive response's ExitCode is not a number: \"" +
                          text.substr(0, 40) + "\"");
      output.exit_code = value;
    }
    if (output.done && !output.exit_code)
      return make_error("the Receive response says Done without an ExitCode");
  }
  return output;
}

}  // namespace sd::wsman
