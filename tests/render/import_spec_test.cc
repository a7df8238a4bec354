// The spec import writes: every string reads back as itself, and a deployment with hostile
// names and texts written as a spec plans against the same objects with nothing to do.
#include "render/import_spec.h"

#include <catch2/catch.hpp>

#include "base/disk_files.h"
#include "plan/desired_state.h"
#include "plan/plan.h"
#include "spec/document.h"
#include "spec/load_spec.h"
#include "spec/yaml_scalar.h"

using namespace sd;

namespace {

const std::vector<std::string> kHostile = {
    "",
    "plain",
    "true",
    "False",
    "null",
    "~",
    "yes",
    "0123",
    "1e3",
    "-1",
    ".5",
    "- x",
    "a: b",
    "a #b",
    "#c",
    " lead",
    "trail ",
    "two  spaces",
    "'single'",
    "\"double\"",
    "$(Remove-Mailbox)",
    "${env:X}",
    "{a: b}",
    "[x, y]",
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "%YAML",
    "@at",
    "`tick`",
    "x:",
    "x::y",
    "?q",
    ",c",
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "cr\rx",
    "ctl\x01x",
    "del\x7Fx",
    "\xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC",  // été 日本
    "nbsp\xC2\xA0x",
    "bidi\xE2\x80\xAEx",
    "ls\xE2\x80\xA8x",
    "nel\xC2\x85x",
    "bom\xEF\xBB\xBFx",
    "'; DROP TABLE t; --",
    "]]><!--",
    "a\\nb",
    "${env:X}}",
    "${file:a b}",
    "${env:}"};

// The desired state as if it had been read live: every object present with the spec's values.
std::vector<ObservedResource> as_live(const DesiredState& desired) {
  std::vector<ObservedResource> out;
  for (const Resource& r : desired.resources) {
    ObservedResource o;
    o.type = r.type;
    o.name = r.name;
    o.values = r.values;
    out.push_back(std::move(o));
  }
  return out;
}

void set_text(std::vector<ObservedResource>& live, const ResourceType& type, std::string_view field,
              const std::string& value) {
  for (ObservedResource& o : live)
    if (o.type == &type) o.values[static_cast<size_t>(field_index(type, field))] = value;
}

}  // namespace

TEST_CASE("import: every string is written as a YAML scalar that reads back as itself",
          "[import]") {
  for (const std::string& s : kHostile) {
    INFO(s);
    std::string scalar = yaml_scalar(s);
    Result<Document> doc = parse_yaml("t.yaml", "v: " + scalar + "\n");
    REQUIRE(doc.ok());
    CHECK(doc->root["v"] == s);
    CHECK(scalar.find('\n') == std::string::npos);  // one line, whatever the value
  }
  CHECK(yaml_scalar("nexj-sync@example.local") == "nexj-sync@example.local");
  CHECK(yaml_scalar("02:00") == "\"02:00\"");
  CHECK(yaml_scalar("true") == "\"true\"");
  CHECK(yaml_scalar("${env:NEXJ_SYNC_PASSWORD}") == "${env:NEXJ_SYNC_PASSWORD}");
  CHECK(yaml_scalar("${file:secrets/mgmt #2}") == "\"${file:secrets/mgmt #2}\"");
}

TEST_CASE("import: hostile texts round-trip: the written spec plans with nothing to do",
          "[import]") {
  Result<LoadedSpec> start = load_spec("examples/acme-prod.yaml", DiskFiles());
  REQUIRE(start.ok());
  std::vector<ObservedResource> live = as_live(build_desired_state(start->spec, {}));
  const std::string hostile =
      "$(Remove-Mailbox -Identity boss) \"q\" 'x' # y: z {a} [b] - \xC3\xA9 \xE6\x97\xA5 ]]><!--";
  set_text(live, types::kMailChannel, "description", hostile);
  set_text(live, types::kMailChannel, "from", "o'brien+crm@acme.com");
  set_text(live, types::kHttpChannel, "description", "#" + hostile);
  set_text(live, types::kManagementScope, "recipientFilter",
           "Department -eq 'R&D \"x\"' -and Office -eq '#1: HQ'");
  for (ObservedResource& o : live)  // a comma inside one entry of a list stays one entry
    if (o.type == &types::kGlobalOptions)
      o.values[static_cast<size_t>(field_index(types::kGlobalOptions, "emailBlacklist"))] =
          StringList{"postmaster@acme.com,abuse@acme.com", "[x]", "a: b"};

  ImportedSpec written = write_imported_spec(ImportSource{start->spec, live});
  INFO(written.yaml);
  CHECK(written.left_out.empty());
  MemoryFiles files;
  files.files["out/acme-prod.yaml"] = written.yaml;
  files.files["out/" + written.csv_path] = written.csv;
  Result<LoadedSpec> back = load_spec("out/acme-prod.yaml", files);
  if (!back.ok()) FAIL(back.errors().front().format());

  ObservedState observed;
  observed.resources = live;
  Plan plan = make_plan(build_desired_state(back->spec, {}), std::move(observed), {});
  for (const Action& a : plan.actions) {
    INFO(a.address() << ": " << a.reason);
    CHECK(a.kind == ActionKind::NoOp);
  }
  CHECK(plan.unmanaged.empty());
  CHECK(plan.summary.noop == live.size());
}

TEST_CASE(
    "import: nothing of impersonation live keeps the start's scope, and prune is left out when "
    "users are",
    "[import]") {
  Result<LoadedSpec> start = load_spec("examples/acme-prod.yaml", DiskFiles());
  REQUIRE(start.ok());
  start->spec.users.prune = true;
  std::vector<ObservedResource> live = as_live(build_desired_state(start->spec, {}));
  std::erase_if(live, [](const ObservedResource& o) {
    return o.type == &types::kRoleAssignment || o.type == &types::kManagementScope;
  });
  for (ObservedResource& o : live)  // one user's link names a target that is not there
    if (o.type == &types::kFolderLink && o.name == "jsmith/calendar")
      o.values[static_cast<size_t>(field_index(types::kFolderLink, "target"))] =
          std::string("GONE");
  ImportedSpec written = write_imported_spec(ImportSource{start->spec, live});
  INFO(written.yaml);
  // Never wider than the start asked for: without its scope, apply would grant impersonation
  // over every mailbox.
  CHECK(written.yaml.find("    scope:\n      name: NexJSyncedUsers\n") != std::string::npos);
  CHECK(written.yaml.find("  prune:") == std::string::npos);
  CHECK(written.left_out ==
        std::vector<std::string>{
            "the folder links of \"jsmith\" name more than one email or target; a spec gives a "
            "user one of each",
            "users.prune is left out: with users left out it would disable their links"});
}
