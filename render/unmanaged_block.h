// What concerns the deployment but the spec does not name (Plan::unmanaged), for the text plan
// and diff: one line each (a user's folder links on one), with how to adopt or remove it.
#pragma once

#include "base/json_writer.h"
#include "render/render.h"
#include "render/text_out.h"

namespace sd {

// Writes the block (nothing when there is nothing to review); at most 50 users' links unless
// `detail` is Full. Returns the lines written.
size_t unmanaged_block(TextOut& o, const Plan& plan, PlanDetail detail);

// The same as the JSON plan and the drift report write it: an array of {address, hint}.
void write_unmanaged_json(JsonWriter& w, const Plan& plan);

}  // namespace sd
