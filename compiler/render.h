// Plan renderers. Pure: the same plan gives the same bytes.
#pragma once

#include <ostream>
#include <string>

#include "compiler/plan.h"

namespace sd {

struct TextStyle {
  bool color = false;  // ANSI colors: only on a terminal, never with NO_COLOR
};

// Human plan: summary line of counts, risky actions first, then every change in order.
void render_text(const Plan& plan, const TextStyle& style, std::ostream& out);
// Versioned JSON plan (docs/plan-format.md, schema/plan.schema.json).
void render_json(const Plan& plan, std::ostream& out);
// Markdown for a pull-request comment; stays within GitHub's 65,536-character limit.
void render_markdown(const Plan& plan, std::ostream& out);
// Graphviz DOT of resources and their dependencies.
void render_dot(const Plan& plan, std::ostream& out);

}  // namespace sd
