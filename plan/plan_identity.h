// Identities of a plan and of its actions, so that a saved plan can be checked against the
// live systems at apply time (design decision 5: applying a saved plan re-reads the objects and
// refuses the steps whose object changed since the plan was made). Pure and deterministic.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plan/plan.h"

namespace sd {

// What the plan saw of the action's object: "absent" (not listed, or listed as absent),
// "unknown" (could not be read: the action is Unknown or its object is), or "sha256:" + 16 hex
// over the object's type, name and every field value in field order (a secret by its
// fingerprint only). Any change of an observed value changes it. An object read back from a
// JSON plan has only that digest, as the plan gave it (ObservedResource::fingerprint).
[[nodiscard]] std::string observed_fingerprint(const Plan& plan, const Action& action);

// "sha256:" + 16 hex over the action's kind, address, each change (field name and the value
// it sets; a secret by its fingerprint only) and observed_fingerprint(). Two plans agree on
// an action if and only if its fingerprints agree. A folder link whose folder id is asked
// during apply (Action::filled_at_apply) leaves its folderId change out and says so.
[[nodiscard]] std::string action_fingerprint(const Plan& plan, const Action& action);
// The same with its observed_fingerprint() already computed.
[[nodiscard]] std::string action_fingerprint(const Action& action,
                                             std::string_view observed_fingerprint);
// The same as if the action's folder id were (or were not) asked during apply: how a saved
// action made before the mailboxes were asked is compared with the action made after.
[[nodiscard]] std::string action_fingerprint(const Action& action,
                                             std::string_view observed_fingerprint,
                                             bool filled_at_apply);

// action_fingerprint() of every action, in plan order.
[[nodiscard]] std::vector<std::string> action_fingerprints(const Plan& plan);

// 16 hex over the spec digest, the --only prefixes and the fingerprints of the actions the JSON
// plan lists, in order.
[[nodiscard]] std::string plan_id(const Plan& plan);
// The same from its parts: a saved plan carries them all, so its planId can be checked.
[[nodiscard]] std::string plan_id_of(std::string_view spec_digest,
                                     std::span<const std::string> only,
                                     std::span<const std::string> action_fingerprints);

}  // namespace sd
