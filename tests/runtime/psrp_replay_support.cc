#include "psrp_replay_support.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <sstream>

#include "base/base64.h"
#include "base/text_checks.h"
#include "protocol/psrp/clixml_value.h"
#include "protocol/psrp/fragments.h"
#include "protocol/psrp/messages.h"

namespace sd::test {
namespace {

uint64_t psrp_big_endian(std::string_view bytes) {
  uint64_t value = 0;
  for (char byte : bytes) value = (value << 8) | static_cast<unsigned char>(byte);
  return value;
}

// pypsrp wrote the ids of its message headers in the GUID's text order, where .NET (and this
// client) writes Guid.ToByteArray()'s; Windows only echoes them. The client replays the
// recording's header bytes, so the ids it chooses read differently as text: the recorded
// ShellId and CommandId it chose are rewritten to the same reading.
std::string psrp_dotnet_reading(std::string_view text) {
  std::string bytes;
  for (size_t i = 0; i + 1 < text.size();) {
    if (text[i] == '-') {
      ++i;
      continue;
    }
    bytes += static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16));
    i += 2;
  }
  return bytes.size() == 16 ? psrp::guid_text(bytes) : std::string(text);
}

// pypsrp wrote an enum of value 0 with an empty ToString (RemoteStreamOptions None); .NET
// writes the name. The value is what counts.
void psrp_forget_enum_names(psrp::Value& value) {
  if (!value.wrapped.empty() && !value.type_names.empty() &&
      std::find(value.type_names.begin(), value.type_names.end(), "System.Enum") !=
          value.type_names.end())
    value.to_string.reset();
  for (psrp::Property& property : value.extended) psrp_forget_enum_names(property.value);
  for (psrp::Property& property : value.adapted) psrp_forget_enum_names(property.value);
  for (psrp::Value& item : value.items) psrp_forget_enum_names(item);
}

// Reads fragments independently of the client's Reassembler (whose rules are under test):
// the header fields, and the blobs gathered per object until its end fragment.
class PsrpShaper {
 public:
  explicit PsrpShaper(bool recorded) : recorded_(recorded) {}

  std::string shape(std::string_view body) {
    pugi::xml_document document;
    if (!document.load_buffer(body.data(), body.size())) return winrs_request_shape(body);
    if (recorded_) {
      for (const char* path :
           {"//*[local-name()='Shell']/@ShellId", "//*[local-name()='CommandLine']/@CommandId"})
        for (pugi::xpath_node found : document.select_nodes(path))
          found.attribute().set_value(psrp_dotnet_reading(found.attribute().value()).c_str());
    }
    for (const char* name : {"creationXml", "Arguments", "Stream"}) {
      const std::string path = "//*[local-name()='" + std::string(name) + "']";
      for (pugi::xpath_node found : document.select_nodes(path.c_str())) {
        pugi::xml_node node = found.node();
        std::string bytes;
        if (!base64_decode(std::string(trim_space(node.child_value())), bytes)) continue;
        std::string summary = describe(bytes);
        // Streams are shown decoded by the WinRS shape: give it base64 of the summary.
        if (std::string_view(name) == "Stream") summary = base64_encode(summary);
        node.text().set(summary.c_str());
      }
    }
    std::ostringstream out;
    document.save(out, "", pugi::format_raw | pugi::format_no_declaration);
    // The envelope size stated is not compared: pypsrp stated 512000 or 153600 by version
    // (and split to the host's 32 KB in one recording); the client states what its options
    // say, which the wsman tests check.
    std::string shape = winrs_request_shape(out.str());
    const size_t line = shape.find("max-envelope=");
    if (line != std::string::npos) shape.erase(line, shape.find('\n', line) + 1 - line);
    return shape;
  }

 private:
  std::string describe(std::string_view bytes) {
    std::string out;
    while (bytes.size() >= psrp::kFragmentHeaderSize) {
      const uint64_t object = psrp_big_endian(bytes.substr(0, 8));
      const uint64_t number = psrp_big_endian(bytes.substr(8, 8));
      const auto flags = static_cast<unsigned char>(bytes[16]);
      const size_t length =
          std::min<size_t>(psrp_big_endian(bytes.substr(17, 4)), bytes.size() - 21);
      out += "[fragment " + std::to_string(object) + "/" + std::to_string(number) +
             ((flags & 1) ? " start" : "") + ((flags & 2) ? " end" : "") + "]";
      partial_[object] += bytes.substr(21, length);
      bytes.remove_prefix(21 + length);
      if (flags & 2) {
        out += message_text(partial_[object]);
        partial_.erase(object);
      }
    }
    if (!bytes.empty()) out += "[" + std::to_string(bytes.size()) + " stray bytes]";
    return out;
  }

  static std::string message_text(const std::string& bytes) {
    Result<psrp::Message> message = psrp::decode_message(bytes);
    if (!message) return "[unreadable message: " + message.errors().front().message + "]";
    std::string data;
    if (!message->data.empty()) {
      Result<psrp::Value> value = psrp::parse_clixml(message->data);
      if (value) psrp_forget_enum_names(*value);
      data = value ? psrp::write_clixml(*value) : "unreadable: " + value.errors().front().message;
    }
    return "[message " + psrp::message_type_name(static_cast<uint32_t>(message->type)) + " to " +
           std::to_string(static_cast<uint32_t>(message->destination)) + " pool " +
           message->runspace_pool_id + " pipeline " + message->pipeline_id + ": " + data + "]";
  }

  bool recorded_;
  std::map<uint64_t, std::string> partial_;
};

}  // namespace

std::function<std::string(std::string_view)> new_psrp_shaper(bool recorded) {
  auto shaper = std::make_shared<PsrpShaper>(recorded);
  return [shaper](std::string_view body) { return shaper->shape(body); };
}

ReplaySettings psrp_replay(std::vector<size_t> skipped) {
  ReplaySettings settings;
  settings.folder = "psrp-captures";
  settings.new_shaper = new_psrp_shaper;
  settings.skipped = std::move(skipped);
  return settings;
}

std::vector<std::string> recorded_psrp_ids(const std::vector<RecordedExchange>& recording) {
  std::vector<std::string> ids;
  for (const RecordedExchange& exchange : recording) {
    pugi::xml_document document;
    if (!document.load_string(exchange.request.c_str())) continue;
    for (const char* name : {"creationXml", "Arguments"}) {
      const std::string path = "//*[local-name()='" + std::string(name) + "']";
      pugi::xml_node node = document.select_node(path.c_str()).node();
      std::string bytes;
      if (!node || !base64_decode(std::string(trim_space(node.child_value())), bytes) ||
          bytes.size() < psrp::kFragmentHeaderSize + 40)
        continue;
      // The first fragment's blob starts with the message header: RPID at 8, PID at 24.
      const std::string_view header = std::string_view(bytes).substr(psrp::kFragmentHeaderSize);
      ids.push_back(std::string(name) == "creationXml" ? psrp::guid_text(header.substr(8, 16))
                                                       : psrp::guid_text(header.substr(24, 16)));
    }
  }
  return ids;
}

std::string recorded_psrp_client_key() {
  std::ifstream file(std::string(SYNCDEPLOY_SOURCE_DIR) +
                     "/tests/data/psrp-captures/pypsrp_test_client_key.pem");
  std::stringstream text;
  text << file.rdbuf();
  REQUIRE_FALSE(text.str().empty());
  return text.str();
}

}  // namespace sd::test
