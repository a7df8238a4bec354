// WS-Management messages: what the client builds is what the host reads, and malformed
// responses give clear errors, never a crash. CLIXML stderr decoding.
#include "protocol/wsman.h"

#include <catch2/catch.hpp>

#include "protocol/clixml.h"
#include "runtime/exchange/winrs_client.h"

namespace sd::wsman {

namespace {

std::string error_of(const Result<std::string>& result) {
  REQUIRE_FALSE(result.ok());
  return result.errors().front().message;
}

std::string receive_error(std::string_view body) {
  Result<ReceiveOutput> output = parse_receive_response(body, "C1");
  REQUIRE_FALSE(output.ok());
  return output.errors().front().message;
}

std::string receive_with(std::string_view inner) {
  return "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
         "xmlns:rsp=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell\"><s:Body>"
         "<rsp:ReceiveResponse>" +
         std::string(inner) + "</rsp:ReceiveResponse></s:Body></s:Envelope>";
}

}  // namespace

TEST_CASE("wsman: the client's requests read back as the host reads them", "[wsman]") {
  Addressing addressing;
  addressing.to = "https://exch01.example.local:5986/wsman";
  addressing.operation_timeout = std::chrono::seconds(10);
  ShellSettings shell;
  shell.no_profile = true;
  shell.codepage = 65001;
  shell.environment = {{"A<&>\"", "x & y"}};
  shell.working_directory = "C:\\Temp";
  Result<Request> create = parse_request(create_request(addressing, shell));
  REQUIRE(create.ok());
  CHECK(create->action == kActionCreate);
  CHECK(create->resource_uri == kCmdResourceUri);
  CHECK(create->to == addressing.to);
  CHECK(create->message_id.rfind("uuid:", 0) == 0);
  CHECK(create->operation_timeout == std::chrono::milliseconds(10'000));
  CHECK(create->max_envelope_size == 153600);
  CHECK(create->options ==
        std::vector<Option>{{"WINRS_NOPROFILE", "TRUE", true}, {"WINRS_CODEPAGE", "65001", false}});
  CHECK(create->shell.no_profile);
  CHECK(create->shell.codepage == 65001);
  CHECK(create->shell.environment == shell.environment);
  CHECK(create->shell.working_directory == "C:\\Temp");

  CommandFlags flags;
  flags.consolemode_stdin = true;
  Result<Request> command = parse_request(
      command_request(addressing, "S1", "powershell", {"-Command", "-", "a <b>"}, flags));
  REQUIRE(command.ok());
  CHECK(command->shell_id == "S1");
  CHECK(command->command == "powershell");
  CHECK(command->arguments == std::vector<std::string>{"-Command", "-", "a <b>"});
  CHECK(command->option("WINRS_CONSOLEMODE_STDIN") == "True");
  CHECK(command->option("WINRS_SKIP_CMD_SHELL") == "False");

  Result<Request> send =
      parse_request(send_request(addressing, "S1", "C1", std::string("\x00\xFF\r\n", 4), true));
  REQUIRE(send.ok());
  CHECK(send->stream_bytes == std::string("\x00\xFF\r\n", 4));
  CHECK(send->stream_end);
  CHECK(send->command_id == "C1");

  Result<Request> signal = parse_request(signal_request(addressing, "S1", "C1", kSignalTerminate));
  REQUIRE(signal.ok());
  CHECK(signal->signal_code == kSignalTerminate);
  Result<Request> removal = parse_request(delete_request(addressing, "S1"));
  REQUIRE(removal.ok());
  CHECK(removal->action == kActionDelete);
}

TEST_CASE("wsman: the host's responses read back as the client reads them", "[wsman]") {
  CreatedShell created;
  created.shell_id = new_uuid();
  created.owner = "deploy";
  REQUIRE(parse_create_response(create_response("uuid:1", created)).value() == created.shell_id);
  REQUIRE(parse_command_response(command_response("uuid:2", "C1")).value() == "C1");
  Result<ReceiveOutput> output = parse_receive_response(
      receive_response("uuid:3", "C1",
                       {{"stdout", "out", false}, {"stderr", "err", false}, {"stdout", "", true}},
                       -1),
      "C1");
  REQUIRE(output.ok());
  CHECK(output->stdout_bytes == "out");
  CHECK(output->stderr_bytes == "err");
  CHECK(output->stdout_ended);
  CHECK_FALSE(output->stderr_ended);
  CHECK(output->done);
  CHECK(output->exit_code == -1);
  Result<ReceiveOutput> running =
      parse_receive_response(receive_response("uuid:4", "C1", {}, std::nullopt), "C1");
  REQUIRE(running.ok());
  CHECK_FALSE(running->done);
  CHECK(parse_empty_response(delete_response("uuid:5"), "Delete").ok());
  CHECK(new_uuid().size() == 36);
  CHECK(new_uuid() != new_uuid());
}

TEST_CASE("wsman: malformed responses are clear errors", "[wsman]") {
  CHECK(error_of(parse_create_response("not xml <")) ==
        "the Create response is not XML: Could not determine tag type at byte 8");
  CHECK(error_of(parse_create_response(
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
            "<soap:Body><x/></soap:Body></soap:Envelope>")) ==
        "the Create response is not a SOAP envelope (root element soap:Envelope in namespace "
        "http://schemas.xmlsoap.org/soap/envelope/)");
  CHECK(error_of(parse_create_response(
            "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><x/>"
            "</s:Body></s:Envelope>")) == "the Create response has no ShellId");
  CHECK(error_of(parse_command_response(receive_with(""))) ==
        "the Command response has no rsp:CommandResponse");
  CHECK(receive_error(receive_with("<rsp:Stream Name=\"stdout\">!!notbase64</rsp:Stream>")) ==
        "the Receive response's stdout stream is not base64");
  CHECK(receive_error(receive_with(
            "<rsp:CommandState State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
            "CommandState/Done\"><rsp:ExitCode>zero</rsp:ExitCode></rsp:CommandState>")) ==
        "the Receive response's ExitCode is not a number: \"zero\"");
  CHECK(receive_error(receive_with(
            "<rsp:CommandState State=\"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
            "CommandState/Done\"/>")) == "the Receive response says Done without an ExitCode");
  CHECK(receive_error(
            receive_with("<rsp:Stream Name=\"stdout\" CommandId=\"C2\">YQ==</rsp:Stream>")) ==
        "the Receive response has output of another command (C2)");
  const std::string huge(65u << 20, ' ');
  CHECK(receive_error(huge) ==
        "the Receive response is too large (68157440 bytes; the limit is "
        "67108864)");
}

TEST_CASE("wsman: faults with and without detail", "[wsman]") {
  const std::string bare =
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><s:Fault><s:Code>"
      "<s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:AccessDenied</s:Value></s:Subcode>"
      "</s:Code><s:Reason><s:Text xml:lang=\"en-US\">Access is denied. </s:Text></s:Reason>"
      "</s:Fault></s:Body></s:Envelope>";
  CHECK(error_of(parse_create_response(bare)) == "Access is denied. (w:AccessDenied)");
  const std::string empty =
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><s:Fault/>"
      "</s:Body></s:Envelope>";
  CHECK(error_of(parse_command_response(empty)) == "a SOAP fault without a reason");
  Fault fault{"s:Receiver", "w:TimedOut", "late", std::string(kFaultOperationTimeout), "m", "late",
              {},           {},           {}};
  Result<ReceiveOutput> timed_out = parse_receive_response(fault_response("uuid:1", fault), "C1");
  REQUIRE(timed_out.ok());
  CHECK(timed_out->timed_out);
  fault.wsman_code = "5";
  fault.message = "Access is denied.";
  fault.provider = "Shell cmd plugin";
  CHECK(receive_error(fault_response("uuid:1", fault)) == "Access is denied. (WSManFault 5)");
  std::optional<Fault> read = read_fault(fault_response("uuid:1", fault));
  REQUIRE(read);
  CHECK(read->provider == "Shell cmd plugin");
  CHECK(read->machine == "m");
}

TEST_CASE("wsman: malformed requests are errors for the host", "[wsman]") {
  CHECK(parse_request("<x").errors().front().message.rfind("the request is not XML", 0) == 0);
  CHECK(parse_request("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/>"
                      "</s:Envelope>")
            .errors()
            .front()
            .message == "the request has no wsa:Action");
  Addressing addressing;
  std::string send = send_request(addressing, "S", "C", "abc", false);
  send.replace(send.find("YWJj"), 4, "@@@@");
  CHECK(parse_request(send).errors().front().message == "the Send stream is not base64");
}

TEST_CASE("wsman: ISO 8601 durations", "[wsman]") {
  CHECK(duration_text(std::chrono::seconds(20)) == "PT20S");
  CHECK(parse_duration("PT7200.000S") == std::chrono::milliseconds(7'200'000));
  CHECK(parse_duration("PT1.5S") == std::chrono::milliseconds(1500));
  CHECK_FALSE(parse_duration("P1D"));
  CHECK_FALSE(parse_duration("PT-1S"));
  CHECK_FALSE(parse_duration("PTS"));
}

TEST_CASE("CLIXML stderr becomes readable lines", "[wsman]") {
  const std::string clixml =
      "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
      "xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><Obj S=\"progress\" "
      "RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN><MS>"
      "<I64 N=\"SourceId\">1</I64><S N=\"Activity\">Preparing</S></MS></Obj>"
      "<S S=\"Error\">Set-Mailbox : The user 'j_x0027_s' was not found._x000D__x000A_</S>"
      "<S S=\"Error\">    + CategoryInfo : NotSpecified: (:) [], Exception_x000D__x000A_</S>"
      "<S S=\"Error\">caf\xC3\xA9 _xD83D__xDE00_ _x005F_x _xD800_ end</S></Objs>";
  CHECK(decode_clixml(clixml) ==
        "Set-Mailbox : The user 'j's' was not found.\n"
        "    + CategoryInfo : NotSpecified: (:) [], Exception\n"
        "caf\xC3\xA9 \xF0\x9F\x98\x80 _x \xEF\xBF\xBD end\n");
  CHECK(decode_clixml("plain error\r\n") == "plain error\r\n");
  CHECK(decode_clixml("") == "");
  CHECK(decode_clixml("#< CLIXML\r\n<Objs><S S=\"Error\">cut") ==
        "#< CLIXML\r\n<Objs><S S=\"Error\">cut");
  CHECK(decode_clixml("#< CLIXML\r\n<Objs></Objs><Objs><S S=\"Error\">two</S></Objs>") == "two\n");
}

TEST_CASE("clixml: bytes that are not UTF-8 become U+FFFD", "[wsman]") {
  // The fuzzer's input (fuzz/regressions/clixml): the text is always UTF-8, 3 bytes for one.
  CHECK(decode_clixml("#< CLIXML\r\n<Objs><S S=\"Error\">a\xFF\xFE"
                      "b</S></Objs>") ==
        "a\xEF\xBF\xBD\xEF\xBF\xBD"
        "b\n");
}

}  // namespace sd::wsman
