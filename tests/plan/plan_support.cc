#include "tests/plan/plan_support.h"

#include <catch2/catch.hpp>
#include <stdexcept>

namespace sd::test {

Resource folder_link(const std::string& login, const std::string& folder, const std::string& email,
                     const std::string& target) {
  Resource r;
  r.type = &types::kFolderLink;
  r.name = login + "/" + folder;
  r.values = {target, email, true, Unset{}};
  return r;
}

ObservedResource live_folder_link(const std::string& name, const std::string& email,
                                  Value folder_id, const std::string& target) {
  ObservedResource o;
  o.type = &types::kFolderLink;
  o.name = name;
  o.values = {target, email, true, std::move(folder_id)};
  return o;
}

MailboxObservation mailbox(MailboxObservation::Status status, std::string reason,
                           std::map<std::string, std::string, std::less<>> ids) {
  MailboxObservation m;
  m.status = status;
  m.reason = std::move(reason);
  m.folder_ids = std::move(ids);
  return m;
}

size_t folder_id_field() {
  const int i = field_index(types::kFolderLink, "folderId");
  REQUIRE(i >= 0);
  return static_cast<size_t>(i);
}

const Action& action_for(const Plan& plan, const std::string& address) {
  for (const Action& a : plan.actions)
    if (a.address() == address) return a;
  FAIL("no action for " << address);
  throw std::logic_error("unreachable");
}

Value field_value(const Resource& r, std::string_view name) {
  int i = field_index(*r.type, name);
  REQUIRE(i >= 0);
  return r.values[static_cast<size_t>(i)];
}

}  // namespace sd::test
