#include "tests/render/render_support.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "render/render.h"

namespace sd::test {

uint16_t field_number(const ResourceType& type, std::string_view name) {
  int i = field_index(type, name);
  REQUIRE(i >= 0);
  return static_cast<uint16_t>(i);
}

Action plan_action(ActionKind kind, const ResourceType& type, std::string name, std::string reason,
                   std::vector<FieldChange> changes, std::vector<uint32_t> depends_on, bool risky) {
  Action a;
  a.kind = kind;
  a.type = &type;
  a.name = std::move(name);
  a.reason = std::move(reason);
  a.changes = std::move(changes);
  a.depends_on = std::move(depends_on);
  a.risky = risky;
  return a;
}

std::string plan_json(const Plan& p) {
  std::ostringstream out;
  render_json(p, out);
  return out.str();
}

std::string plan_text(const Plan& p, bool color) {
  std::ostringstream out;
  render_text(p, TextStyle{color}, out);
  return out.str();
}

std::string plan_markdown(const Plan& p) {
  std::ostringstream out;
  render_markdown(p, out);
  return out.str();
}

}  // namespace sd::test
