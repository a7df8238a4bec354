// LabState, the EWS side and open() (the design: lab_state_impl.h).
#include "lab/state/lab_state.h"

#include <openssl/crypto.h>

#include <filesystem>

#include "base/text_checks.h"
#include "lab/state/lab_directory.h"
#include "lab/state/lab_state_impl.h"
#include "lab/state/mailbox_folders.h"

namespace sd::lab {

void CachedMailbox::add(LabFolder folder) {
  by_id.emplace(folder.id, folders.size());
  if (!folder.distinguished.empty()) by_distinguished.emplace(folder.distinguished, folders.size());
  folders.push_back(std::move(folder));
}

const LabRecipient* LabCache::recipient(const std::string& smtp) const {
  auto it = recipient_by_smtp.find(to_lower_ascii(smtp));
  return it == recipient_by_smtp.end() ? nullptr : &recipients[it->second];
}

LabCache build_cache(LabContents contents) {
  LabCache cache;
  cache.hostnames = std::move(contents.hostnames);
  cache.policy = contents.throttling;
  cache.admin = std::move(contents.admin);
  cache.recipients = std::move(contents.recipients);
  for (size_t i = 0; i < cache.recipients.size(); ++i)
    cache.recipient_by_smtp.emplace(to_lower_ascii(cache.recipients[i].primary_smtp), i);
  cache.scope_filters = compile_scope_filters(cache.admin);
  for (StoredAccount& a : contents.accounts) {
    CachedAccount cached;
    std::string upn = to_lower_ascii(a.upn);
    size_t at = upn.find('@');
    cached.local_part = upn.substr(0, at);
    cached.domain_label = upn.substr(at + 1, upn.find('.', at) - at - 1);
    for (const std::string& m : a.impersonation_mailboxes)
      cached.impersonable.insert(to_lower_ascii(m));
    const LabRecipient* r = cache.recipient(upn);
    cached.alias = r ? r->alias : cached.local_part;
    cached.stored = std::move(a);
    cache.accounts.emplace(std::move(upn), std::move(cached));
  }
  for (StoredMailbox& m : contents.mailboxes) {
    CachedMailbox cached;
    cached.smtp = m.smtp;
    cached.name = m.name;
    for (LabFolder& f : m.folders) cached.add(std::move(f));
    cache.mailboxes.emplace(to_lower_ascii(m.smtp), std::move(cached));
  }
  for (const std::string& c : contents.contacts) cache.contacts.insert(to_lower_ascii(c));
  return cache;
}

namespace {

bool same_digest(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::vector<std::string> SqliteLabState::hostnames() const {
  std::shared_lock lock(cache_mutex_);
  return cache_.hostnames;
}

// Waits for a thread that is checking already: with try_lock, a request that arrived just
// after another process's commit could be served from the old copy while the other thread,
// which had looked before the commit, found nothing new. The check is one PRAGMA.
void SqliteLabState::refresh() {
  std::lock_guard db(db_mutex_);
  Result<int64_t> version = store_->data_version();
  if (!version.ok() || *version == seen_version_) return;
  (void)reload_locked();  // a failed read keeps the copy
}

const CachedAccount* SqliteLabState::account_named(const std::string& user) const {
  if (size_t slash = user.find('\\'); slash != std::string::npos) {
    // DOMAIN\name: the account with that local part or alias; when several have it, the one
    // whose domain's first label is DOMAIN.
    std::string domain = to_lower_ascii(user.substr(0, slash));
    std::string name = to_lower_ascii(user.substr(slash + 1));
    std::vector<const CachedAccount*> named;
    for (const auto& [upn, a] : cache_.accounts)
      if (a.local_part == name || to_lower_ascii(a.alias) == name) named.push_back(&a);
    const CachedAccount* account = nullptr;
    for (const CachedAccount* a : named)
      if (named.size() == 1 || a->domain_label == domain) account = a;
    return account;
  }
  auto it = cache_.accounts.find(to_lower_ascii(user));
  return it == cache_.accounts.end() ? nullptr : &it->second;
}

std::optional<std::string> SqliteLabState::find_account(const std::string& name) const {
  std::shared_lock lock(cache_mutex_);
  const CachedAccount* account = account_named(name);
  if (!account) return std::nullopt;
  return account->stored.upn;
}

std::optional<std::string> SqliteLabState::authenticate(const std::string& user,
                                                        const std::string& password) const {
  std::shared_lock lock(cache_mutex_);
  const CachedAccount* account = account_named(user);
  if (!account || !same_digest(password_hash(account->stored.password_salt, password),
                               account->stored.password_hash))
    return std::nullopt;
  return account->stored.upn;
}

bool SqliteLabState::has_mailbox(const std::string& smtp) const {
  std::shared_lock lock(cache_mutex_);
  return cache_.mailboxes.contains(to_lower_ascii(smtp));
}

bool SqliteLabState::is_known_address(const std::string& smtp) const {
  std::string key = to_lower_ascii(smtp);
  std::shared_lock lock(cache_mutex_);
  return cache_.mailboxes.contains(key) || cache_.contacts.contains(key);
}

std::string SqliteLabState::display_name(const std::string& smtp) const {
  std::shared_lock lock(cache_mutex_);
  auto it = cache_.mailboxes.find(to_lower_ascii(smtp));
  return it == cache_.mailboxes.end() ? smtp : it->second.name;
}

bool SqliteLabState::may_impersonate(const std::string& account_upn,
                                     const std::string& smtp) const {
  std::shared_lock lock(cache_mutex_);
  auto it = cache_.accounts.find(to_lower_ascii(account_upn));
  if (it == cache_.accounts.end()) return false;
  const CachedAccount& account = it->second;
  switch (account.stored.impersonation) {
    case ImpersonationScope::All:
      return true;
    case ImpersonationScope::List:
      if (account.impersonable.contains(to_lower_ascii(smtp))) return true;
      break;
    case ImpersonationScope::None:
      break;
  }
  const LabRecipient* target = cache_.recipient(smtp);
  if (!target) return false;
  return rbac_allows_impersonation(cache_.admin, cache_.scope_filters, account.alias, *target) ||
         extended_rights_allow_impersonation(cache_.admin, account.alias, *target);
}

std::optional<ThrottlingPolicy> SqliteLabState::throttling_for(
    const std::string& account_upn) const {
  std::shared_lock lock(cache_mutex_);
  auto it = cache_.accounts.find(to_lower_ascii(account_upn));
  if (it == cache_.accounts.end()) return cache_.policy;
  if (it->second.stored.throttling_unlimited) return std::nullopt;
  return admin_throttling(cache_.admin, it->second.alias, cache_.policy);
}

std::optional<std::string> SqliteLabState::account_alias(const std::string& account_upn) const {
  std::shared_lock lock(cache_mutex_);
  auto it = cache_.accounts.find(to_lower_ascii(account_upn));
  if (it == cache_.accounts.end()) return std::nullopt;
  return it->second.alias;
}

bool SqliteLabState::may_manage(const std::string& account_upn) const {
  std::shared_lock lock(cache_mutex_);
  auto it = cache_.accounts.find(to_lower_ascii(account_upn));
  return it != cache_.accounts.end() && it->second.stored.management;
}

std::optional<LabFolder> SqliteLabState::distinguished_folder(const std::string& smtp,
                                                              const std::string& id) const {
  std::shared_lock lock(cache_mutex_);
  const CachedMailbox* m = mailbox(smtp);
  if (!m) return std::nullopt;
  auto it = m->by_distinguished.find(id);
  if (it == m->by_distinguished.end()) return std::nullopt;
  return m->folders[it->second];
}

std::optional<LabFolder> SqliteLabState::folder(const std::string& smtp,
                                                const std::string& folder_id) const {
  std::shared_lock lock(cache_mutex_);
  const CachedMailbox* m = mailbox(smtp);
  if (!m) return std::nullopt;
  auto it = m->by_id.find(folder_id);
  if (it == m->by_id.end()) return std::nullopt;
  return m->folders[it->second];
}

std::vector<LabFolder> SqliteLabState::child_folders(const std::string& smtp,
                                                     const std::string& parent_id) const {
  std::shared_lock lock(cache_mutex_);
  std::vector<LabFolder> out;
  if (const CachedMailbox* m = mailbox(smtp)) {
    for (const LabFolder& f : m->folders)
      if (f.parent_id == parent_id) out.push_back(f);
  }
  return out;
}

Result<LabFolder> SqliteLabState::create_folder(const std::string& smtp,
                                                const std::string& parent_id,
                                                const std::string& display_name,
                                                const std::string& folder_class) {
  std::lock_guard db(db_mutex_);
  LabFolder created;
  std::string mailbox_smtp;
  {
    std::shared_lock lock(cache_mutex_);
    const CachedMailbox* m = mailbox(smtp);
    if (!m) return make_error("ErrorNonExistentMailbox");
    if (!m->by_id.contains(parent_id)) return make_error("ErrorParentFolderNotFound");
    for (const LabFolder& f : m->folders)
      if (f.parent_id == parent_id && iequals(f.display_name, display_name))
        return make_error("ErrorFolderExists");
    mailbox_smtp = m->smtp;
    created = custom_folder(m->smtp, parent_id, display_name, folder_class);
  }
  Status written = store_->insert_folder(mailbox_smtp, created);
  if (!written.ok()) return written.take_errors();
  std::unique_lock lock(cache_mutex_);
  if (auto it = cache_.mailboxes.find(to_lower_ascii(smtp)); it != cache_.mailboxes.end())
    it->second.add(created);
  return created;
}

Status SqliteLabState::set_impersonation(const std::string& account_upn, bool all,
                                         const std::vector<std::string>& mailboxes) {
  ImpersonationScope scope = all                 ? ImpersonationScope::All
                             : mailboxes.empty() ? ImpersonationScope::None
                                                 : ImpersonationScope::List;
  return write([&] {
    return store_->set_impersonation(account_upn, scope,
                                     all ? std::vector<std::string>{} : mailboxes);
  });
}

Status SqliteLabState::set_throttling_unlimited(const std::string& account_upn, bool unlimited) {
  return write([&] { return store_->set_throttling_unlimited(account_upn, unlimited); });
}

Status SqliteLabState::add_mailbox(const std::string& smtp, const std::string& name) {
  return write([&] { return store_->add_mailbox(smtp, name); });
}

Status SqliteLabState::remove_mailbox(const std::string& smtp) {
  return write([&] { return store_->remove_mailbox(smtp); });
}

const CachedMailbox* SqliteLabState::mailbox(const std::string& smtp) const {
  auto it = cache_.mailboxes.find(to_lower_ascii(smtp));
  return it == cache_.mailboxes.end() ? nullptr : &it->second;
}

Status SqliteLabState::reload_locked() const {
  Result<int64_t> version = store_->data_version();
  if (!version.ok()) return version.take_errors();
  Result<LabContents> contents = store_->load();
  if (!contents.ok()) return contents.take_errors();
  LabCache fresh = build_cache(std::move(*contents));
  seen_version_ = *version;
  std::unique_lock lock(cache_mutex_);
  cache_ = std::move(fresh);
  return ok_status();
}

Result<std::unique_ptr<LabState>> LabState::open(const std::string& state_file,
                                                 const std::string& directory_file) {
  try {
    // A directory with errors must not leave a new, empty state file behind.
    std::optional<LabDirectory> directory;
    std::error_code ec;
    bool exists = std::filesystem::exists(state_file, ec);
    if (directory_file.empty() && !exists)
      return make_error("no lab state here; give a directory file to create it",
                        Location{state_file});
    if (!directory_file.empty() && !exists) {
      Result<LabDirectory> loaded = load_directory(directory_file);
      if (!loaded.ok()) return loaded.take_errors();
      directory = std::move(*loaded);
    }
    Result<std::unique_ptr<LabStore>> store = LabStore::open(state_file);
    if (!store.ok()) return store.take_errors();
    Result<bool> has_mailboxes = (*store)->has_mailboxes();
    if (!has_mailboxes.ok()) return has_mailboxes.take_errors();
    if (!*has_mailboxes) {
      if (directory_file.empty())
        return make_error("the lab state has no mailboxes; give a directory file to load",
                          Location{state_file});
      if (!directory) {
        Result<LabDirectory> loaded = load_directory(directory_file);
        if (!loaded.ok()) return loaded.take_errors();
        directory = std::move(*loaded);
      }
      Status imported = (*store)->import_directory(*directory);
      if (!imported.ok()) return imported.take_errors();
    }
    Result<int64_t> version = (*store)->data_version();
    if (!version.ok()) return version.take_errors();
    Result<LabContents> contents = (*store)->load();
    if (!contents.ok()) return contents.take_errors();
    return std::unique_ptr<LabState>(std::make_unique<SqliteLabState>(
        std::move(*store), build_cache(std::move(*contents)), *version));
  } catch (const std::exception& e) {
    return make_error(std::string("cannot open the lab state: ") + e.what(), Location{state_file});
  }
}

}  // namespace sd::lab
