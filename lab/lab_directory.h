// The lab's directory file (format: lab_state.h), read into plain values. Every problem is an
// Error at the file:line:col of the offending value; all problems are reported, not the first.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/error.h"
#include "lab/lab_state.h"

namespace sd::lab {

enum class ImpersonationScope { None, All, List };

struct DirectoryAccount {
  std::string upn;
  std::string password;
  ImpersonationScope impersonation = ImpersonationScope::None;
  std::vector<std::string> impersonation_mailboxes;  // when List
  bool throttling_unlimited = false;
};

struct DirectoryMailbox {
  std::string smtp;
  std::string name;                  // default: the address's local part
  std::vector<std::string> folders;  // extra folders under msgfolderroot
};

struct LabDirectory {
  std::vector<std::string> hostnames;
  std::vector<DirectoryAccount> accounts;
  std::vector<DirectoryMailbox> mailboxes;
  std::vector<std::string> contacts;
  ThrottlingPolicy throttling;
};

// Parses directory text; `file` names it in errors.
[[nodiscard]] Result<LabDirectory> parse_directory(const std::string& file, std::string_view text);
// Reads and parses the file at `path`.
[[nodiscard]] Result<LabDirectory> load_directory(const std::string& path);

}  // namespace sd::lab
