// Plans built by hand for the renderers, and a plan rendered as JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plan/plan.h"

namespace sd::test {

// The number of `type`'s field `name`, which must exist (a FieldChange's field).
[[nodiscard]] uint16_t field_number(const ResourceType& type, std::string_view name);

// An action of `kind` on `type`'s object `name`.
[[nodiscard]] Action plan_action(ActionKind kind, const ResourceType& type, std::string name,
                                 std::string reason, std::vector<FieldChange> changes = {},
                                 std::vector<uint32_t> depends_on = {}, bool risky = false);

// The plan as render_json writes it (plan --json, plan -out).
[[nodiscard]] std::string plan_json(const Plan& p);
// The plan as render_text (in color when `color`) and render_markdown write it.
[[nodiscard]] std::string plan_text(const Plan& p, bool color);
[[nodiscard]] std::string plan_markdown(const Plan& p);

}  // namespace sd::test
