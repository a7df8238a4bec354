#include "winrs_replay_support.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <pugixml.hpp>
#include <thread>

#include "base/base64.h"
#include "protocol/soap.h"
#include "protocol/wsman.h"

namespace sd::test {
namespace {

std::string trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

std::string qualified(pugi::xml_node node) {
  return "{" + std::string(soap::namespace_of(node)) + "}" + std::string(soap::local_name(node));
}

// Body elements, depth first: name, attributes (sorted; End as a boolean), text (a stream's
// base64 decoded, so that encodings of the same bytes compare equal).
void describe_body(pugi::xml_node node, int depth, std::string& out) {
  for (pugi::xml_node element : node.children()) {
    if (element.type() != pugi::node_element) continue;
    std::string line(static_cast<size_t>(depth) * 2, ' ');
    line += qualified(element);
    std::vector<std::string> attributes;
    for (pugi::xml_attribute attribute : element.attributes()) {
      std::string name = attribute.name();
      if (name.rfind("xmlns", 0) == 0) continue;
      std::string value = attribute.value();
      if (name == "End") {  // a boolean: "True", "true"; "False" is the same as leaving it out
        std::transform(value.begin(), value.end(), value.begin(), ::tolower);
        if (value == "false") continue;
      }
      attributes.push_back(name + "=" + value);
    }
    std::sort(attributes.begin(), attributes.end());
    for (const std::string& attribute : attributes) line += " " + attribute;
    std::string text = element.child_value();
    if (soap::local_name(element) == "Stream") {
      std::string bytes;
      line += base64_decode(trimmed(text), bytes) ? " bytes=\"" + bytes + "\"" : " not-base64";
    } else if (!trimmed(text).empty() || element.first_child().type() == pugi::node_pcdata) {
      line += " text=\"" + text + "\"";
    }
    out += line + "\n";
    describe_body(element, depth + 1, out);
  }
}

pugi::xml_node header_child(pugi::xml_node header, std::string_view ns, std::string_view local) {
  return soap::child(header, ns, local);
}

}  // namespace

std::vector<RecordedExchange> load_winrs_capture(const std::string& file,
                                                 const std::string& folder) {
  const YAML::Node root =
      YAML::LoadFile(std::string(SYNCDEPLOY_SOURCE_DIR) + "/tests/data/" + folder + "/" + file);
  std::vector<RecordedExchange> exchanges;
  for (const YAML::Node& message : root["messages"])
    exchanges.push_back({message["request"].as<std::string>(),
                         message["response"].as<std::string>(),
                         message["timeout"] ? message["timeout"].as<double>() : 0.0});
  return exchanges;
}

std::string winrs_request_shape(std::string_view body) {
  Result<std::unique_ptr<soap::Envelope>> parsed = soap::parse_envelope_12(body);
  if (!parsed) return "unreadable: " + parsed.errors().front().message;
  const pugi::xml_node header = (*parsed)->header;
  using namespace sd::wsman;
  std::string out;
  const auto text_of = [&](std::string_view ns, std::string_view local) {
    return trimmed(header_child(header, ns, local).child_value());
  };
  out += "action=" + text_of(kAddressingNs, "Action") + "\n";
  out += "resource=" + text_of(kWsmanNs, "ResourceURI") + "\n";
  out += "timeout=" + text_of(kWsmanNs, "OperationTimeout") + "\n";
  out += "max-envelope=" + text_of(kWsmanNs, "MaxEnvelopeSize") + "\n";
  out += "locale=" +
         std::string(header_child(header, kWsmanNs, "Locale").attribute("xml:lang").value()) +
         " data-locale=" +
         std::string(header_child(header, kWsmvNs, "DataLocale").attribute("xml:lang").value()) +
         "\n";
  out +=
      "reply-to=" +
      trimmed(soap::child(header_child(header, kAddressingNs, "ReplyTo"), kAddressingNs, "Address")
                  .child_value()) +
      "\n";
  for (pugi::xml_node selector : header_child(header, kWsmanNs, "SelectorSet").children())
    out += "selector " + std::string(selector.attribute("Name").value()) + "=" +
           trimmed(selector.child_value()) + "\n";
  std::vector<std::string> options;
  for (pugi::xml_node option : header_child(header, kWsmanNs, "OptionSet").children()) {
    std::string must = option.attribute("MustComply").value();
    std::transform(must.begin(), must.end(), must.begin(), ::tolower);
    options.push_back("option " + std::string(option.attribute("Name").value()) + "=" +
                      trimmed(option.child_value()) + (must == "true" ? " must-comply" : ""));
  }
  std::sort(options.begin(), options.end());
  for (const std::string& option : options) out += option + "\n";
  out += "body:\n";
  const pugi::xml_node root = (*parsed)->doc.document_element();
  describe_body(soap::child(root, soap::kEnvelope12Ns, "Body"), 1, out);
  return out;
}

std::string recorded_stream(std::string_view response, std::string_view name) {
  pugi::xml_document document;
  REQUIRE(document.load_buffer(response.data(), response.size()));
  std::string bytes;
  for (pugi::xpath_node stream : document.select_nodes("//*[local-name()='Stream']")) {
    if (std::string_view(stream.node().attribute("Name").value()) != name) continue;
    std::string part;
    REQUIRE(base64_decode(trimmed(stream.node().child_value()), part));
    bytes += part;
  }
  return bytes;
}

WinrsReplayServer::WinrsReplayServer(const std::string& capture_file, ReplaySettings settings)
    : recording_(load_winrs_capture(capture_file, settings.folder)) {
  REQUIRE_FALSE(recording_.empty());
  std::sort(settings.skipped.rbegin(), settings.skipped.rend());
  for (size_t skipped : settings.skipped) recording_.erase(recording_.begin() + skipped);
  if (!settings.new_shaper)
    settings.new_shaper = [](bool) {
      return std::function<std::string(std::string_view)>(winrs_request_shape);
    };
  recorded_shape_ = settings.new_shaper(true);
  sent_shape_ = settings.new_shaper(false);
  // The recording's OperationTimeout (PT20S, or PT10S in the timeout recording).
  pugi::xml_document first;
  REQUIRE(first.load_string(recording_.front().request.c_str()));
  const std::string timeout =
      first.select_node("//*[local-name()='OperationTimeout']").node().child_value();
  operation_timeout_ = std::chrono::seconds(std::stoi(timeout.substr(2)));
  server_.script([this](unsigned n, const ReceivedRequest& request) {
    TestAnswer answer;
    answer.headers = {{"Content-Type", "application/soap+xml;charset=UTF-8"}};
    std::lock_guard lock(mutex_);
    if (n >= recording_.size()) {
      mismatches_.push_back("request " + std::to_string(n) + ": the recording has only " +
                            std::to_string(recording_.size()) + " requests");
      answer.status = 400;
      answer.body = "";
      return answer;
    }
    if (request.target != "/wsman" || request.method != "POST")
      mismatches_.push_back("request " + std::to_string(n) + ": " + request.method + " " +
                            request.target);
    if (request.header("Content-Type") != "application/soap+xml;charset=UTF-8")
      mismatches_.push_back("request " + std::to_string(n) + ": Content-Type " +
                            request.header("Content-Type"));
    if (request.header("Authorization").rfind("Basic ", 0) != 0)
      mismatches_.push_back("request " + std::to_string(n) + ": no Basic authorization");
    const std::string expected = recorded_shape_(recording_[n].request);
    const std::string actual = sent_shape_(request.body);
    if (expected != actual)
      mismatches_.push_back("request " + std::to_string(n) + " differs from the recording:\n" +
                            "recorded:\n" + expected + "sent:\n" + actual);
    const std::string& response = recording_[n].response;
    if (recording_[n].delay_seconds > 0)
      std::this_thread::sleep_for(std::chrono::duration<double>(recording_[n].delay_seconds));
    answer.status = response.find("<s:Fault>") != std::string::npos ? 500 : 200;
    answer.body = response;
    return answer;
  });
}

WinrsOptions WinrsReplayServer::options() const {
  WinrsOptions options;
  options.url = endpoint();
  options.user = "vagrant";
  options.password = "vagrant";
  options.ca_file = server_.certificates().ca_file;
  options.connect_to = {{"exch01.example.local", 5986, "127.0.0.1", server_.port()}};
  options.operation_timeout = operation_timeout_;
  options.connect_timeout = std::chrono::milliseconds(5000);
  return options;
}

std::vector<std::string> WinrsReplayServer::mismatches() const {
  std::lock_guard lock(mutex_);
  return mismatches_;
}

}  // namespace sd::test
