// The "Not managed by this spec" block of the text plan and of diff, and its JSON.
#include "render/unmanaged_block.h"

#include "plan/unmanaged.h"
#include "render/ansi_colors.h"
#include "render/plan_overview.h"

namespace sd {

namespace {
constexpr size_t kMaxUnmanagedLinkLines = 50;  // users whose unnamed links are listed, unless -v
}  // namespace

using namespace ansi;

// What concerns the deployment but the spec does not name: nothing is done to it, and a
// reviewer sees it with the way to adopt or remove it. Returns the lines written.
size_t unmanaged_block(TextOut& o, const Plan& plan, PlanDetail detail) {
  const std::vector<std::string>& errors = plan.observed.review_errors;
  if (plan.unmanaged.empty() && errors.empty()) return 0;
  std::vector<UnmanagedLine> lines = unmanaged_lines(plan);
  o.end_line();
  o.styled(kBold, "Not managed by this spec (" + std::to_string(plan.unmanaged.size()) +
                      (plan.unmanaged.size() == 1 ? " object; nothing is done to it"
                                                  : " objects; nothing is done to them") +
                      "): review");
  o.end_line();
  size_t written = 0, link_lines = 0, links_left = 0, users_left = 0;
  for (const std::string& error : errors) {
    o << "  (the list may be incomplete: ";
    o.text(error);
    o << ")";
    o.end_line();
    ++written;
  }
  const ObservedResource* a_link = nullptr;
  for (const UnmanagedLine& line : lines) {
    const ObservedResource& first = plan.observed.resources[line.first];
    if (line.type == &types::kFolderLink) {
      a_link = &first;
      if (detail != PlanDetail::Full && link_lines >= kMaxUnmanagedLinkLines) {
        links_left += line.objects;
        ++users_left;
        continue;
      }
      ++link_lines;
    }
    o << "  ";
    o.styled(kYellow, "?");
    o << ' ' << line.type->name << '/';
    o.text(line.name);
    if (line.type != &types::kFolderLink) {
      o << "  ";
      o.text(unmanaged_hint(first));
    }
    o.end_line();
    ++written;
  }
  if (users_left) {
    o << "  ... and " << links_left << " more folder links of " << users_left
      << (users_left == 1 ? " user" : " users") << " the spec does not name (--verbose lists them)";
    o.end_line();
    ++written;
  }
  if (a_link) {
    o << "  folder links: ";
    o.text(unmanaged_hint(*a_link));
    o.end_line();
    ++written;
  }
  return written;
}

void write_unmanaged_json(JsonWriter& w, const Plan& plan) {
  w.begin_array(/*one_per_line=*/true);
  for (uint32_t j : plan.unmanaged) {
    const ObservedResource& o = plan.observed.resources[j];
    w.begin_object();
    w.key("address");
    w.string(make_address(*o.type, o.name));
    w.key("hint");
    w.string(unmanaged_hint(o));
    w.end_object();
  }
  w.end_array();
}

}  // namespace sd
