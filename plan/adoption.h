// The first plan of a deployment: syncdeploy has never applied it (no apply ended in its
// journal), so every object the spec names that is already live was made by hand or by another
// tool and is adopted as it is, or adopted and changed; nothing that exists is made again. The
// reasons say so per object, so that a reviewer of that first plan sees it.
#pragma once

#include <string>

#include "plan/plan.h"

namespace sd {

// Sets plan.adopting and says "adopt (matches)" for an object found as the spec has it, and
// "adopt and change: <the update reason>" for one found different. Creates stay creates.
void mark_adoption(Plan& plan);

// "First plan of this deployment: ...", or "" when the plan does not adopt anything.
[[nodiscard]] std::string adoption_line(const Plan& plan);

}  // namespace sd
