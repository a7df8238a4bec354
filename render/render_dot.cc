// Graphviz DOT of the plan: one node per action, clustered by setup step, edges from each
// dependency to its dependent. Node ids are generated (a0, a1, ...); names only ever appear
// inside quoted labels, escaped, so no name can add nodes, edges or attributes.
#include <string>
#include <string_view>

#include "base/text_checks.h"
#include "render/render.h"

namespace sd {
namespace {

constexpr std::string_view kStepTitles[] = {
    "",
    "Exchange service account and impersonation",
    "Exchange throttling policy",
    "NexJ channels",
    "synchronization targets",
    "global synchronization options",
    "user options",
    "folder links",
};
constexpr int kSteps = 7;

struct Look {
  std::string_view word, attrs;
};

Look look_of(ActionKind kind) {
  switch (kind) {
    case ActionKind::Create:
      return {"create", R"(shape=box, fillcolor="#d9f2d9", color="#2e7d32")"};
    case ActionKind::Update:
      return {"update", R"(shape=box, fillcolor="#fff4cc", color="#b08800")"};
    case ActionKind::Disable:
      return {"disable", R"(shape=box, fillcolor="#f9d6d5", color="#c62828")"};
    case ActionKind::Remove:
      return {"remove",
              R"(shape=box, style="filled,dashed", fillcolor="#f9d6d5", color="#c62828")"};
    case ActionKind::NoOp:
      return {"no-op", R"(shape=box, fillcolor="#f2f2f2", color="#9e9e9e")"};
    case ActionKind::Unknown:
      return {"unknown",
              R"(shape=box, style="rounded,filled,dashed", fillcolor="#eeeeee", color="#6a1b9a")"};
    case ActionKind::Blocked:
      return {"blocked", R"(shape=octagon, fillcolor="#f9d6d5", color="#c62828")"};
  }
  return {"unknown", "shape=box"};
}

// A DOT quoted string. printable() first (control characters and newlines become visible
// escapes, as in the text plan), then DOT's own escaping of `\` and `"`; a doubled backslash
// also keeps Graphviz from reading `\N`, `\G`, `\l` in a name as label escapes.
void append_quoted(std::string& out, std::string_view raw) {
  out += '"';
  for (char c : printable(raw, 200)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void append_node(std::string& out, const Action& a, size_t index, std::string_view indent) {
  Look look = look_of(a.kind);
  out += indent;
  out += 'a';
  out += std::to_string(index);
  out += " [label=";
  append_quoted(out, make_address(*a.type, a.name));
  out.pop_back();  // the label's closing quote: the action goes on a second line
  out += "\\n";
  out += look.word;
  out += "\", ";
  out += look.attrs;
  out += "];\n";
}

}  // namespace

void render_dot(const Plan& plan, std::ostream& out) {
  std::string dot =
      "digraph syncdeploy {\n"
      "  rankdir=LR;\n"
      "  label=";
  append_quoted(dot, "plan for deployment " + plan.deployment);
  dot +=
      ";\n"
      "  graph [fontname=\"Helvetica\"];\n"
      "  node [style=\"rounded,filled\", fontname=\"Helvetica\"];\n"
      "  edge [color=\"#555555\"];\n";
  for (int step = 1; step <= kSteps; ++step) {
    bool open = false;
    for (size_t i = 0; i < plan.actions.size(); ++i) {
      const Action& a = plan.actions[i];
      if (!a.type || a.type->step != step) continue;
      if (!open) {
        dot += "  subgraph cluster_step" + std::to_string(step) + " {\n    label=\"step " +
               std::to_string(step) + ": " + std::string(kStepTitles[step]) + "\";\n";
        open = true;
      }
      append_node(dot, a, i, "    ");
      if (dot.size() >= (1 << 16)) {
        out << dot;
        dot.clear();
      }
    }
    if (open) dot += "  }\n";
  }
  // Types outside steps 1..7 would be a table bug; still drawn, outside any cluster.
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    if (a.type && (a.type->step < 1 || a.type->step > kSteps)) append_node(dot, a, i, "  ");
  }
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    if (!plan.actions[i].type) continue;
    for (uint32_t d : plan.actions[i].depends_on) {
      if (d >= plan.actions.size() || !plan.actions[d].type) continue;
      dot += "  a" + std::to_string(d) + " -> a" + std::to_string(i) + ";\n";
    }
    if (dot.size() >= (1 << 16)) {
      out << dot;
      dot.clear();
    }
  }
  dot += "}\n";
  out << dot;
}

}  // namespace sd
