// The semantic rules' checker, shared by the files that define its rules: semantic_rules.cc
// (exchange and nexj), semantic_auth.cc (how syncdeploy signs in) and semantic_users.cc (users,
// inline and from CSV).
// Internal to those files; everyone else calls check_semantics() (semantic_rules.h).
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/error.h"
#include "spec/document.h"
#include "spec/spec.h"

namespace sd {

class RuleChecker {
 public:
  RuleChecker(const Spec& spec, const Document& doc) : spec_(spec), doc_(doc) {}

  std::vector<Error> run();

 private:
  // A name and the pointer of its node, for check_unique.
  struct Named {
    std::string_view name;
    std::string pointer;
  };

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

  // Indexes of the names references point at, built before any rule runs.
  void index();
  // Names that must be unique, without case; each duplicate names where the first one is.
  void check_unique(const std::vector<Named>& items, std::string_view what);
  // Only URLs the spec writes: a default derived from another URL (anonymousUrl from url,
  // a target's nexjUrl from anonymousUrl) would repeat that URL's error.
  // An absolute https URL (or http too, with `allow_http`); otherwise an error with `why_https`.
  void check_url(std::string_view url, const std::string& pointer, std::string_view why_https,
                 bool allow_http = false);
  void check_email(std::string_view address, const std::string& pointer, std::string_view what);
  void unknown(std::string_view kind, std::string_view name, const std::string& pointer,
               const std::vector<std::string_view>& defined, std::string_view where);

  // semantic_rules.cc
  void check_exchange();
  void check_impersonation(const Exchange& ex);
  void check_throttling(const Throttling& t, ExchangeVersion version);
  void check_channels();
  void check_targets();
  void check_push_url(const Target& t);
  void check_global_options();
  void check_user_options();

  // semantic_auth.cc
  void check_management_auth(const Management& m);
  void check_service_account_auth(const Exchange& ex);
  // The form of the account name `auth` signs in with; `hint` ends the message (what to set
  // when the name is not the field to change).
  void check_account_name(AuthMethod auth, bool keytab, std::string_view name,
                          const std::string& at, std::string_view example, std::string_view hint);

  // semantic_users.cc
  Location user_location(const User& u, std::string_view name) const;
  void user_fail(const User& u, std::string_view name, std::string message);
  void check_users();
  void check_inline_user(const User& u);

  // semantic_remove.cc
  void check_remove();
  // What the spec itself names as `type`/`name` ("" when nothing): the field that names it.
  std::string_view named_by_spec(std::string_view type, std::string_view name) const;

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

}  // namespace sd
