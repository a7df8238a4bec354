// Plan renderers. Pure: the same plan gives the same bytes.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "plan/plan.h"

namespace sd {

class JsonWriter;

// How much of a plan the text shows. Every level starts with the counts (overall and per
// resource type) and the risky actions.
enum class PlanDetail : uint8_t {
  Grouped,  // each action, but one line per user for its folder links (the default)
  Full,     // each action with each field it sets (--verbose)
  Summary,  // folder links only counted (apply of a large plan: it must not scroll for minutes)
};

struct TextStyle {
  bool color = false;  // ANSI colors: only on a terminal, never with NO_COLOR
  PlanDetail detail = PlanDetail::Grouped;
};

// Human plan: summary line of counts, counts per resource type, risky actions first, then
// every change in order, at the detail asked for.
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
