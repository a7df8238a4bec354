// The lab's directory file (format: lab_state.h), read into plain values. Every problem is an
// Error at the file:line:col of the offending value; all problems are reported, not the first.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "lab/exchange/exchange_admin_rules.h"
#include "lab/state/lab_state.h"

namespace sd::lab {

enum class ImpersonationScope { None, All, List };

struct DirectoryAccount {
  std::string upn;
  std::string password;
  ImpersonationScope impersonation = ImpersonationScope::None;
  std::vector<std::string> impersonation_mailboxes;  // when List
  bool throttling_unlimited = false;
  std::string alias;        // default: the UPN's local part
  bool management = false;  // may use /wsman
};

struct DirectoryMailbox {
  std::string smtp;
  std::string name;                    // default: the address's local part
  std::string alias;                   // default: the local part (made unique with a number)
  std::vector<std::string> folders;    // extra folders under msgfolderroot
  std::vector<std::string> member_of;  // group DNs
  std::map<std::string, std::string> attributes;  // canonical attribute name -> value
};

struct LabDirectory {
  std::vector<std::string> hostnames;
  std::vector<DirectoryAccount> accounts;
  std::vector<DirectoryMailbox> mailboxes;
  std::vector<std::string> contacts;
  ThrottlingPolicy throttling;
  // Version, domain, servers, databases and the initial admin objects (defaults filled in).
  AdminObjects admin;
};

// The recipients a directory makes: every mailbox, then every account without one (in the
// first database).
[[nodiscard]] std::vector<LabRecipient> directory_recipients(const LabDirectory& directory);

// Parses directory text; `file` names it in errors.
[[nodiscard]] Result<LabDirectory> parse_directory(const std::string& file, std::string_view text);
// Reads and parses the file at `path`.
[[nodiscard]] Result<LabDirectory> load_directory(const std::string& path);

}  // namespace sd::lab
