#include "spec/semantic_rules.h"

#include <fmt/format.h>

#include <regex>
#include <string_view>
#include <unordered_map>

#include "base/text_checks.h"
#include "spec/document.h"
#include "spec/email_address.h"
#include "spec/semantic_checker.h"
#include "spec/spec_values.h"

namespace sd {

std::vector<Error> RuleChecker::run() {
  index();
  check_exchange();
  check_channels();
  check_targets();
  check_global_options();
  check_user_options();
  check_users();
  check_remove();
  sort_and_dedupe(errors_);
  return std::move(errors_);
}

void RuleChecker::index() {
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

void RuleChecker::check_unique(const std::vector<Named>& items, std::string_view what) {
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

void RuleChecker::check_url(std::string_view url, const std::string& pointer,
                            std::string_view why_https, bool allow_http) {
  if (url.empty() || !doc_.positions.contains(pointer)) return;
  Url u = parse_url(url);
  if (!u.problem.empty()) {
    fail(fmt::format("invalid URL {}: {}", quoted(url), u.problem), pointer);
  } else if (!iequals(u.scheme, "https") && !(allow_http && iequals(u.scheme, "http"))) {
    fail(fmt::format("{} must use https ({}), not {}", quoted(url), why_https, printable(u.scheme)),
         pointer);
  }
}

void RuleChecker::check_email(std::string_view address, const std::string& pointer,
                              std::string_view what) {
  if (std::string_view why = email_address_problem(address); !why.empty())
    fail(fmt::format("invalid {} {}: {}", what, quoted(address), why), pointer);
}

void RuleChecker::unknown(std::string_view kind, std::string_view name, const std::string& pointer,
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

void RuleChecker::check_exchange() {
  const Exchange& ex = spec_.exchange;
  const Management& m = ex.management;
  // Over http, Kerberos and NTLM seal every message with their own encryption (remote
  // PowerShell's usual http://<server>/PowerShell/); Basic and certificates need TLS.
  const bool sealed = m.auth != AuthMethod::Basic && m.auth != AuthMethod::Certificate;
  check_url(m.url, field(m.at, "url"),
            sealed ? "or http, whose messages kerberos, ntlm and negotiate encrypt"
                   : fmt::format("auth {} needs TLS; only kerberos, ntlm and negotiate encrypt "
                                 "their messages over http",
                                 to_string(m.auth)),
            sealed);
  check_management_auth(m);

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

  check_service_account_auth(ex);
  check_impersonation(ex);
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

void RuleChecker::check_impersonation(const Exchange& ex) {
  const Impersonation& imp = ex.impersonation;
  const bool rbac = imp.method == Impersonation::Method::Rbac;
  if (!rbac) {
    if (imp.scope)
      fail("scope limits an RBAC role assignment; method extendedRights has no scope",
           field(imp.at, "scope"));
    return;
  }
  // The name New-ManagementRoleAssignment gets, written or derived from the identity.
  if (std::string why = exchange_name_problem(imp.assignmentName); !why.empty()) {
    if (imp.assignmentNameDefaulted) {
      fail(fmt::format("the role assignment name {} derived from the identity is not a valid "
                       "Exchange object name: {}; set exchange.impersonation.assignmentName",
                       single_quoted(imp.assignmentName), why),
           field(ex.serviceAccount.at, "identity"));
    } else {
      fail(fmt::format("assignmentName {} is not a valid Exchange object name: {}",
                       single_quoted(imp.assignmentName), why),
           field(imp.at, "assignmentName"));
    }
  }
  // New-ManagementScope takes names of at most 64 characters.
  if (imp.scope && imp.scope->name.size() > 64)
    fail(fmt::format("scope name is {} characters long; Exchange allows at most 64",
                     imp.scope->name.size()),
         field(imp.scope->at, "name"));
}

void RuleChecker::check_throttling(const Throttling& t, ExchangeVersion version) {
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
      {e.fastSearchTimeoutInSeconds, "fastSearchTimeoutInSeconds", "EWSFastSearchTimeoutInSeconds",
       true},
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
                       to_string(version)),
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

void RuleChecker::check_channels() {
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
      fail("outAuthentication basic needs user and password", field(mail.at, "outAuthentication"));
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

void RuleChecker::check_targets() {
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
// The error points at the URL the spec wrote: the target's, else anonymousUrl, else url
// (the reader fills the first two from the next when they are not written).
void RuleChecker::check_push_url(const Target& t) {
  const Nexj& nexj = spec_.nexj;
  Url u = parse_url(t.nexjUrl);
  if (!u.problem.empty() || !is_loopback(u.host)) return;
  std::string at = field(t.at, "nexjUrl");
  if (!doc_.positions.contains(at)) at = field(nexj.at, "anonymousUrl");
  if (!doc_.positions.contains(at)) at = field(nexj.at, "url");
  fail(fmt::format("target {} uses push subscriptions: Exchange posts notifications to {}, "
                   "and {} is not reachable from the Exchange server",
                   single_quoted(t.name), quoted(t.nexjUrl), single_quoted(u.host)),
       at);
}

void RuleChecker::check_global_options() {
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

void RuleChecker::check_user_options() {
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

std::vector<Error> check_semantics(const Spec& spec, const Document& doc) {
  return RuleChecker(spec, doc).run();
}

}  // namespace sd
