#include "lab/server/powershell_host.h"

#include "base/text_checks.h"
#include "lab/powershell/powershell_error_record.h"
#include "lab/powershell/powershell_interpreter.h"
#include "protocol/powershell_command.h"

namespace sd::lab {
namespace {

ShellCommandResult cmd_not_recognized(const std::string& command) {
  return {"",
          "'" + command +
              "' is not recognized as an internal or external command,\r\noperable program or "
              "batch file.\r\n",
          1};
}

// powershell.exe's own complaint about its command line (it prints it plainly, not as CLIXML).
ShellCommandResult bad_command_line(const std::string& message) {
  return {"", message + "\r\n", 1};
}

// How powershell.exe takes its script: -EncodedCommand <b64>, or -Command - with stdin.
struct ScriptSource {
  std::string script;
  std::string error;  // powershell.exe's complaint when the command line is not usable
};

// Windows joins a WinRS Command and its Arguments into one command line and the program splits
// it again (CommandLineToArgvW): whitespace separates, double quotes group, 2n backslashes
// before a quote are n backslashes and the quote counts, 2n+1 are n and a literal quote.
// pywinrm sends everything in Command (run_ps) or all arguments in one Arguments (run_cmd).
std::vector<std::string> split_command_line(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    std::string word;
    bool quoted = false;
    for (; i < line.size(); ++i) {
      char c = line[i];
      if (!quoted && (c == ' ' || c == '\t')) break;
      if (c == '\\') {
        size_t n = 0;
        while (i < line.size() && line[i] == '\\') ++n, ++i;
        if (i < line.size() && line[i] == '"') {
          word.append(n / 2, '\\');
          if (n % 2 == 1)
            word += '"';
          else
            quoted = !quoted;
        } else {
          word.append(n, '\\');
          --i;
        }
        continue;
      }
      if (c == '"') {
        quoted = !quoted;
        continue;
      }
      word += c;
    }
    out.push_back(std::move(word));
  }
  return out;
}

ScriptSource script_from(const std::vector<std::string>& arguments, const std::string& stdin_data) {
  std::optional<std::string> encoded;
  bool from_stdin = false;
  for (size_t i = 0; i < arguments.size(); ++i) {
    std::string flag = to_lower_ascii(arguments[i]);
    if (!flag.empty() && flag[0] == '/') flag[0] = '-';
    if (flag == "-noprofile" || flag == "-noninteractive" || flag == "-nologo") {
      continue;  // what powershell.exe does without a console makes no difference here
    } else if (flag == "-encodedcommand" || flag == "-enc" || flag == "-e") {
      if (i + 1 >= arguments.size()) {
        return {"", "Missing argument for parameter " + arguments[i] + "."};
      }
      encoded = arguments[++i];
    } else if (flag == "-command" || flag == "-c") {
      if (i + 1 >= arguments.size() || arguments[i + 1] != "-" || i + 2 != arguments.size()) {
        return {"",
                "The lab's powershell runs a script only from -EncodedCommand or "
                "-Command - (stdin)."};
      }
      from_stdin = true;
      ++i;
    } else {
      return {"", "The lab's powershell does not take the argument '" + arguments[i] + "'."};
    }
  }
  if (encoded && from_stdin) return {"", "Use either -EncodedCommand or -Command -, not both."};
  if (encoded) {
    Result<std::string> decoded = decode_powershell_command(*encoded);
    if (!decoded.ok()) {
      return {"",
              "Cannot process the command because the value specified with "
              "-EncodedCommand is not properly encoded. The value must be Base64 encoded."};
    }
    return {*decoded, ""};
  }
  if (from_stdin) return {stdin_data, ""};
  return {"", "The lab's powershell needs -EncodedCommand or -Command -."};
}

}  // namespace

ShellCommandResult run_shell_command(ExchangeAdmin& admin, const std::string& /*user*/,
                                     const std::string& command,
                                     const std::vector<std::string>& arguments,
                                     const std::string& stdin_data) {
  // `user` is not consulted: the snap-in runs with the caller's Windows rights, unfiltered
  // by RBAC (reference §4.1), and the lab's WinRM already authenticated the caller.
  std::string command_line = command;
  for (const std::string& argument : arguments) command_line += " " + argument;
  std::vector<std::string> words = split_command_line(command_line);
  if (words.empty()) return cmd_not_recognized(command);
  std::string program = to_lower_ascii(words.front());
  if (program != "powershell" && program != "powershell.exe")
    return cmd_not_recognized(words.front());
  words.erase(words.begin());
  ScriptSource source = script_from(words, stdin_data);
  if (!source.error.empty()) return bad_command_line(source.error);

  PsRunResult run = run_powershell(admin, source.script);
  ShellCommandResult result;
  for (const std::string& line : run.output_lines) result.stdout_bytes += line + "\r\n";
  // The error and warning streams, in the order written; the error that ended the script last.
  std::vector<PsStreamLine> streams;
  auto add_error = [&](const PsErrorRecord& record) {
    for (std::string& line : error_record_lines(record, source.script))
      streams.push_back({"Error", std::move(line)});
  };
  for (const PsStreamRecord& record : run.records) {
    if (record.error) {
      add_error(*record.error);
    } else {
      streams.push_back({"warning", record.warning});
    }
  }
  if (run.error) add_error(*run.error);
  if (!streams.empty()) result.stderr_bytes = clixml_streams(streams);
  // powershell.exe -EncodedCommand exits 1 when the last statement failed ($? false), else 0.
  result.exit_code = run.last_statement_failed ? 1 : 0;
  return result;
}

}  // namespace sd::lab
