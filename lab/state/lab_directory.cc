#include "lab/state/lab_directory.h"

#include <fmt/format.h>

#include <set>

#include "base/disk_files.h"
#include "base/text_checks.h"
#include "lab/exchange/addresses.h"
#include "lab/exchange/opath_filter.h"
#include "lab/state/directory_yaml.h"

namespace sd::lab {
namespace {

using nlohmann::json;

// A directory file is a handful of lines; anything near this size is a mistake.
constexpr size_t kMaxDirectoryBytes = 16u << 20;
constexpr int64_t kMaxPolicyValue = 1'000'000'000;

// Walks the parsed document, collecting every problem with its place in the file.
class Reader {
 public:
  explicit Reader(const DirectoryYaml& doc) : doc_(doc) {}

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
    std::vector<std::pair<std::string, const json*>> admin_sections;
    for (const auto& [key, value] : root.items()) {
      std::string at = pointer_join("", key);
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
      } else if (key == "version") {
        std::optional<LabExchangeVersion> version =
            value.is_string() ? parse_version(value.get<std::string>()) : std::nullopt;
        if (!version)
          fail(at, "version must be Exchange2010, Exchange2013, Exchange2016 or Exchange2019");
        else
          out.admin.version = *version;
      } else if (key == "domain") {
        if (!value.is_string() || !is_dns_name(value.get<std::string>()))
          fail(at, "domain is not a DNS name");
        else
          out.admin.domain = to_lower_ascii(value.get<std::string>());
      } else if (is_admin_section(key)) {
        admin_sections.emplace_back(key, &value);
      } else {
        fail_key(at, fmt::format("unknown key '{}' (expected version, domain, hostnames, "
                                 "accounts, mailboxes, contacts, throttling, servers, "
                                 "databases, managementScopes, roleAssignments, "
                                 "throttlingPolicies, throttlingAssociations, adPermissions)",
                                 printable(key)));
      }
    }
    if (out.mailboxes.empty() && errors.empty())
      errors.push_back(make_error("the directory file has no mailboxes", Location{doc_.file}));
    check_impersonation_targets(out);
    assign_aliases(out);
    read_admin(admin_sections, out);
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
    for (size_t i = 0; i < value.size(); ++i) f(pointer_join(at, i), value[i]);
  }

  // A required or optional string field of a mapping.
  std::optional<std::string> text(const std::string& at, const json& map, std::string_view key,
                                  std::string_view what, bool required) {
    auto it = map.find(key);
    if (it == map.end() || it->is_null()) {
      if (required) fail(at, fmt::format("{} has no {}", what, key));
      return std::nullopt;
    }
    std::string p = pointer_join(at, key);
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
        fail_key(pointer_join(at, key), fmt::format("unknown key '{}' in {} (expected {})",
                                                    printable(key), what, expected));
      }
    }
    return true;
  }

  std::optional<std::string> address(const std::string& at, const json& map, std::string_view key,
                                     std::string_view what) {
    std::optional<std::string> value = text(at, map, key, what, true);
    if (value && !is_smtp_address(*value)) {
      fail(pointer_join(at, key), fmt::format("{} {} is not an email address", what, key));
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
    if (!only_keys(at, v, "accounts",
                   {"upn", "password", "alias", "management", "impersonation", "throttling"}))
      return;
    DirectoryAccount account;
    std::optional<std::string> upn = address(at, v, "upn", "account");
    std::optional<std::string> password = text(at, v, "password", "account", true);
    if (upn && !upns_.insert(to_lower_ascii(*upn)).second) {
      fail(pointer_join(at, "upn"), fmt::format("account {} is listed twice", *upn));
      upn.reset();
    }
    if (auto it = v.find("impersonation"); it != v.end() && !it->is_null()) {
      std::string p = pointer_join(at, "impersonation");
      if (it->is_string() && *it == "all") {
        account.impersonation = ImpersonationScope::All;
      } else if (it->is_string() && *it == "none") {
        account.impersonation = ImpersonationScope::None;
      } else if (it->is_array()) {
        account.impersonation = ImpersonationScope::List;
        for (size_t i = 0; i < it->size(); ++i) {
          const json& smtp = (*it)[i];
          if (!smtp.is_string() || !is_smtp_address(smtp.get<std::string>())) {
            fail(pointer_join(p, i), "impersonation entry is not an email address");
            continue;
          }
          account.impersonation_mailboxes.push_back(smtp.get<std::string>());
          impersonation_refs_.emplace_back(smtp.get<std::string>(), pointer_join(p, i));
        }
      } else {
        fail(p, "impersonation must be all, none or a list of mailbox addresses");
      }
    }
    if (auto it = v.find("throttling"); it != v.end() && !it->is_null()) {
      if (it->is_string() && (*it == "default" || *it == "unlimited")) {
        account.throttling_unlimited = *it == "unlimited";
      } else {
        fail(pointer_join(at, "throttling"), "account throttling must be default or unlimited");
      }
    }
    if (std::optional<std::string> alias = read_alias(at, v, "account")) account.alias = *alias;
    if (auto it = v.find("management"); it != v.end() && !it->is_null()) {
      if (it->is_boolean())
        account.management = it->get<bool>();
      else
        fail(pointer_join(at, "management"), "account management must be true or false");
    }
    if (!upn || !password) return;
    account.upn = *upn;
    account.password = *password;
    out.accounts.push_back(std::move(account));
  }

  void read_mailbox(const std::string& at, const json& v, LabDirectory& out) {
    if (!only_keys(at, v, "mailboxes",
                   {"smtp", "name", "alias", "folders", "memberOf", "attributes"}))
      return;
    DirectoryMailbox mailbox;
    std::optional<std::string> smtp = address(at, v, "smtp", "mailbox");
    std::optional<std::string> name = text(at, v, "name", "mailbox", false);
    if (smtp && !addresses_.insert(to_lower_ascii(*smtp)).second) {
      fail(pointer_join(at, "smtp"), fmt::format("address {} is listed twice", *smtp));
      smtp.reset();
    }
    if (auto it = v.find("folders"); it != v.end() && !it->is_null()) {
      std::string p = pointer_join(at, "folders");
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
    if (std::optional<std::string> alias = read_alias(at, v, "mailbox")) mailbox.alias = *alias;
    read_member_of(at, v, mailbox);
    read_attributes(at, v, mailbox);
    if (!smtp) return;
    mailbox.smtp = *smtp;
    mailbox.name = name ? *name : smtp->substr(0, smtp->find('@'));
    out.mailboxes.push_back(std::move(mailbox));
  }

  void read_contact(const std::string& at, const json& v, LabDirectory& out) {
    if (!v.is_string() || !is_smtp_address(v.get<std::string>())) {
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
      std::string p = pointer_join(at, key);
      unsigned concurrency = 0;
      unsigned* field = key == "maxConcurrency"      ? &concurrency
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
        if (field == &concurrency) policy.max_concurrency = concurrency;
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

  static bool is_admin_section(std::string_view key) {
    for (std::string_view k : {"servers", "databases", "managementScopes", "roleAssignments",
                               "throttlingPolicies", "throttlingAssociations", "adPermissions"})
      if (key == k) return true;
    return false;
  }

  static bool is_alias(std::string_view alias) {
    if (alias.empty() || alias.size() > 64 || alias.front() == '.' || alias.back() == '.')
      return false;
    for (char c : alias) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
      if (!ok) return false;
    }
    return true;
  }

  std::optional<std::string> read_alias(const std::string& at, const json& v,
                                        std::string_view what) {
    std::optional<std::string> alias = text(at, v, "alias", what, false);
    if (!alias) return std::nullopt;
    std::string p = pointer_join(at, "alias");
    if (!is_alias(*alias)) {
      fail(p, fmt::format("{} alias '{}' has a character an Exchange alias cannot have", what,
                          printable(*alias)));
      return std::nullopt;
    }
    explicit_aliases_.emplace_back(*alias, p);
    return alias;
  }

  void read_member_of(const std::string& at, const json& v, DirectoryMailbox& mailbox) {
    auto it = v.find("memberOf");
    if (it == v.end() || it->is_null()) return;
    for_each_item(pointer_join(at, "memberOf"), *it, "memberOf",
                  [&](const std::string& p, const json& g) {
                    if (!g.is_string() || g.get<std::string>().find('=') == std::string::npos)
                      fail(p, "memberOf entry must be a group's distinguished name (CN=...)");
                    else
                      mailbox.member_of.push_back(g.get<std::string>());
                  });
  }

  void read_attributes(const std::string& at, const json& v, DirectoryMailbox& mailbox) {
    auto it = v.find("attributes");
    if (it == v.end() || it->is_null()) return;
    std::string p = pointer_join(at, "attributes");
    if (!it->is_object()) {
      fail(p, "attributes must be a mapping of attribute name to text");
      return;
    }
    for (const auto& [key, value] : it->items()) {
      std::string name = canonical_attribute(key);
      std::string kp = pointer_join(p, key);
      if (name.empty()) {
        fail_key(kp, fmt::format("'{}' is not a filterable attribute the lab knows (for "
                                 "example City, Department, Company, Office, Title, "
                                 "CustomAttribute1)",
                                 printable(key)));
      } else if (!value.is_string() && !value.is_number_integer()) {
        fail(kp, fmt::format("attribute {} must be text", name));
      } else {
        mailbox.attributes[name] = value.is_string() ? value.get<std::string>() : value.dump();
      }
    }
  }

  // Explicit aliases must be unique; the others (the address's local part) are made unique
  // with a number, as Exchange does.
  void assign_aliases(LabDirectory& out) {
    std::set<std::string> taken;
    for (const auto& [alias, place] : explicit_aliases_)
      if (!taken.insert(to_lower_ascii(alias)).second)
        fail(place, fmt::format("alias '{}' is used twice", alias));
    auto unique = [&](const std::string& address) {
      std::string base = address.substr(0, address.find('@'));
      std::string alias = base;
      for (int n = 2; taken.contains(to_lower_ascii(alias)); ++n) alias = base + std::to_string(n);
      taken.insert(to_lower_ascii(alias));
      return alias;
    };
    for (DirectoryAccount& a : out.accounts) {
      for (DirectoryMailbox& m : out.mailboxes) {
        if (!iequals(m.smtp, a.upn)) continue;
        if (!m.alias.empty() && !a.alias.empty() && !iequals(m.alias, a.alias))
          errors.push_back(
              make_error(fmt::format("account {} and its mailbox have different aliases", a.upn),
                         Location{doc_.file}));
        if (a.alias.empty()) a.alias = m.alias;
        m.alias = a.alias;
      }
    }
    for (DirectoryAccount& a : out.accounts)
      if (a.alias.empty()) a.alias = unique(a.upn);
    for (DirectoryMailbox& m : out.mailboxes) {
      if (!m.alias.empty()) continue;
      for (const DirectoryAccount& a : out.accounts)
        if (iequals(a.upn, m.smtp)) m.alias = a.alias;
      if (m.alias.empty()) m.alias = unique(m.smtp);
    }
  }

  // A mapping of text fields (booleans where `booleans` names them) for an admin object.
  std::optional<std::map<std::string, json>> admin_fields(
      const std::string& at, const json& v, std::string_view what,
      std::initializer_list<std::string_view> keys,
      std::initializer_list<std::string_view> required) {
    if (!only_keys(at, v, what, keys)) return std::nullopt;
    std::map<std::string, json> fields;
    bool ok = true;
    for (const auto& [key, value] : v.items()) {
      std::string p = pointer_join(at, key);
      bool boolean = key == "enabled" || key == "clientAccess";
      if (key == "ewsLimits") {
        if (!value.is_object()) {
          fail(p, "ewsLimits must be a mapping of parameter name to a number or Unlimited");
          ok = false;
        }
      } else if (boolean ? !value.is_boolean() : !value.is_string()) {
        fail(p, fmt::format("{} {} must be {}", what, key, boolean ? "true or false" : "text"));
        ok = false;
      }
      fields[key] = value;
    }
    for (std::string_view key : required) {
      if (!fields.contains(std::string(key))) {
        fail(at, fmt::format("{} has no {}", what, key));
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return fields;
  }

  static std::string field(const std::map<std::string, json>& fields, const std::string& key) {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second.get<std::string>();
  }

  // Applies each admin object through the cmdlets' rules, in dependency order.
  void read_admin(const std::vector<std::pair<std::string, const json*>>& sections,
                  LabDirectory& out) {
    AdminObjects& admin = out.admin;
    if (admin.domain.empty()) {
      std::string first = !out.accounts.empty()    ? out.accounts[0].upn
                          : !out.mailboxes.empty() ? out.mailboxes[0].smtp
                                                   : "lab@example.local";
      admin.domain = to_lower_ascii(first.substr(first.find('@') + 1));
    }
    std::vector<LabRecipient> recipients;  // filled once the databases are known
    AdminRules rules(admin, recipients);
    auto section = [&](std::string_view name) -> const json* {
      for (const auto& [key, value] : sections)
        if (key == name) return value;
      return nullptr;
    };
    auto each = [&](std::string_view name, std::string_view what,
                    std::initializer_list<std::string_view> keys,
                    std::initializer_list<std::string_view> required, auto&& apply) {
      const json* value = section(name);
      if (!value) return;
      std::string at = pointer_join("", std::string(name));
      for_each_item(at, *value, what, [&](const std::string& p, const json& v) {
        std::optional<std::map<std::string, json>> fields =
            admin_fields(p, v, what, keys, required);
        if (!fields) return;
        Status done = apply(*fields);
        if (!done.ok()) fail(p, done.errors().front().message);
      });
    };
    each("servers", "servers", {"name", "distinguishedName", "clientAccess"}, {"name"},
         [&](const std::map<std::string, json>& f) {
           LabExchangeServer server{field(f, "name"), field(f, "distinguishedName")};
           if (auto it = f.find("clientAccess"); it != f.end())
             server.client_access = it->second.get<bool>();
           return rules.add_server(server);
         });
    if (!section("servers")) {
      std::string name =
          out.hostnames.empty() ? "exch01" : out.hostnames[0].substr(0, out.hostnames[0].find('.'));
      (void)rules.add_server(LabExchangeServer{name, ""});
    }
    each("databases", "databases", {"name", "distinguishedName"}, {"name"},
         [&](const std::map<std::string, json>& f) {
           return rules.add_database(LabDatabase{field(f, "name"), field(f, "distinguishedName")});
         });
    if (admin.databases.empty()) (void)rules.add_database(LabDatabase{"DB01", ""});
    recipients = directory_recipients(out);
    each("managementScopes", "managementScopes", {"name", "recipientFilter", "recipientRoot"},
         {"name", "recipientFilter"}, [&](const std::map<std::string, json>& f) {
           return rules.new_scope(LabManagementScope{field(f, "name"), field(f, "recipientFilter"),
                                                     field(f, "recipientRoot")});
         });
    each("roleAssignments", "roleAssignments",
         {"name", "role", "user", "customRecipientWriteScope", "enabled"}, {"role", "user"},
         [&](const std::map<std::string, json>& f) {
           LabRoleAssignment a{field(f, "name"), field(f, "role"), field(f, "user"),
                               field(f, "customRecipientWriteScope")};
           if (auto it = f.find("enabled"); it != f.end()) a.enabled = it->second.get<bool>();
           return rules.new_assignment(a);
         });
    each("throttlingPolicies", "throttlingPolicies", {"name", "scope", "ewsLimits"}, {"name"},
         [&](const std::map<std::string, json>& f) -> Status {
           LabThrottlingPolicy policy;
           policy.name = field(f, "name");
           if (f.contains("scope")) policy.scope = field(f, "scope");
           if (auto it = f.find("ewsLimits"); it != f.end()) {
             for (const auto& [key, value] : it->second.items()) {
               if (!value.is_string() && !value.is_number_integer())
                 return make_error(fmt::format("ewsLimits {} must be a number or Unlimited", key));
               policy.ews_limits[key] = value.is_string() ? value.get<std::string>() : value.dump();
             }
           }
           return rules.new_policy(policy);
         });
    each("throttlingAssociations", "throttlingAssociations", {"user", "policy"}, {"user", "policy"},
         [&](const std::map<std::string, json>& f) {
           return rules.set_association(field(f, "user"), field(f, "policy"));
         });
    each("adPermissions", "adPermissions", {"identity", "user", "extendedRight"},
         {"identity", "user", "extendedRight"}, [&](const std::map<std::string, json>& f) {
           return rules.add_permission(
               LabAdPermission{field(f, "identity"), field(f, "user"), field(f, "extendedRight")});
         });
  }

  const DirectoryYaml& doc_;
  std::vector<std::pair<std::string, std::string>> explicit_aliases_;  // alias, where
  std::set<std::string> upns_, addresses_;
  std::vector<std::pair<std::string, std::string>> impersonation_refs_;  // smtp, where
};

}  // namespace

std::vector<LabRecipient> directory_recipients(const LabDirectory& d) {
  std::vector<LabRecipient> out;
  std::string database = d.admin.databases.empty() ? "DB01" : d.admin.databases[0].name;
  for (const DirectoryMailbox& m : d.mailboxes) {
    std::string upn = m.smtp;
    for (const DirectoryAccount& a : d.accounts)
      if (iequals(a.upn, m.smtp)) upn = a.upn;
    out.push_back(make_recipient(m.name, m.alias, upn, m.smtp, database, d.admin.domain));
    out.back().member_of = m.member_of;
    out.back().attributes = m.attributes;
  }
  for (const DirectoryAccount& a : d.accounts) {
    bool has_mailbox = false;
    for (const DirectoryMailbox& m : d.mailboxes)
      has_mailbox = has_mailbox || iequals(m.smtp, a.upn);
    if (!has_mailbox)
      out.push_back(make_recipient(a.alias, a.alias, a.upn, a.upn, database, d.admin.domain));
  }
  return out;
}

Result<LabDirectory> parse_directory(const std::string& file, std::string_view text) {
  try {
    Result<DirectoryYaml> doc = read_directory_yaml(file, text);
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
