// The NexJ environment file (runtime/nexj/environment_file.h) as apply meets it: the input is the
// file on disk; observe() reads the connections of the channels the spec names, a plan is made
// against them, apply() splices the changes into the original bytes, and what apply says it did
// must read back: a second observation finds nothing left to do. Bad files get a clear error for
// the channels they hold; nothing crashes, hangs or corrupts the file.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plan/desired_state.h"
#include "plan/observed_state.h"
#include "plan/plan.h"
#include "runtime/nexj/environment_file.h"
#include "spec/secrets.h"

namespace {

constexpr std::string_view kDeployment = "fuzz";
constexpr std::string_view kPasswordRef = "${env:PW}";
constexpr std::string_view kPassword = "pw";

// One scratch folder per process, in memory when /dev/shm is there (apply fsyncs). Never
// freed: the exit handler that removes it runs after static destructors.
const std::string& scratch() {
  static const std::string* const dir = [] {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                     ? "/dev/shm"
                                     : std::filesystem::temp_directory_path();
    std::string pattern = (base / "sdfuzz-env-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    auto* made = new std::string(pattern);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratch(), ignored);
    });
    return made;
  }();
  return *dir;
}

sd::Resource channel(const sd::ResourceType& type, std::string name,
                     std::vector<std::pair<std::string_view, sd::Value>> fields) {
  sd::Resource r;
  r.type = &type;
  r.name = std::move(name);
  r.values.assign(type.fields.size(), sd::Value{sd::Unset{}});
  for (auto& [field, value] : fields) {
    int i = sd::field_index(type, field);
    if (i < 0) std::abort();
    r.values[static_cast<size_t>(i)] = std::move(value);
  }
  return r;
}

// Whether the spec's schema allows `name` as a channel name ("#/definitions/name").
bool is_spec_name(std::string_view name) {
  auto ok = [](char c, bool first) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (!first && (c == '.' || c == '_' || c == '-'));
  };
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (!ok(name[i], i == 0)) return false;
  return true;
}

// Channel names are unique in a spec, whatever the kind of channel.
bool has(const sd::DesiredState& desired, std::string_view name) {
  for (const sd::Resource& r : desired.resources)
    if (r.name == name) return true;
  return false;
}

// Channels of the quickstart, and up to four more named by `channel="..."` in the input, so
// that mutated names still meet a spec that names them (names the spec would refuse are not).
sd::DesiredState desired_for(std::string_view text) {
  static const std::string fingerprint = sd::secret_fingerprint(kPassword, kDeployment);
  const sd::SecretValue password{std::string(kPasswordRef), fingerprint};
  sd::DesiredState desired{std::string(kDeployment), {}, {}, {}};
  desired.resources.push_back(channel(sd::types::kMailChannel, "Mail",
                                      {{"user", std::string("crm-mail")},
                                       {"password", password},
                                       {"from", std::string("crm@example.com")},
                                       {"outHost", std::string("smtp.example.local")},
                                       {"outPort", int64_t{587}},
                                       {"enabled", true}}));
  desired.resources.push_back(channel(sd::types::kHttpChannel, "ExchangeEWSSender1",
                                      {{"url", std::string("https://exch01/EWS/Exchange.asmx")},
                                       {"user", std::string("nexj-sync")},
                                       {"password", password},
                                       {"secure", true},
                                       {"maxSenders", int64_t{4}}}));
  size_t at = 0;
  for (int found = 0; found < 4; ++found) {
    at = text.find("channel=\"", at);
    if (at == std::string_view::npos) break;
    at += 9;
    size_t end = text.find('"', at);
    if (end == std::string_view::npos) break;
    std::string name(text.substr(at, end - at));
    const sd::ResourceType& type =
        found % 2 == 0 ? sd::types::kMailChannel : sd::types::kHttpChannel;
    if (!is_spec_name(name) || has(desired, name)) continue;
    if (&type == &sd::types::kMailChannel)
      desired.resources.push_back(
          channel(sd::types::kMailChannel, std::move(name), {{"outPort", int64_t{25}}}));
    else
      desired.resources.push_back(channel(sd::types::kHttpChannel, std::move(name),
                                          {{"secure", false}, {"readTimeout", int64_t{30}}}));
  }
  return desired;
}

std::vector<uint32_t> changes_of(const sd::Plan& plan) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < plan.actions.size(); ++i)
    if (plan.actions[i].kind == sd::ActionKind::Create ||
        plan.actions[i].kind == sd::ActionKind::Update)
      out.push_back(static_cast<uint32_t>(i));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path = scratch() + "/fuzz.environment";
  std::filesystem::remove(path + ".bak");
  if (size == 0) {
    std::filesystem::remove(path);  // a missing file: every channel absent, apply creates it
  } else {
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(text.data(), static_cast<std::streamsize>(size));
  }
  sd::DesiredState desired = desired_for(text);
  sd::EnvironmentFile env(path);
  sd::ObservedState observed;
  env.observe(desired, observed);
  sd::Plan plan = sd::make_plan(desired, std::move(observed), {});
  std::vector<uint32_t> todo = changes_of(plan);
  const sd::SecretValues secrets{{std::string(kPasswordRef), std::string(kPassword)}};
  std::vector<sd::ActionResult> results = env.apply(plan, todo, secrets);
  if (results.size() != todo.size()) std::abort();

  // What apply says it did must be there: those channels need nothing more.
  sd::EnvironmentFile again(path);
  sd::ObservedState reread;
  again.observe(desired, reread);
  sd::Plan after = sd::make_plan(desired, std::move(reread), {});
  for (size_t k = 0; k < todo.size(); ++k) {
    if (!results[k].ok) continue;
    const sd::Action& done = plan.actions[todo[k]];
    for (const sd::Action& a : after.actions) {
      if (a.type != done.type || a.name != done.name || a.kind == sd::ActionKind::NoOp) continue;
      std::fprintf(stderr, "%s: applied, but the file still needs %s\n", done.address().c_str(),
                   std::string(sd::to_string(a.kind)).c_str());
      std::abort();
    }
  }
  return 0;
}
