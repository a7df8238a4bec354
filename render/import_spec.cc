// The live objects back into a spec: the inverse of plan/desired_state.cc. Each live object is
// written where build_desired_state would take it from, with the value it would give, so that
// the plan of the written spec finds every object up to date. What the spec cannot say is
// listed (ImportedSpec::left_out) and written as a comment where it would have gone.
#include "render/import_spec.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "base/text_checks.h"
#include "plan/unmanaged.h"
#include "spec/yaml_scalar.h"

namespace sd {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;  // key, rendered value

const Value* live_field(const ObservedResource& o, std::string_view name) {
  const Value& v = field_of(*o.type, o.values, name);
  return is_unset(v) ? nullptr : &v;
}

std::string text_of(const ObservedResource& o, std::string_view name) {
  return text_field(*o.type, o.values, name);
}

bool is_true_field(const ObservedResource& o, std::string_view name, bool otherwise) {
  const Value* v = live_field(o, name);
  const bool* b = v ? std::get_if<bool>(v) : nullptr;
  return b ? *b : otherwise;
}

// A live value as the spec writes it; `secret` is the reference to write for a secret field.
std::string rendered(const Value& v, const std::string& secret) {
  if (const auto* s = std::get_if<std::string>(&v)) return yaml_scalar(*s);
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
  if (std::holds_alternative<NullValue>(v)) return "unlimited";
  if (std::holds_alternative<SecretValue>(v)) return secret;
  if (const auto* list = std::get_if<StringList>(&v)) {
    std::string out = "[";
    for (size_t i = 0; i < list->size(); ++i) out += (i ? ", " : "") + yaml_scalar((*list)[i]);
    return out + "]";
  }
  return {};
}

// "https://exch01.acme.local:444/EWS/Exchange.asmx" -> "exch01.acme.local".
std::string host_of(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return {};
  url.remove_prefix(start + 3);
  size_t end = url.find_first_of(":/?#");
  return to_lower_ascii(url.substr(0, end));
}

// A one-line comment: no character of `text` may end it or hide in it.
std::string comment_text(std::string_view text) {
  std::string out = escape_controls(text);
  for (const char* separator : {"\xE2\x80\xA8", "\xE2\x80\xA9", "\xC2\x85"})
    for (size_t at; (at = out.find(separator)) != std::string::npos;)
      out.replace(at, std::string_view(separator).size(), "?");
  return out;
}

class SpecWriter {
 public:
  explicit SpecWriter(const ImportSource& source) : start_(source.start) {
    out_.left_out = source.notes;
    for (const ObservedResource& o : source.live)
      if (o.type && o.presence == Presence::Present) by_type_[o.type].push_back(&o);
  }

  ImportedSpec write();

 private:
  const std::vector<const ObservedResource*>& of(const ResourceType& type) {
    return by_type_[&type];
  }
  void leave_out(std::string line) { out_.left_out.push_back(std::move(line)); }
  void comment(std::string_view indent, std::string_view text) {
    yaml_ += std::string(indent) + "# " + comment_text(text) + "\n";
  }
  void pairs(std::string_view indent, const Fields& fields, bool item = false) {
    for (size_t i = 0; i < fields.size(); ++i) {
      yaml_ += std::string(indent);
      if (item) yaml_ += i == 0 ? "- " : "  ";
      yaml_ += fields[i].first + ":";
      if (!fields[i].second.empty()) yaml_ += " " + fields[i].second;
      yaml_ += "\n";
    }
  }
  // The server name for `host`: the start's when it names the host, else made from it.
  std::string server_for(const std::string& host, const std::string& ews_url);

  void exchange();
  void impersonation();
  void throttling();
  void nexj();
  void channels();
  void targets();
  void options();
  void users();

  const Spec& start_;
  std::map<const ResourceType*, std::vector<const ObservedResource*>> by_type_;
  struct Server {
    std::string name, host, ews_url, spn;
  };
  std::vector<Server> servers_;
  std::set<std::string> target_names_;
  std::string yaml_;
  size_t servers_at_ = 0;  // where exchange.servers goes, once the NexJ side named the hosts
  ImportedSpec out_;
};

std::string SpecWriter::server_for(const std::string& host, const std::string& ews_url) {
  for (const Server& s : servers_)
    if (iequals(s.host, host)) return s.name;
  Server s;
  s.host = host;
  for (const ExchangeServer& known : start_.exchange.servers)
    if (iequals(known.host, host)) {
      s.name = known.name;
      s.spn = known.spn;
    }
  std::string known_url;
  for (const ExchangeServer& known : start_.exchange.servers)
    if (iequals(known.host, host)) known_url = known.ewsUrl;
  if (s.name.empty()) {
    // After the host's first label, and never a name the start gives another host.
    std::string base = to_lower_ascii(host.substr(0, host.find('.')));
    if (base.empty()) base = "server";
    auto taken = [&](const std::string& name) {
      for (const Server& o : servers_)
        if (o.name == name) return true;
      for (const ExchangeServer& known : start_.exchange.servers)
        if (known.name == name) return true;
      return false;
    };
    s.name = base;
    for (int n = 2; taken(s.name); ++n) s.name = base + "-" + std::to_string(n);
  }
  const std::string url = ews_url.empty() ? known_url : ews_url;
  if (!url.empty() && url != "https://" + host + "/EWS/Exchange.asmx") s.ews_url = url;
  servers_.push_back(s);
  return s.name;
}

void SpecWriter::exchange() {
  const Exchange& ex = start_.exchange;
  yaml_ += "exchange:\n";
  pairs("  ", {{"version", to_string(ex.version)}});
  const Management& m = ex.management;
  Fields mf{{"url", yaml_scalar(m.url)}};
  if (m.transport == ManagementTransport::Winrs) mf.emplace_back("transport", "winrs");
  if (m.auth != AuthMethod::Negotiate) mf.emplace_back("auth", to_string(m.auth));
  if (!m.username.empty()) mf.emplace_back("username", yaml_scalar(m.username));
  if (m.password) mf.emplace_back("password", yaml_scalar(m.password->text()));
  if (!m.keytab.empty()) mf.emplace_back("keytab", yaml_scalar(m.keytab));
  if (!m.spn.empty() && m.spn != "HTTP/" + host_of(m.url))
    mf.emplace_back("spn", yaml_scalar(m.spn));
  if (!m.certificateFile.empty())
    mf.emplace_back("certificateFile", yaml_scalar(m.certificateFile));
  if (!m.keyFile.empty()) mf.emplace_back("keyFile", yaml_scalar(m.keyFile));
  if (!m.caFile.empty()) mf.emplace_back("caFile", yaml_scalar(m.caFile));
  yaml_ += "  management:\n";
  pairs("    ", mf);

  const ServiceAccount& sa = ex.serviceAccount;
  Fields af;
  if (sa.auth != AuthMethod::Negotiate) af.emplace_back("auth", to_string(sa.auth));
  af.emplace_back("identity", yaml_scalar(sa.identity));
  // A upn is written only when the start spec has one: it decides what syncdeploy signs in
  // to EWS as (the identity otherwise, e.g. DOMAIN\name over NTLM), which import must not change.
  std::string upn = sa.upn;
  for (const ObservedResource* o : of(types::kServiceAccount))
    if (std::string live = text_of(*o, "upn"); !live.empty() && !upn.empty()) upn = live;
  if (!upn.empty()) af.emplace_back("upn", yaml_scalar(upn));
  if (of(types::kServiceAccount).empty())
    leave_out("the service account " + quoted(sa.identity) + " was not found on Exchange" +
              (sa.create ? ": apply creates it" : ": create it, or set create: true"));
  if (sa.password) af.emplace_back("password", yaml_scalar(sa.password->text()));
  if (!sa.keytab.empty()) af.emplace_back("keytab", yaml_scalar(sa.keytab));
  af.emplace_back("create", sa.create ? "true" : "false");
  yaml_ += "  serviceAccount:\n";
  pairs("    ", af);
  if (ex.version != ExchangeVersion::ExchangeOnline) impersonation();
  throttling();
  servers_at_ = yaml_.size();
  if (!ex.caFile.empty()) pairs("  ", {{"caFile", yaml_scalar(ex.caFile)}});
}

void SpecWriter::impersonation() {
  const auto& assignments = of(types::kRoleAssignment);
  const auto& rights = of(types::kAdPermission);
  const Impersonation& want = start_.exchange.impersonation;
  yaml_ += "  impersonation:\n";
  if (assignments.empty() && rights.size() == 2) {
    pairs("    ", {{"method", "extendedRights"}});
    return;
  }
  if (assignments.empty()) {
    comment("    ",
            "no ApplicationImpersonation assignment or extended rights of the account "
            "were found: apply grants them as written here");
    pairs("    ",
          {{"method", want.method == Impersonation::Method::Rbac ? "rbac" : "extendedRights"}});
    if (want.method == Impersonation::Method::Rbac)
      pairs("    ", {{"assignmentName", yaml_scalar(want.assignmentName)}});
    // Never wider than the start asked for: its scope stays.
    if (want.method == Impersonation::Method::Rbac && want.scope) {
      Fields sf{{"name", yaml_scalar(want.scope->name)},
                {"recipientFilter", yaml_scalar(want.scope->recipientFilter)}};
      if (!want.scope->recipientRoot.empty())
        sf.emplace_back("recipientRoot", yaml_scalar(want.scope->recipientRoot));
      yaml_ += "    scope:\n";
      pairs("      ", sf);
    }
    return;
  }
  // The one the start names, else the first Exchange listed.
  const ObservedResource* chosen = assignments.front();
  for (const ObservedResource* o : assignments)
    if (iequals(o->name, want.assignmentName)) chosen = o;
  for (const ObservedResource* o : assignments)
    if (o != chosen) {
      std::string line = "the role assignment " + quoted(o->name) +
                         " also gives the account ApplicationImpersonation; the spec names one "
                         "(plan lists the other for review)";
      comment("    ", line);
      leave_out(line);
    }
  if (!rights.empty()) {
    std::string line =
        "the account also holds the extended rights; the spec uses RBAC (plan lists them for "
        "review)";
    comment("    ", line);
    leave_out(line);
  }
  pairs("    ", {{"method", "rbac"}, {"assignmentName", yaml_scalar(chosen->name)}});
  if (!is_true_field(*chosen, "enabled", true)) {
    std::string line = "the role assignment " + quoted(chosen->name) +
                       " is disabled; the spec enables it (plan will show the change)";
    comment("    ", line);
    leave_out(line);
  }
  std::string scope = text_of(*chosen, "customRecipientWriteScope");
  if (scope.empty()) return;
  for (const ObservedResource* s : of(types::kManagementScope)) {
    if (!iequals(s->name, scope)) continue;
    Fields sf{{"name", yaml_scalar(s->name)},
              {"recipientFilter", yaml_scalar(text_of(*s, "recipientFilter"))}};
    if (std::string root = text_of(*s, "recipientRoot"); !root.empty())
      sf.emplace_back("recipientRoot", yaml_scalar(root));
    yaml_ += "    scope:\n";
    pairs("      ", sf);
    return;
  }
  std::string line = "the scope " + quoted(scope) + " of the assignment could not be read";
  comment("    ", line);
  leave_out(line);
}

void SpecWriter::throttling() {
  const auto& associations = of(types::kThrottlingAssociation);
  if (associations.empty()) return;
  std::string policy = text_of(*associations.front(), "policy");
  if (policy.empty()) return;  // the default policy: nothing to write
  const ObservedResource* found = nullptr;
  for (const ObservedResource* p : of(types::kThrottlingPolicy))
    if (iequals(p->name, policy)) found = p;
  yaml_ += "  throttling:\n";
  pairs("    ", {{"policy", yaml_scalar(found ? found->name : policy)}});
  if (!found) {
    std::string line = "the throttling policy " + quoted(policy) + " could not be read";
    comment("    ", line);
    leave_out(line);
    return;
  }
  // ewsMaxConcurrency -> maxConcurrency, as the spec names them.
  Fields ews;
  for (const FieldSpec& f : types::kThrottlingPolicy.fields)
    if (const Value* v = live_field(*found, f.name)) {
      std::string key(f.name.substr(3));
      key[0] = to_lower_ascii(key[0]);
      // An observed-state file may say "Unlimited" or give digits as text.
      const auto* text = std::get_if<std::string>(v);
      if (text && (text->empty() || iequals(*text, "unlimited")))
        ews.emplace_back(key, "unlimited");
      else if (text && !text->empty() && text->size() < 10 &&
               text->find_first_not_of("0123456789") == std::string::npos)
        ews.emplace_back(key, *text);
      else
        ews.emplace_back(key, rendered(*v, ""));
    }
  if (ews.empty()) {
    // What NexJ's documented commands leave on 2013 and later: the 2010-only parameters are
    // refused there, and $null is "not set", which inherits the default policy's throttling.
    // Said, never guessed as unlimited.
    std::string line = "the throttling policy " + quoted(found->name) +
                       " sets no EWS limit: each inherits the default policy, which throttles "
                       "(from Exchange 2013 only Unlimited lifts a limit; $null is unlimited on "
                       "2010 only); to lift them, add ews: with the limits set to unlimited";
    comment("    ", line);
    leave_out(line);
    return;
  }
  yaml_ += "    ews:\n";
  pairs("      ", ews);
}

void SpecWriter::channels() {
  yaml_ += "  channels:\n";
  const auto& mails = of(types::kMailChannel);
  const ObservedResource* mail = nullptr;
  const std::string wanted =
      start_.nexj.channels.mail ? start_.nexj.channels.mail->channel : "Mail";
  for (const ObservedResource* m : mails)
    if (m->name == wanted) mail = m;
  if (!mail && mails.size() == 1) mail = mails.front();
  for (const ObservedResource* m : mails)
    if (m != mail) {
      std::string line = "the mail channel " + quoted(m->name) +
                         " is left out: a spec has one mail channel (plan lists it for review)";
      comment("    ", line);
      leave_out(line);
    }
  if (mail) {
    Fields mf;
    if (mail->name != "Mail") mf.emplace_back("channel", yaml_scalar(mail->name));
    const std::string secret = start_.nexj.channels.mail && start_.nexj.channels.mail->password
                                   ? yaml_scalar(start_.nexj.channels.mail->password->text())
                                   : yaml_scalar("${env:CRM_MAIL_PASSWORD}");
    for (const FieldSpec& f : types::kMailChannel.fields)
      if (const Value* v = live_field(*mail, f.name)) mf.emplace_back(f.name, rendered(*v, secret));
    yaml_ += "    mail:\n";
    pairs("      ", mf);
  }

  // Senders: the channels the targets send through, and any other that points at EWS; not
  // another integration's HTTP channel.
  std::set<std::string> receivers, senders;
  for (const ObservedResource* t : of(types::kTarget)) {
    if (std::string r = text_of(*t, "receiver"); !r.empty()) receivers.insert(r);
    if (std::string s = text_of(*t, "sender"); !s.empty()) senders.insert(s);
  }
  const std::string account = start_.exchange.serviceAccount.upn.empty()
                                  ? start_.exchange.serviceAccount.identity
                                  : start_.exchange.serviceAccount.upn;
  yaml_ += "    senders:\n";
  for (const ObservedResource* c : of(types::kHttpChannel)) {
    if (receivers.count(c->name)) continue;
    std::string url = text_of(*c, "url");
    std::string host = host_of(url);
    const bool ews = is_ews_url(url);
    if (!senders.count(c->name) && !ews) continue;  // not the deployment's
    if (host.empty()) {
      std::string line = "the sender " + quoted(c->name) + " has no URL with a host name";
      comment("      ", line);
      leave_out(line);
      continue;
    }
    Fields sf{{"channel", yaml_scalar(c->name)}, {"server", yaml_scalar(server_for(host, url))}};
    for (std::string_view key :
         {"maxSenders", "authentication", "readTimeout", "connectionTimeout", "description"})
      if (const Value* v = live_field(*c, key);
          v && !(key == "authentication" && text_of(*c, key) == "basic"))
        sf.emplace_back(std::string(key), rendered(*v, ""));
    pairs("      ", sf, true);
    if (std::string user = text_of(*c, "user"); !user.empty() && !iequals(user, account)) {
      std::string line = "the sender " + quoted(c->name) + " signs in as " + quoted(user) +
                         "; senders sign in as the service account (plan will change it)";
      comment("        ", line);
      leave_out(line);
    }
  }
  if (receivers.size() > 1) leave_out("the targets name more than one receiver; the spec has one");
  if (!receivers.empty()) {
    Fields rf{{"channel", yaml_scalar(*receivers.begin())}};
    for (const ObservedResource* c : of(types::kHttpChannel))
      if (c->name == *receivers.begin())
        if (std::string d = text_of(*c, "description"); !d.empty())
          rf.emplace_back("description", yaml_scalar(d));
    yaml_ += "    receiver:\n";
    pairs("      ", rf);
  }
}

void SpecWriter::targets() {
  yaml_ += "  targets:\n";
  const std::string anonymous = start_.nexj.anonymousUrl;
  for (const ObservedResource* t : of(types::kTarget)) {
    std::string host = text_of(*t, "host");
    Fields tf{{"name", yaml_scalar(t->name)}, {"server", yaml_scalar(server_for(host, ""))}};
    target_names_.insert(t->name);
    if (std::string s = text_of(*t, "sender"); !s.empty())
      tf.emplace_back("sender", yaml_scalar(s));
    if (const Value* v = live_field(*t, "subscription"))
      tf.emplace_back("subscription", rendered(*v, ""));
    if (is_true_field(*t, "autodiscover", false)) tf.emplace_back("autodiscover", "true");
    if (is_true_field(*t, "useInternalCAS", false)) tf.emplace_back("useInternalCAS", "true");
    if (const Value* v = live_field(*t, "keepItemsOlderThanDays"))
      tf.emplace_back("keepItemsOlderThanDays", rendered(*v, ""));
    if (std::string url = text_of(*t, "nexjUrl"); !url.empty() && url != anonymous)
      tf.emplace_back("nexjUrl", yaml_scalar(url));
    if (!is_true_field(*t, "enabled", true)) tf.emplace_back("enabled", "false");
    pairs("    ", tf, true);
    if (std::string v = text_of(*t, "version");
        !v.empty() && v != to_string(start_.exchange.version)) {
      std::string line = "the target " + quoted(t->name) + " says Exchange version " + quoted(v) +
                         "; every target has the spec's exchange.version (plan will change it)";
      comment("      ", line);
      leave_out(line);
    }
  }
}

void SpecWriter::options() {
  for (const ObservedResource* g : of(types::kGlobalOptions)) {
    yaml_ += "  globalOptions:\n";
    // "batchSyncSetup.initialSnapshot.daysInPast" nests three deep; fields come in order, so a
    // mapping is opened when its path first appears.
    std::vector<std::string> open;
    for (const FieldSpec& f : types::kGlobalOptions.fields)
      if (const Value* v = live_field(*g, f.name)) {
        std::vector<std::string> path;
        for (size_t at = 0;;) {
          size_t dot = f.name.find('.', at);
          path.emplace_back(f.name.substr(at, dot - at));
          if (dot == std::string_view::npos) break;
          at = dot + 1;
        }
        size_t same = 0;
        while (same < open.size() && same + 1 < path.size() && open[same] == path[same]) ++same;
        open.resize(same);
        for (size_t i = same; i + 1 < path.size(); ++i) {
          yaml_ += std::string(4 + 2 * i, ' ') + path[i] + ":\n";
          open.push_back(path[i]);
        }
        pairs(std::string(4 + 2 * (path.size() - 1), ' '), {{path.back(), rendered(*v, "")}});
      }
  }
  const auto& user_options = of(types::kUserOptions);
  if (user_options.empty()) return;
  yaml_ += "  userOptions:\n";
  for (const ObservedResource* u : user_options) {
    Fields uf{{"scope", yaml_scalar(u->name)}};
    for (const FieldSpec& f : types::kUserOptions.fields)
      if (const Value* v = live_field(*u, f.name)) uf.emplace_back(f.name, rendered(*v, ""));
    pairs("    ", uf, true);
  }
}

void SpecWriter::nexj() {
  const Nexj& nx = start_.nexj;
  yaml_ += "\nnexj:\n";
  Fields nf{{"url", yaml_scalar(nx.url)}};
  if (nx.anonymousUrl != nx.url + "/anon")
    nf.emplace_back("anonymousUrl", yaml_scalar(nx.anonymousUrl));
  if (!nx.caFile.empty()) nf.emplace_back("caFile", yaml_scalar(nx.caFile));
  nf.emplace_back("environmentFile", yaml_scalar(nx.environmentFile));
  nf.emplace_back("store", yaml_scalar(nx.store));
  pairs("  ", nf);
  channels();
  targets();
  options();
}

std::string folder_list(FolderSet set, std::string_view separator) {
  std::string out;
  for (Folder f : {Folder::Calendar, Folder::Tasks, Folder::Contacts})
    if (set & static_cast<FolderSet>(f)) {
      if (!out.empty()) out += separator;
      out += to_string(f);
    }
  return out;
}

// A CSV cell: quoted when it holds a comma, a quote, a line break or edge spaces (RFC 4180).
std::string csv_cell(std::string_view text) {
  bool quote = !text.empty() && (text.front() == ' ' || text.back() == ' ');
  for (char c : text) quote = quote || c == ',' || c == '"' || c == '\n' || c == '\r';
  if (!quote) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void SpecWriter::users() {
  struct User {
    std::string login, email, target;
    FolderSet folders = 0;
    bool mixed = false;  // its links disagree on email or target
    size_t links = 0;
  };
  std::vector<User> list;
  std::map<std::string, size_t> index;  // login in lower case -> position in list
  for (const ObservedResource* l : of(types::kFolderLink)) {
    if (!is_true_field(*l, "enabled", true)) continue;  // taken out of use before
    size_t slash = l->name.rfind('/');
    if (slash == std::string::npos) continue;
    std::string login = l->name.substr(0, slash);
    Folder folder;
    std::string_view f = std::string_view(l->name).substr(slash + 1);
    if (f == "calendar")
      folder = Folder::Calendar;
    else if (f == "tasks")
      folder = Folder::Tasks;
    else if (f == "contacts")
      folder = Folder::Contacts;
    else
      continue;
    auto [at, added] = index.emplace(to_lower_ascii(login), list.size());
    if (added) list.push_back(User{login, text_of(*l, "email"), text_of(*l, "target")});
    User& u = list[at->second];
    u.mixed = u.mixed || u.login != login;  // two logins that differ only in case
    u.mixed =
        u.mixed || !iequals(u.email, text_of(*l, "email")) || u.target != text_of(*l, "target");
    u.folders |= static_cast<FolderSet>(folder);
    ++u.links;
  }
  std::erase_if(list, [&](const User& u) {
    if (u.mixed)
      leave_out("the folder links of " + quoted(u.login) +
                " name more than one email or target; a spec gives a user one of each");
    else if (!target_names_.count(u.target))
      leave_out("the folder links of " + quoted(u.login) + " name the target " + quoted(u.target) +
                ", which is not imported");
    return u.mixed || !target_names_.count(u.target);
  });
  const bool dropped = list.size() < index.size();
  out_.users = list.size();
  for (const User& u : list) out_.links += u.links;
  if (list.empty()) return;
  // The commonest target and folder set are the defaults; users say only how they differ.
  std::map<std::string, size_t> targets;
  std::map<FolderSet, size_t> folder_sets;
  for (const User& u : list) {
    ++targets[u.target];
    ++folder_sets[u.folders];
  }
  // Ties go to the last key: for folder sets the one with the most folders.
  auto most = [](const auto& counts) {
    auto best = counts.begin();
    for (auto it = counts.begin(); it != counts.end(); ++it)
      if (it->second >= best->second) best = it;
    return best->first;
  };
  const std::string target = most(targets);
  const FolderSet folders = most(folder_sets);
  yaml_ += "\nusers:\n";
  pairs("  ", {{"defaults", "{ target: " + yaml_scalar(target) + ", folders: [" +
                                folder_list(folders, ", ") + "] }"}});
  if (start_.users.prune && dropped)
    leave_out("users.prune is left out: with users left out it would disable their links");
  else if (start_.users.prune)
    pairs("  ", {{"prune", "true"}});
  if (list.size() > kImportInlineUsers) {
    out_.csv_path = "users/" + start_.deployment + "-users.csv";
    pairs("  ", {{"csv", yaml_scalar(out_.csv_path)}});
    out_.csv = "login,email,target,folders\n";
    for (const User& u : list)
      out_.csv += csv_cell(u.login) + "," + csv_cell(u.email) + "," +
                  (u.target == target ? "" : csv_cell(u.target)) + "," +
                  (u.folders == folders ? "" : folder_list(u.folders, ";")) + "\n";
    return;
  }
  yaml_ += "  list:\n";
  for (const User& u : list) {
    Fields uf{{"login", yaml_scalar(u.login)}, {"email", yaml_scalar(u.email)}};
    if (u.target != target) uf.emplace_back("target", yaml_scalar(u.target));
    if (u.folders != folders) uf.emplace_back("folders", "[" + folder_list(u.folders, ", ") + "]");
    pairs("    ", uf, true);
  }
}

ImportedSpec SpecWriter::write() {
  yaml_ +=
      "# Written by `syncdeploy import` from the live deployment: review it, then `syncdeploy "
      "plan` it.\n# Secrets are references; give their values as the start spec did.\n";
  yaml_ += "version: 1\n";
  pairs("", {{"deployment", yaml_scalar(start_.deployment)}});
  yaml_ += "\n";
  exchange();
  nexj();
  users();
  // The servers, now that the targets and senders have named their hosts.
  std::string servers = "  servers:\n";
  if (servers_.empty()) {
    for (const ExchangeServer& s : start_.exchange.servers) server_for(s.host, s.ewsUrl);
  }
  for (const Server& s : servers_) {
    Fields sf{{"name", yaml_scalar(s.name)}, {"host", yaml_scalar(s.host)}};
    if (!s.ews_url.empty()) sf.emplace_back("ewsUrl", yaml_scalar(s.ews_url));
    const std::string ews_host = host_of(s.ews_url.empty() ? "https://" + s.host + "/" : s.ews_url);
    if (!s.spn.empty() && s.spn != "HTTP/" + ews_host) sf.emplace_back("spn", yaml_scalar(s.spn));
    for (size_t i = 0; i < sf.size(); ++i)
      servers +=
          std::string(i == 0 ? "    - " : "      ") + sf[i].first + ": " + sf[i].second + "\n";
  }
  yaml_.insert(servers_at_, servers);
  if (!out_.left_out.empty()) {
    yaml_ += "\n# Left out or to review (syncdeploy import exits 6 when anything is):\n";
    for (const std::string& line : out_.left_out) comment("", "- " + line);
  }
  out_.yaml = std::move(yaml_);
  return std::move(out_);
}

}  // namespace

ImportedSpec write_imported_spec(const ImportSource& source) {
  return SpecWriter(source).write();
}

}  // namespace sd
