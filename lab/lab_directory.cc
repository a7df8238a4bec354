#include "lab/lab_directory.h"

#include <fmt/format.h>

#include <set>

#include "compiler/document.h"
#include "compiler/email_address.h"
#include "compiler/text_checks.h"
#include "runtime/disk_files.h"

namespace sd::lab {
namespace {

using nlohmann::json;

// A directory file is a handful of lines; anything near this size is a mistake.
constexpr size_t kMaxDirectoryBytes = 16u << 20;
constexpr int64_t kMaxPolicyValue = 1'000'000'000;

bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || ++label > 63) return false;
  }
  return true;
}

// Walks the parsed document, collecting every problem with its place in the file.
class Reader {
 public:
  explicit Reader(const Document& doc) : doc_(doc) {}

  std::vector<Error> errors;

  LabDirectory read() {
    LabDirectory out;
    const json& root = doc_.root;
    if (!root.is_object()) {
      fail("",
           "the directory file must be a mapping with hostnames, accounts, mailboxes, "
           "contacts and throttling");
      return out;
    }
    for (const auto& [key, value] : root.items()) {
      std::string at = pointer_append("", key);
      if (key == "hostnames") {
        read_hostnames(at, value, out);
      } else if (key == "accounts") {
        for_each_item(at, value, "accounts",
                      [&](const std::string& p, const json& v) { read_account(p, v, out); });
      } else if (key == "mailboxes") {
        for_each_item(at, value, "mailboxes",
                      [&](const std::string& p, const json& v) { read_mailbox(p, v, out); });
      } else if (key == "contacts") {
        for_each_item(at, value, "contacts",
                      [&](const std::string& p, const json& v) { read_contact(p, v, out); });
      } else if (key == "throttling") {
        read_policy(at, value, out.throttling);
      } else {
        fail_key(at, fmt::format("unknown key '{}' (expected hostnames, accounts, mailboxes, "
                                 "contacts, throttling)",
                                 printable(key)));
      }
    }
    if (out.mailboxes.empty() && errors.empty())
      errors.push_back(make_error("the directory file has no mailboxes", Location{doc_.file}));
    check_impersonation_targets(out);
    return out;
  }

 private:
  void fail(const std::string& pointer, std::string message) {
    errors.push_back(make_error(std::move(message), doc_.locate(pointer)));
  }
  void fail_key(const std::string& pointer, std::string message) {
    errors.push_back(make_error(std::move(message), doc_.locate_key(pointer)));
  }

  template <class F>
  void for_each_item(const std::string& at, const json& value, std::string_view what, F&& f) {
    if (value.is_null()) return;
    if (!value.is_array()) {
      fail(at, fmt::format("{} must be a list", what));
      return;
    }
    for (size_t i = 0; i < value.size(); ++i) f(pointer_append(at, i), value[i]);
  }

  // A required or optional string field of a mapping.
  std::optional<std::string> text(const std::string& at, const json& map, std::string_view key,
                                  std::string_view what, bool required) {
    auto it = map.find(key);
    if (it == map.end() || it->is_null()) {
      if (required) fail(at, fmt::format("{} has no {}", what, key));
      return std::nullopt;
    }
    std::string p = pointer_append(at, key);
    if (!it->is_string()) {
      fail(p, fmt::format("{} {} must be text", what, key));
      return std::nullopt;
    }
    if (it->get_ref<const std::string&>().empty()) {
      fail(p, fmt::format("{} {} is empty", what, key));
      return std::nullopt;
    }
    return it->get<std::string>();
  }

  bool only_keys(const std::string& at, const json& map, std::string_view what,
                 std::initializer_list<std::string_view> keys) {
    if (!map.is_object()) {
      fail(at, fmt::format("each entry of {} must be a mapping", what));
      return false;
    }
    for (const auto& [key, value] : map.items()) {
      bool known = false;
      for (std::string_view k : keys) known = known || key == k;
      if (!known) {
        std::string expected;
        for (std::string_view k : keys) expected += (expected.empty() ? "" : ", ") + std::string(k);
        fail_key(pointer_append(at, key), fmt::format("unknown key '{}' in {} (expected {})",
                                                      printable(key), what, expected));
      }
    }
    return true;
  }

  std::optional<std::string> address(const std::string& at, const json& map, std::string_view key,
                                     std::string_view what) {
    std::optional<std::string> value = text(at, map, key, what, true);
    if (value && !is_valid_email_address(*value)) {
      fail(pointer_append(at, key), fmt::format("{} {} is not an email address", what, key));
      return std::nullopt;
    }
    return value;
  }

  void read_hostnames(const std::string& at, const json& value, LabDirectory& out) {
    for_each_item(at, value, "hostnames", [&](const std::string& p, const json& v) {
      if (!v.is_string() || !is_dns_name(v.get<std::string>())) {
        fail(p, "hostname is not a DNS name");
        return;
      }
      out.hostnames.push_back(to_lower_ascii(v.get<std::string>()));
    });
  }

  void read_account(const std::string& at, const json& v, LabDirectory& out) {
    if (!only_keys(at, v, "accounts", {"upn", "password", "impersonation", "throttling"})) return;
    DirectoryAccount account;
    std::optional<std::string> upn = address(at, v, "upn", "account");
    std::optional<std::string> password = text(at, v, "password", "account", true);
    if (upn && !upns_.insert(to_lower_ascii(*upn)).second) {
      fail(pointer_append(at, "upn"), fmt::format("account {} is listed twice", *upn));
      upn.reset();
    }
    if (auto it = v.find("impersonation"); it != v.end() && !it->is_null()) {
      std::string p = pointer_append(at, "impersonation");
      if (it->is_string() && *it == "all") {
        account.impersonation = ImpersonationScope::All;
      } else if (it->is_string() && *it == "none") {
        account.impersonation = ImpersonationScope::None;
      } else if (it->is_array()) {
        account.impersonation = ImpersonationScope::List;
        for (size_t i = 0; i < it->size(); ++i) {
          const json& smtp = (*it)[i];
          if (!smtp.is_string() || !is_valid_email_address(smtp.get<std::string>())) {
            fail(pointer_append(p, i), "impersonation entry is not an email address");
            continue;
          }
          account.impersonation_mailboxes.push_back(smtp.get<std::string>());
          impersonation_refs_.emplace_back(smtp.get<std::string>(), pointer_append(p, i));
        }
      } else {
        fail(p, "impersonation must be all, none or a list of mailbox addresses");
      }
    }
    if (auto it = v.find("throttling"); it != v.end() && !it->is_null()) {
      if (it->is_string() && (*it == "default" || *it == "unlimited")) {
        account.throttling_unlimited = *it == "unlimited";
      } else {
        fail(pointer_append(at, "throttling"), "account throttling must be default or unlimited");
      }
    }
    if (!upn || !password) return;
    account.upn = *upn;
    account.password = *password;
    out.accounts.push_back(std::move(account));
  }

  void read_mailbox(const std::string& at, const json& v, LabDirectory& out) {
    if (!only_keys(at, v, "mailboxes", {"smtp", "name", "folders"})) return;
    DirectoryMailbox mailbox;
    std::optional<std::string> smtp = address(at, v, "smtp", "mailbox");
    std::optional<std::string> name = text(at, v, "name", "mailbox", false);
    if (smtp && !addresses_.insert(to_lower_ascii(*smtp)).second) {
      fail(pointer_append(at, "smtp"), fmt::format("address {} is listed twice", *smtp));
      smtp.reset();
    }
    if (auto it = v.find("folders"); it != v.end() && !it->is_null()) {
      std::string p = pointer_append(at, "folders");
      std::set<std::string> seen;
      for_each_item(p, *it, "mailbox folders", [&](const std::string& fp, const json& f) {
        if (!f.is_string() || f.get_ref<const std::string&>().empty()) {
          fail(fp, "folder name must be non-empty text");
        } else if (has_control_character(f.get<std::string>())) {
          fail(fp, "folder name has a control character");
        } else if (!seen.insert(to_lower_ascii(f.get<std::string>())).second) {
          fail(fp, fmt::format("folder '{}' is listed twice", printable(f.get<std::string>())));
        } else {
          mailbox.folders.push_back(f.get<std::string>());
        }
      });
    }
    if (!smtp) return;
    mailbox.smtp = *smtp;
    mailbox.name = name ? *name : smtp->substr(0, smtp->find('@'));
    out.mailboxes.push_back(std::move(mailbox));
  }

  void read_contact(const std::string& at, const json& v, LabDirectory& out) {
    if (!v.is_string() || !is_valid_email_address(v.get<std::string>())) {
      fail(at, "contact is not an email address");
      return;
    }
    if (!addresses_.insert(to_lower_ascii(v.get<std::string>())).second) {
      fail(at, fmt::format("address {} is listed twice", v.get<std::string>()));
      return;
    }
    out.contacts.push_back(v.get<std::string>());
  }

  void read_policy(const std::string& at, const json& v, ThrottlingPolicy& policy) {
    if (!v.is_object()) {
      fail(at, "throttling must be a mapping with maxConcurrency, burst and rechargePerSecond");
      return;
    }
    for (const auto& [key, value] : v.items()) {
      std::string p = pointer_append(at, key);
      unsigned* field = key == "maxConcurrency"      ? &policy.max_concurrency
                        : key == "burst"             ? &policy.burst
                        : key == "rechargePerSecond" ? &policy.recharge_per_second
                                                     : nullptr;
      if (!field) {
        fail_key(p, fmt::format("unknown key '{}' in throttling (expected maxConcurrency, burst, "
                                "rechargePerSecond)",
                                printable(key)));
      } else if (!value.is_number_integer() || value.get<int64_t>() < 1 ||
                 value.get<int64_t>() > kMaxPolicyValue) {
        fail(p, fmt::format("throttling {} must be a whole number from 1 to {}", key,
                            kMaxPolicyValue));
      } else {
        *field = static_cast<unsigned>(value.get<int64_t>());
      }
    }
  }

  // Impersonation lists may name only mailboxes of this directory.
  void check_impersonation_targets(const LabDirectory& out) {
    std::set<std::string> mailboxes;
    for (const DirectoryMailbox& m : out.mailboxes) mailboxes.insert(to_lower_ascii(m.smtp));
    for (const auto& [smtp, place] : impersonation_refs_) {
      if (!mailboxes.contains(to_lower_ascii(smtp)))
        fail(place, fmt::format("{} is not a mailbox of the directory", smtp));
    }
  }

  const Document& doc_;
  std::set<std::string> upns_, addresses_;
  std::vector<std::pair<std::string, std::string>> impersonation_refs_;  // smtp, where
};

}  // namespace

Result<LabDirectory> parse_directory(const std::string& file, std::string_view text) {
  try {
    Result<Document> doc = parse_yaml(file, text);
    if (!doc.ok()) return doc.take_errors();
    Reader reader(*doc);
    LabDirectory directory = reader.read();
    if (!reader.errors.empty()) {
      sort_and_dedupe(reader.errors);
      return reader.errors;
    }
    return directory;
  } catch (const std::exception& e) {
    return make_error(std::string("cannot read the directory file: ") + e.what(), Location{file});
  }
}

Result<LabDirectory> load_directory(const std::string& path) {
  Result<std::string> text = DiskFiles(kMaxDirectoryBytes).read(path);
  if (!text.ok()) return text.take_errors();
  return parse_directory(path, *text);
}

}  // namespace sd::lab
