// Folder links and the folder ids only Exchange knows (FieldSpec::known_at_apply). One place
// for the rules: which users' mailboxes must be asked (a link to make, a link without an id, a
// link moving to another mailbox or target, or every one with --refresh), and what a link's
// folderId is to be once they were (the answer's id; cleared when the link moves to another
// mailbox and the answer has none; not managed otherwise). Pure.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "plan/desired_state.h"
#include "plan/observed_state.h"

namespace sd {

// One user to ask: the address, the target their links name, and the folders to resolve.
struct MailboxToCheck {
  std::string email;   // as the spec writes it
  std::string target;  // nexj.target name
  std::vector<std::string> folders;
};

// The users whose links need folder ids, in spec order, one entry per address, counting only the
// links `only` selects (all with no prefixes). `always_ask`: link names (login/folder, sorted)
// whose users are asked even when their ids are known (a saved plan made with --refresh changes
// them). `observed` must be indexed.
[[nodiscard]] std::vector<MailboxToCheck> mailboxes_to_check(
    const DesiredState& desired, const ObservedState& observed, bool refresh,
    std::span<const std::string> only = {}, std::span<const std::string> always_ask = {});

// What the plan wants of `link`'s field `field`, a field known at apply: for folderId, the id
// Exchange gave when the user's mailbox was asked; null when the link moves to another mailbox
// (the field it belongs to changes) and no id is known, so that the old mailbox's id is not
// kept; else Unset (not managed: the live id stands). `live`: the link as observed, if present.
[[nodiscard]] Value known_at_apply_value(const Resource& link, size_t field,
                                         const ObservedResource* live,
                                         const ObservedState& observed);

}  // namespace sd
