// Plan renderers. Pure: the same plan gives the same bytes.
#pragma once

#include <ostream>
#include <string>

#include "plan/plan.h"

namespace sd {

class JsonWriter;

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

// Drift for `syncdeploy diff` (read-only): how live state differs from the spec, object by
// object in plan order, without saying what apply would do. A summary line comes first.
void render_drift_text(const Plan& plan, const TextStyle& style, std::ostream& out);
// The same as JSON (docs/plan-format.md, "The JSON drift report"), streamed.
void render_drift_json(const Plan& plan, std::ostream& out);

// One value in the JSON plan's form (null, bool, number, string, array of strings, or
// {"sensitive": true, "fingerprint": ...}). With `secret_field` only the sensitive form is
// written, whatever the value: a read that returned a secret as text must not leak it.
void write_json_value(JsonWriter& w, const Value& v, bool secret_field);

}  // namespace sd
