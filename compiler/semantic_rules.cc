#include "compiler/semantic_rules.h"

#include <fmt/format.h>

#include <charconv>
#include <regex>
#include <string_view>
#include <unordered_map>

#include "compiler/email_address.h"
#include "compiler/text_checks.h"

namespace sd {
namespace {

// Names compare without ASCII case where Exchange and NexJ do (logins, addresses, and our own
// names, where two that differ only in case are a mistake even if some system would allow it).
struct CaseInsensitiveHash {
  size_t operator()(std::string_view s) const noexcept {
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the lower-cased bytes
    for (char c : s) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    return static_cast<size_t>(h);
  }
};
struct CaseInsensitiveEqual {
  bool operator()(std::string_view a, std::string_view b) const noexcept { return iequals(a, b); }
};
template <class V>
using CaseInsensitiveMap =
    std::unordered_map<std::string_view, V, CaseInsensitiveHash, CaseInsensitiveEqual>;

const char* version_name(ExchangeVersion v) {
  switch (v) {
    case ExchangeVersion::Exchange2010:
      return "Exchange2010";
    case ExchangeVersion::Exchange2013:
      return "Exchange2013";
    case ExchangeVersion::Exchange2016:
      return "Exchange2016";
    case ExchangeVersion::Exchange2019:
      return "Exchange2019";
    case ExchangeVersion::ExchangeOnline:
      return "ExchangeOnline";
  }
  return "?";
}

std::string single_quoted(std::string_view value) {
  return "'" + printable(value) + "'";
}

// "a, b, c" with at most ten names, so a list of thousands stays one readable line.
std::string name_list(const std::vector<std::string_view>& names) {
  constexpr size_t kShown = 10;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) {
    if (i > 0) out += ", ";
    out += printable(names[i], 40);
  }
  if (names.size() > kShown) out += fmt::format(" and {} more", names.size() - kShown);
  return out;
}

bool has_control_character(std::string_view s) {
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

// Just enough URL parsing to require scheme://host[:port] and find the host.
struct Url {
  std::string_view scheme, host;
  std::string_view problem;  // empty when the URL has that shape
};

Url parse_url(std::string_view url) {
  auto bad = [](std::string_view why) { return Url{{}, {}, why}; };
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
      return bad("spaces and control characters are not allowed");
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return bad("expected scheme://host[:port][/path]");
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos)
    return bad("user names and passwords do not belong in a URL");
  // The port follows the last ':' that is not inside an IPv6 literal ([::1]:443).
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) != std::string_view::npos)
    colon = std::string_view::npos;
  std::string_view host = authority.substr(0, colon);
  if (host.empty()) return bad("no host");
  const bool ipv6 = host.size() > 2 && host.front() == '[' && host.back() == ']';
  for (char c : ipv6 ? host.substr(1, host.size() - 2) : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || (ipv6 && c == ':');
    if (!ok) return bad("the host has a character that is not allowed");
  }
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    unsigned number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number == 0 ||
        number > 65535)
      return bad("the port is not a number from 1 to 65535");
  }
  return Url{url.substr(0, sep), host, {}};
}

bool is_loopback(std::string_view host) {
  return iequals(host, "localhost") || host.starts_with("127.") || host == "[::1]";
}

bool is_hh_mm(std::string_view s) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() != 5 || s[2] != ':' || !digit(s[0]) || !digit(s[1]) || !digit(s[3]) || !digit(s[4]))
    return false;
  int hours = (s[0] - '0') * 10 + (s[1] - '0');
  int minutes = (s[3] - '0') * 10 + (s[4] - '0');
  return hours <= 23 && minutes <= 59;
}

class Checker {
 public:
  Checker(const Spec& spec, const Document& doc) : spec_(spec), doc_(doc) {}

  std::vector<Error> run() {
    index();
    check_exchange();
    check_channels();
    check_targets();
    check_global_options();
    check_user_options();
    check_users();
    sort_and_dedupe(errors_);
    return std::move(errors_);
  }

 private:
  // Indexes of the names references point at, built before any rule runs.
  void index() {
    for (const ExchangeServer& s : spec_.exchange.servers) {
      if (servers_.emplace(s.name, &s).second) server_names_.push_back(s.name);
    }
    for (const SenderChannel& s : spec_.nexj.channels.senders) {
      if (senders_.emplace(s.channel, &s).second) sender_names_.push_back(s.channel);
    }
    for (const Target& t : spec_.nexj.targets) {
      if (targets_.emplace(t.name, &t).second) target_names_.push_back(t.name);
    }
  }

  static std::string field(std::string_view at, std::string_view name) {
    return std::string(at) + "/" + std::string(name);
  }

  void fail(std::string message, const std::string& pointer) {
    errors_.push_back(make_error(std::move(message), doc_.locate(pointer), human_path(pointer)));
  }

  // "line 12" when `first` is in the file of `here`, else "users.csv:12".
  static std::string first_at(const Location& first, const Location& here) {
    if (first.file == here.file) return fmt::format("line {}", first.line);
    return fmt::format("{}:{}", first.file, first.line);
  }

  // Names that must be unique, without case; each duplicate names where the first one is.
  struct Named {
    std::string_view name;
    std::string pointer;
  };
  void check_unique(const std::vector<Named>& items, std::string_view what) {
    CaseInsensitiveMap<size_t> seen;
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].name.empty()) continue;  // the schema reports missing names
      auto [it, inserted] = seen.emplace(items[i].name, i);
      if (inserted) continue;
      Location here = doc_.locate(items[i].pointer);
      fail(fmt::format("duplicate {} {} (first at {})", what, single_quoted(items[i].name),
                       first_at(doc_.locate(items[it->second].pointer), here)),
           items[i].pointer);
    }
  }

  // Only URLs the spec writes: a default derived from another URL (anonymousUrl from url,
  // a target's nexjUrl from anonymousUrl) would repeat that URL's error.
  void check_url(std::string_view url, const std::string& pointer, std::string_view why_https) {
    if (url.empty() || !doc_.positions.contains(pointer)) return;
    Url u = parse_url(url);
    if (!u.problem.empty()) {
      fail(fmt::format("invalid URL {}: {}", quoted(url), u.problem), pointer);
    } else if (!iequals(u.scheme, "https")) {
      fail(fmt::format("{} must use https ({}), not {}", quoted(url), why_https,
                       printable(u.scheme)),
           pointer);
    }
  }

  void check_email(std::string_view address, const std::string& pointer, std::string_view what) {
    if (std::string_view why = email_address_problem(address); !why.empty())
      fail(fmt::format("invalid {} {}: {}", what, quoted(address), why), pointer);
  }

  void check_exchange() {
    const Exchange& ex = spec_.exchange;
    const bool online = ex.version == ExchangeVersion::ExchangeOnline;
    const Management& m = ex.management;
    check_url(m.url, field(m.at, "url"), "WinRM over HTTPS, port 5986 by default");
    if (m.auth == Management::Auth::Basic) {
      std::vector<std::string_view> missing;
      if (m.username.empty()) missing.push_back("username");
      if (!m.password) missing.push_back("password");
      if (!missing.empty())
        fail(fmt::format("auth basic needs username and password; missing: {}", name_list(missing)),
             field(m.at, "auth"));
      if (!m.certificateFile.empty() || !m.keyFile.empty())
        fail("certificateFile and keyFile are used only with auth: certificate",
             field(m.at, m.certificateFile.empty() ? "keyFile" : "certificateFile"));
    } else {
      std::vector<std::string_view> missing;
      if (m.certificateFile.empty()) missing.push_back("certificateFile");
      if (m.keyFile.empty()) missing.push_back("keyFile");
      if (!missing.empty())
        fail(fmt::format("auth certificate needs certificateFile and keyFile; missing: {}",
                         name_list(missing)),
             field(m.at, "auth"));
      if (m.password) fail("password is used only with auth: basic", field(m.at, "password"));
    }

    const ServiceAccount& sa = ex.serviceAccount;
    if (size_t slash = sa.upn.find('\\'); slash != std::string::npos) {
      if (slash == 0 || slash + 1 == sa.upn.size() ||
          sa.upn.find('\\', slash + 1) != std::string::npos)
        fail(fmt::format("invalid account name {}: expected DOMAIN\\name or name@domain",
                         quoted(sa.upn)),
             field(sa.at, "upn"));
    } else if (!sa.upn.empty()) {
      check_email(sa.upn, field(sa.at, "upn"), "user principal name");
    }

    const Impersonation& imp = ex.impersonation;
    const bool rbac = imp.method == Impersonation::Method::Rbac;
    if (online && rbac) {
      fail(
          "ApplicationImpersonation was retired in Exchange Online in February 2025; use RBAC "
          "for Applications (role 'Application EWS.AccessAsApp' assigned to a service principal)",
          field(imp.at, "method"));
    } else if (online) {
      fail(
          "the ms-Exch-EPI-* extended rights (method extendedRights) cannot be granted in "
          "Exchange Online; use RBAC for Applications (role 'Application EWS.AccessAsApp' "
          "assigned to a service principal)",
          field(imp.at, "method"));
    }
    if (imp.scope && !rbac)
      fail("scope limits an RBAC role assignment; method extendedRights has no scope",
           field(imp.at, "scope"));
    // New-ManagementRoleAssignment and New-ManagementScope take names of at most 64 characters.
    if (rbac && !online) {
      if (imp.assignmentName.size() > 64) {
        fail(fmt::format("assignmentName is {} characters long; Exchange allows at most 64",
                         imp.assignmentName.size()),
             field(imp.at, "assignmentName"));
      } else if (imp.assignmentName.empty() &&
                 sa.identity.size() + sizeof("-ApplicationImpersonation") - 1 > 64) {
        fail(
            "the default role assignment name '<identity>-ApplicationImpersonation' is longer "
            "than the 64 characters Exchange allows; set impersonation.assignmentName",
            field(sa.at, "identity"));
      }
      if (imp.scope && imp.scope->name.size() > 64)
        fail(fmt::format("scope name is {} characters long; Exchange allows at most 64",
                         imp.scope->name.size()),
             field(imp.scope->at, "name"));
    }

    if (ex.throttling) check_throttling(*ex.throttling, ex.version);

    std::vector<Named> names, hosts;
    for (const ExchangeServer& s : ex.servers) {
      names.push_back({s.name, field(s.at, "name")});
      hosts.push_back({s.host, field(s.at, "host")});
      check_url(s.ewsUrl, field(s.at, "ewsUrl"), "EWS carries the service account's credentials");
    }
    check_unique(names, "server name");
    check_unique(hosts, "server host");
  }

  void check_throttling(const Throttling& t, ExchangeVersion version) {
    if (version == ExchangeVersion::ExchangeOnline) {
      fail(
          "throttling policies cannot be changed in Exchange Online (there is no throttling "
          "cmdlet); remove exchange.throttling",
          t.at);
      return;
    }
    struct Param {
      const std::optional<Limit>& value;
      const char* field;
      const char* cmdlet;
      bool exchange2010_only;
    };
    const EwsLimits& e = t.ews;
    const Param params[] = {
        {e.maxBurst, "maxBurst", "EwsMaxBurst", false},
        {e.rechargeRate, "rechargeRate", "EwsRechargeRate", false},
        {e.cutoffBalance, "cutoffBalance", "EwsCutoffBalance", false},
        {e.percentTimeInAD, "percentTimeInAD", "EWSPercentTimeInAD", true},
        {e.percentTimeInCAS, "percentTimeInCAS", "EWSPercentTimeInCAS", true},
        {e.percentTimeInMailboxRPC, "percentTimeInMailboxRPC", "EWSPercentTimeInMailboxRPC", true},
        {e.fastSearchTimeoutInSeconds, "fastSearchTimeoutInSeconds",
         "EWSFastSearchTimeoutInSeconds", true},
        {e.findCountLimit, "findCountLimit", "EWSFindCountLimit", true},
    };
    const bool is2010 = version == ExchangeVersion::Exchange2010;
    for (const Param& p : params) {
      if (!p.value) continue;
      if (is2010 && !p.exchange2010_only) {
        fail(fmt::format("{} ({}) does not exist on Exchange2010; it came with Exchange 2013",
                         p.field, p.cmdlet),
             field(e.at, p.field));
      } else if (!is2010 && p.exchange2010_only) {
        fail(fmt::format("{} ({}) exists only on Exchange2010, not on {}", p.field, p.cmdlet,
                         version_name(version)),
             field(e.at, p.field));
      }
    }
    if (e.maxConcurrency && e.maxConcurrency->value == 0u)
      fail(
          "maxConcurrency 0 would refuse every EWS request of the service account; give at "
          "least 1 or unlimited",
          field(e.at, "maxConcurrency"));
    if (e.maxSubscriptions && e.maxSubscriptions->value == 0u)
      fail(
          "maxSubscriptions 0 would refuse every notification subscription; give at least 1 "
          "or unlimited",
          field(e.at, "maxSubscriptions"));
  }

  void check_channels() {
    const Nexj& nexj = spec_.nexj;
    check_url(nexj.url, field(nexj.at, "url"), kNexjHttps);
    check_url(nexj.anonymousUrl, field(nexj.at, "anonymousUrl"), kNexjHttps);

    const Channels& ch = nexj.channels;
    std::vector<Named> names;
    if (ch.mail) {
      const MailChannel& mail = *ch.mail;
      names.push_back({mail.channel, field(mail.at, "channel")});
      if (mail.from) check_email(*mail.from, field(mail.at, "from"), "email address");
      if (mail.outAuthentication && *mail.outAuthentication == "basic" &&
          (!mail.user || mail.user->empty() || !mail.password))
        fail("outAuthentication basic needs user and password",
             field(mail.at, "outAuthentication"));
      if (mail.inPort == 0u) fail("port 0 is not a valid port", field(mail.at, "inPort"));
      if (mail.outPort == 0u) fail("port 0 is not a valid port", field(mail.at, "outPort"));
    }
    for (const SenderChannel& s : ch.senders) {
      names.push_back({s.channel, field(s.at, "channel")});
      if (!s.server.empty() && !servers_.contains(s.server))
        unknown("server", s.server, field(s.at, "server"), server_names_, "exchange.servers");
      if (s.maxSenders == 0u)
        fail(
            "maxSenders 0 leaves the channel no connections to EWS; give at least 1 or leave "
            "it unset",
            field(s.at, "maxSenders"));
    }
    if (ch.receiver) names.push_back({ch.receiver->channel, field(ch.receiver->at, "channel")});
    check_unique(names, "channel name");
  }

  void unknown(std::string_view kind, std::string_view name, const std::string& pointer,
               const std::vector<std::string_view>& defined, std::string_view where) {
    if (defined.empty()) {
      fail(fmt::format("unknown {} {}; none is defined ({} is empty)", kind, single_quoted(name),
                       where),
           pointer);
    } else {
      fail(fmt::format("unknown {} {}; defined {}s: {}", kind, single_quoted(name), kind,
                       name_list(defined)),
           pointer);
    }
  }

  void check_targets() {
    const Nexj& nexj = spec_.nexj;
    const ExchangeVersion version = spec_.exchange.version;
    std::vector<Named> names;
    std::unordered_map<std::string_view, size_t> target_of_server;
    for (size_t i = 0; i < nexj.targets.size(); ++i) {
      const Target& t = nexj.targets[i];
      names.push_back({t.name, field(t.at, "name")});
      const std::string server_at = field(t.at, "server"), sender_at = field(t.at, "sender");
      if (!servers_.contains(t.server)) {
        unknown("server", t.server, server_at, server_names_, "exchange.servers");
      } else if (auto [it, inserted] = target_of_server.emplace(t.server, i); !inserted) {
        const Target& first = nexj.targets[it->second];
        fail(fmt::format("target {} uses server {} like target {} (line {}); each Exchange "
                         "server has exactly one target",
                         single_quoted(t.name), single_quoted(t.server), single_quoted(first.name),
                         doc_.locate(field(first.at, "server")).line),
             server_at);
      }
      auto sender = senders_.find(t.sender);
      if (sender == senders_.end()) {
        unknown("sender channel", t.sender, sender_at, sender_names_, "nexj.channels.senders");
      } else if (const SenderChannel& s = *sender->second;
                 servers_.contains(t.server) && s.server != t.server) {
        fail(fmt::format("target {} is on server {} but its sender {} points at server {}",
                         single_quoted(t.name), single_quoted(t.server), single_quoted(s.channel),
                         single_quoted(s.server)),
             sender_at);
      }

      const std::string subscription_at = field(t.at, "subscription");
      if (t.subscription == Subscription::Streaming) {
        if (version == ExchangeVersion::Exchange2010)
          fail(
              "Exchange2010 supports push subscriptions only; streaming needs Exchange 2013 or "
              "later",
              subscription_at);
        if (!t.autodiscover)
          fail("streaming subscriptions need autodiscover: true on the target",
               field(t.at, "autodiscover"));
        if (sender != senders_.end() && !sender->second->maxSenders)
          fail(fmt::format("sender {} needs maxSenders: NexJ requires it with streaming "
                           "subscriptions (a tenth of the synchronized users is the usual value)",
                           single_quoted(sender->second->channel)),
               field(sender->second->at, "maxSenders"));
      } else {
        if (version == ExchangeVersion::ExchangeOnline)
          fail("Exchange Online supports streaming subscriptions only, not push", subscription_at);
        if (!nexj.channels.receiver)
          fail(
              "push subscriptions need the notification receiver channel "
              "(nexj.channels.receiver)",
              subscription_at);
        check_push_url(t);
      }
      check_url(t.nexjUrl, field(t.at, "nexjUrl"), kNexjHttps);
    }
    check_unique(names, "target name");
  }

  // Exchange posts push notifications to the target's NexJ URL: a loopback host cannot work.
  void check_push_url(const Target& t) {
    const bool own = !t.nexjUrl.empty();
    std::string_view url = own ? std::string_view(t.nexjUrl) : spec_.nexj.anonymousUrl;
    Url u = parse_url(url);
    if (!u.problem.empty() || !is_loopback(u.host)) return;
    fail(fmt::format("target {} uses push subscriptions: Exchange posts notifications to {}, "
                     "and {} is not reachable from the Exchange server",
                     single_quoted(t.name), quoted(url), single_quoted(u.host)),
         own ? field(t.at, "nexjUrl") : field(spec_.nexj.at, "anonymousUrl"));
  }

  void check_global_options() {
    const GlobalOptions& g = spec_.nexj.globalOptions;
    auto check_time = [&](const std::optional<std::string>& time, std::string_view block) {
      if (time && !is_hh_mm(*time))
        fail(fmt::format("startTime {} is not a time of day; expected HH:MM from 00:00 to 23:59",
                         quoted(*time)),
             field(g.at, std::string(block) + "/startTime"));
    };
    check_time(g.batchSyncSetup.startTime, "batchSyncSetup");
    check_time(g.autodiscover.startTime, "autodiscover");
    if (g.batchSyncSetup.periodMinutes == 0u)
      fail("periodMinutes must be at least 1", field(g.at, "batchSyncSetup/periodMinutes"));
    if (g.autodiscover.periodMinutes == 0u)
      fail("periodMinutes must be at least 1", field(g.at, "autodiscover/periodMinutes"));
    if (!g.emailBlacklist) return;
    for (size_t i = 0; i < g.emailBlacklist->size(); ++i) {
      const std::string& pattern = (*g.emailBlacklist)[i];
      const std::string at = pointer_append(field(g.at, "emailBlacklist"), i);
      if (pattern.empty()) {
        fail("an empty pattern matches every address", at);
        continue;
      }
      if (pattern.size() > 1000) {
        fail("pattern is longer than 1000 characters", at);
        continue;
      }
      try {
        std::regex compiled(pattern, std::regex::ECMAScript);
      } catch (const std::exception& e) {
        // libstdc++ calls a leading quantifier "mismatched parentheses": say what is wrong.
        std::string why = e.what();
        if (std::string_view("*+?{").find(pattern.front()) != std::string_view::npos)
          why = fmt::format(
              "'{}' at the start has nothing to repeat (these are regular "
              "expressions, not wildcards: *@example.com is written "
              ".*@example\\.com)",
              pattern.front());
        fail(fmt::format("pattern {} is not a valid regular expression: {}", quoted(pattern), why),
             at);
      }
    }
  }

  void check_user_options() {
    std::vector<Named> scopes;
    for (const UserOptions& o : spec_.nexj.userOptions) {
      const std::string at = field(o.at, "scope");
      scopes.push_back({o.scope, at});
      std::string_view s = o.scope;
      bool ok = s == "system" || (s.starts_with("userType:") && s.size() > 9) ||
                (s.starts_with("user:") && s.size() > 5);
      if (!ok)
        fail(fmt::format("invalid scope {}; expected system, userType:<name> or user:<login>",
                         quoted(s)),
             at);
    }
    check_unique(scopes, "userOptions scope");
  }

  Location user_location(const User& u, std::string_view name) const {
    if (u.origin.source == 0) return doc_.locate(field(u.at, name));
    size_t index = u.origin.source - 1u;
    std::string file = index < spec_.users.csvFiles.size() ? spec_.users.csvFiles[index] : "?";
    return Location{std::move(file), u.origin.line, 0};
  }

  void user_fail(const User& u, std::string_view name, std::string message) {
    std::string subject =
        u.origin.source == 0 ? human_path(field(u.at, name)) : "column " + std::string(name);
    errors_.push_back(make_error(std::move(message), user_location(u, name), std::move(subject)));
  }

  void check_users() {
    const Users& users = spec_.users;
    const std::string default_at = field(users.at, "defaults/target");
    if (!users.defaultTarget.empty() && !targets_.contains(users.defaultTarget))
      unknown("target", users.defaultTarget, default_at, target_names_, "nexj.targets");

    std::vector<Named> files;
    for (size_t i = 0; i < users.csvFiles.size(); ++i)
      files.push_back({users.csvFiles[i], i < users.csvAt.size() ? users.csvAt[i] : users.at});
    check_unique(files, "users CSV file");

    CaseInsensitiveMap<const User*> logins, emails;
    logins.reserve(users.list.size());
    emails.reserve(users.list.size());
    std::string defined_targets;  // built once: a bad CSV can name an unknown target 100k times
    // CSV rows without a target, per file: one error each, not one per row.
    std::unordered_map<uint16_t, std::pair<uint32_t, size_t>> untargeted;
    for (const User& u : users.list) {
      const bool inline_user = u.origin.source == 0;
      if (inline_user) check_inline_user(u);
      if (u.target.empty()) {
        if (inline_user) {
          user_fail(u, "target",
                    fmt::format("user {} has no target: give target or set "
                                "users.defaults.target",
                                single_quoted(u.login)));
        } else {
          auto [it, inserted] = untargeted.emplace(u.origin.source, std::pair{u.origin.line, 0});
          ++it->second.second;
        }
      } else if (u.target != users.defaultTarget && !targets_.contains(u.target)) {
        if (defined_targets.empty())
          defined_targets = target_names_.empty() ? "none is defined (nexj.targets is empty)"
                                                  : "defined targets: " + name_list(target_names_);
        user_fail(u, "target",
                  fmt::format("unknown target {}; {}", single_quoted(u.target), defined_targets));
      }
      if (!u.login.empty()) {
        auto [it, inserted] = logins.emplace(u.login, &u);
        if (!inserted)
          user_fail(u, "login",
                    fmt::format(
                        "duplicate login {} (first at {})", single_quoted(u.login),
                        first_at(user_location(*it->second, "login"), user_location(u, "login"))));
      }
      if (!u.email.empty()) {
        auto [it, inserted] = emails.emplace(u.email, &u);
        if (!inserted)
          user_fail(u, "email",
                    fmt::format(
                        "duplicate email address {} (first for login {} at {})",
                        single_quoted(u.email), single_quoted(it->second->login),
                        first_at(user_location(*it->second, "email"), user_location(u, "email"))));
      }
    }
    for (const auto& [source, first] : untargeted) {
      User probe;
      probe.origin = UserOrigin{source, first.first};
      user_fail(probe, "target",
                fmt::format("{} user{} without a target (first at this line); fill the target "
                            "column or set users.defaults.target",
                            first.second, first.second == 1 ? "" : "s"));
    }
  }

  // CSV rows were checked by the parser; inline users get the same checks here.
  void check_inline_user(const User& u) {
    if (u.login.empty()) {
      user_fail(u, "login", "login is empty");
    } else if (has_control_character(u.login)) {
      user_fail(u, "login", fmt::format("login {} has a control character", quoted(u.login)));
    } else if (u.login.front() == ' ' || u.login.back() == ' ') {
      user_fail(u, "login",
                fmt::format("login {} has leading or trailing spaces", quoted(u.login)));
    }
    if (std::string_view why = email_address_problem(u.email); !why.empty())
      user_fail(u, "email", fmt::format("invalid email address {}: {}", quoted(u.email), why));
  }

  static constexpr std::string_view kNexjHttps =
      "SSL on the NexJ application server is a precondition of Exchange synchronization";

  const Spec& spec_;
  const Document& doc_;
  std::vector<Error> errors_;

  std::unordered_map<std::string_view, const ExchangeServer*> servers_;
  std::unordered_map<std::string_view, const SenderChannel*> senders_;
  std::unordered_map<std::string_view, const Target*> targets_;
  std::vector<std::string_view> server_names_, sender_names_, target_names_;
};

}  // namespace

std::vector<Error> check_semantics(const Spec& spec, const Document& doc) {
  return Checker(spec, doc).run();
}

}  // namespace sd
