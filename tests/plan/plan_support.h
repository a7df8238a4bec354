// Plans and desired states built and read by hand, for the tests of plan/ and of what uses it.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "plan/plan.h"

namespace sd::test {

// The folder link `login`/`folder` of `email` on `target`, enabled, with no folder id yet.
[[nodiscard]] Resource folder_link(const std::string& login, const std::string& folder,
                                   const std::string& email, const std::string& target = "EXCH01");
// The folder link `name` as the live system holds it, enabled, with `folder_id`.
[[nodiscard]] ObservedResource live_folder_link(const std::string& name, const std::string& email,
                                                Value folder_id,
                                                const std::string& target = "EXCH01");

// What EWS said of a mailbox: `status`, `reason` when not Ok, the ids of its folders.
[[nodiscard]] MailboxObservation mailbox(MailboxObservation::Status status, std::string reason,
                                         std::map<std::string, std::string, std::less<>> ids = {});

// The index of the folder link's folderId field.
[[nodiscard]] size_t folder_id_field();

// The action of `plan` for `address`; fails the test when there is none.
[[nodiscard]] const Action& action_for(const Plan& plan, const std::string& address);

// The value of `r`'s field `name`, which must exist.
[[nodiscard]] Value field_value(const Resource& r, std::string_view name);

}  // namespace sd::test
