#include "runtime/exchange/winrs_client.h"

#include <mutex>
#include <pugixml.hpp>

#include "protocol/powershell_command.h"
#include "runtime/exchange/winrs_session.h"

namespace sd {
namespace {

// Longest command line sent as such; longer scripts go through stdin (cmd.exe's limit is 8191).
constexpr size_t kMaxCommandLine = 8000;
constexpr std::string_view kClixmlMarker = "#< CLIXML";

void append_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// The UTF-16 code unit of an `_xHHHH_` escape at text[i], or -1.
long escape_at(std::string_view text, size_t i) {
  if (i + 7 > text.size() || text[i] != '_' || text[i + 1] != 'x' || text[i + 6] != '_') return -1;
  long value = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const char c = text[k];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// PowerShell's XML name escapes (_xHHHH_, UTF-16 code units; pairs for surrogates) decoded.
std::string decode_escapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const long unit = escape_at(text, i);
    if (unit < 0) {
      out += text[i++];
      continue;
    }
    i += 7;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const long low = escape_at(text, i);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) +
                             (static_cast<char32_t>(low) - 0xDC00));
        i += 7;
        continue;
      }
      append_utf8(out, 0xFFFD);  // a lone high surrogate
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      append_utf8(out, 0xFFFD);  // a lone low surrogate
    } else {
      append_utf8(out, static_cast<char32_t>(unit));
    }
  }
  return out;
}

std::string crlf_to_lf(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

class WinrsRemoteShell : public RemoteShell {
 public:
  explicit WinrsRemoteShell(std::unique_ptr<WinrsSession> session) : session_(std::move(session)) {}

  ~WinrsRemoteShell() override {
    if (!shell_id_.empty()) (void)session_->delete_shell(shell_id_);  // errors ignored
  }

  Result<CommandOutput> run_powershell(const std::string& script) override {
    try {
      std::lock_guard lock(mutex_);
      return run(script);
    } catch (const std::exception& e) {
      return make_error("WinRM " + session_->endpoint() + ": " + e.what());
    }
  }

 private:
  Result<CommandOutput> run(const std::string& script) {
    if (shell_id_.empty()) {
      wsman::ShellSettings shell;
      shell.no_profile = true;
      shell.codepage = 65001;  // UTF-8 streams
      Result<std::string> created = session_->create_shell(shell);
      if (!created) return created.take_errors();
      shell_id_ = std::move(created).value();
    }
    const std::string encoded = encode_powershell_command(script);
    std::vector<std::string> arguments{"-NoProfile", "-NonInteractive"};
    const size_t command_line = std::string_view("powershell -NoProfile -NonInteractive ").size() +
                                std::string_view("-EncodedCommand ").size() + encoded.size();
    const bool through_stdin = command_line > kMaxCommandLine;
    if (through_stdin) {
      arguments.insert(arguments.end(), {"-Command", "-"});
    } else {
      arguments.insert(arguments.end(), {"-EncodedCommand", encoded});
    }
    wsman::CommandFlags flags;
    flags.consolemode_stdin = true;
    Result<std::string> command_id =
        session_->run_command(shell_id_, "powershell", arguments, flags);
    if (!command_id) return command_id.take_errors();
    if (through_stdin) {
      // PowerShell runs a line once it has read its end: the last one needs a newline too.
      std::string input = script;
      if (input.empty() || input.back() != '\n') input += "\r\n";
      const size_t chunk = session_->max_send_bytes();
      for (size_t offset = 0; offset < input.size(); offset += chunk) {
        const bool last = offset + chunk >= input.size();
        Status sent = session_->send_input(shell_id_, *command_id,
                                           std::string_view(input).substr(offset, chunk), last);
        if (!sent) return sent.take_errors();
      }
    }
    Result<CommandOutput> output = session_->receive_until_done(shell_id_, *command_id);
    if (!output) return output.take_errors();
    // Frees the command on the host; the output is complete already, so a failure is moot.
    (void)session_->signal(shell_id_, *command_id, wsman::kSignalTerminate);
    output->stderr_text = decode_clixml(output->stderr_text);
    return output;
  }

  std::mutex mutex_;
  std::unique_ptr<WinrsSession> session_;
  std::string shell_id_;
};

}  // namespace

Result<std::unique_ptr<RemoteShell>> open_winrs(const WinrsOptions& options) {
  try {
    Result<std::unique_ptr<WinrsSession>> session = WinrsSession::open(options);
    if (!session) return session.take_errors();
    return std::unique_ptr<RemoteShell>(
        std::make_unique<WinrsRemoteShell>(std::move(session).value()));
  } catch (const std::exception& e) {
    return make_error("WinRM " + options.url + ": " + e.what());
  }
}

std::string decode_clixml(std::string_view stderr_bytes) {
  const size_t marker = stderr_bytes.find(kClixmlMarker);
  if (marker == std::string_view::npos || stderr_bytes.substr(0, marker).find_first_not_of(
                                              " \t\r\n\xEF\xBB\xBF") != std::string_view::npos)
    return std::string(stderr_bytes);
  const std::string_view xml = stderr_bytes.substr(marker + kClixmlMarker.size());
  try {
    pugi::xml_document document;
    // Several <Objs> documents may follow one another: read them as one fragment.
    if (!document.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_fragment,
                              pugi::encoding_utf8))
      return std::string(stderr_bytes);
    std::string text;
    struct ErrorStrings : pugi::xml_tree_walker {
      std::string* out;
      bool for_each(pugi::xml_node& node) override {
        const std::string_view name = node.name();
        const bool is_string =
            name == "S" || (name.size() > 2 && name.substr(name.size() - 2) == ":S");
        if (node.type() == pugi::node_element && is_string &&
            std::string_view(node.attribute("S").value()) == "Error")
          *out += decode_escapes(node.child_value());
        return true;
      }
    } walker;
    walker.out = &text;
    document.traverse(walker);
    bool has_objs = false;
    for (pugi::xml_node node : document.children())
      if (node.type() == pugi::node_element) has_objs = true;
    if (!has_objs) return std::string(stderr_bytes);
    text = crlf_to_lf(text);
    if (!text.empty() && text.back() != '\n') text += '\n';
    return text;
  } catch (const std::exception&) {
    return std::string(stderr_bytes);
  }
}

}  // namespace sd
