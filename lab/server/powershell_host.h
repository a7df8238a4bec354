// The lab's powershell.exe: runs the command lines WinRS hands it
// (`powershell -NoProfile -NonInteractive -EncodedCommand <base64 UTF-16LE>`, or
// `... -Command -` with the script on stdin) through the PowerShell-subset interpreter against
// the lab's Exchange (docs/powershell-subset.md). stdout is UTF-8 text; errors and warnings go
// to stderr as CLIXML, as powershell.exe writes them when its output is redirected; the exit
// code is 1 when the script ended on an error or its last statement failed, else 0.
#pragma once

#include "lab/exchange/exchange_admin.h"
#include "lab/server/winrs_host.h"

namespace sd::lab {

// Anything that is not powershell with those arguments gets what cmd.exe would say ("'x' is
// not recognized as an internal or external command, operable program or batch file.",
// exit code 1).
[[nodiscard]] ShellCommandResult run_shell_command(ExchangeAdmin& admin, const std::string& user,
                                                   const std::string& command,
                                                   const std::vector<std::string>& arguments,
                                                   const std::string& stdin_data);

}  // namespace sd::lab
