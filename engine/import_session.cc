#include "engine/import_session.h"

#include <filesystem>

#include "base/text_checks.h"
#include "engine/exchange_reads.h"
#include "engine/loaded_input.h"
#include "engine/observe.h"
#include "plan/desired_state.h"
#include "plan/selection.h"

namespace sd::engine {
namespace {

ImportOutcome import_failed(std::vector<Error> errors) {
  ImportOutcome out;
  out.errors = std::move(errors);
  return out;
}

// A path the start spec gives relative to its folder, relative to the written spec's folder
// instead (both relative to the working directory, or absolute).
std::string rebased(const std::string& path, const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute() || from == to) return path;
  // Both absolute first: lexically_relative cannot see through a base that starts with "..".
  std::error_code ec;
  fs::path target = fs::absolute(fs::path(from) / path, ec).lexically_normal();
  fs::path base = fs::absolute(fs::path(to), ec).lexically_normal();
  fs::path relative = target.lexically_relative(base);
  return relative.empty() ? target.string() : relative.string();
}

void rebase_paths(Spec& spec, const std::string& from, const std::string& to) {
  auto rebase = [&](std::string& path) { path = rebased(path, from, to); };
  auto rebase_secret = [&](std::optional<SecretRef>& ref) {
    if (ref && ref->kind == SecretRef::Kind::File) rebase(ref->name);
  };
  Management& m = spec.exchange.management;
  for (std::string* p :
       {&m.keytab, &m.certificateFile, &m.keyFile, &m.caFile, &spec.exchange.serviceAccount.keytab,
        &spec.exchange.caFile, &spec.nexj.caFile, &spec.nexj.environmentFile})
    rebase(*p);
  rebase_secret(m.password);
  rebase_secret(spec.exchange.serviceAccount.password);
  if (spec.nexj.channels.mail) rebase_secret(spec.nexj.channels.mail->password);
  if (spec.nexj.store.starts_with("sqlite:")) {
    std::string file = spec.nexj.store.substr(7);
    spec.nexj.store = "sqlite:" + rebased(file, from, to);
  }
}

// The start's own objects of `type`, as if they had been read: for the parts not imported.
void add_own(const DesiredState& desired, const ResourceType& type,
             std::vector<ObservedResource>& into) {
  for (const Resource& r : desired.resources) {
    if (r.type != &type) continue;
    ObservedResource o;
    o.type = r.type;
    o.name = r.name;
    o.values = r.values;
    into.push_back(std::move(o));
  }
}

}  // namespace

ImportOutcome import_deployment(World& world, const ImportRequest& request) {
  Status prefixes = check_prefixes(request.only);
  if (!prefixes.ok()) return import_failed(prefixes.take_errors());
  SecretValues secrets;
  Result<LoadedInput> input = load_input(world, request.spec, request.observed.empty(), &secrets);
  if (!input.ok()) return import_failed(input.take_errors());
  Spec& start = input->loaded.spec;
  if (!request.service_account.empty()) {
    start.exchange.serviceAccount.identity = request.service_account;
    start.exchange.serviceAccount.upn.clear();  // the live account's is written
  }
  // The spec's own folder links are only needed when they are not read live: 300,000 of them
  // cost a third of a 100,000-user import's memory.
  const bool links_live = selects_type(request.only, types::kFolderLink);
  std::vector<User> own_users;
  if (links_live) own_users.swap(start.users.list);
  DesiredState desired = build_desired_state(start, input->fingerprints);
  if (links_live) own_users.swap(start.users.list);

  // Every live system, as plan reads them; no mailbox is asked (the store has the folder ids).
  ObservedState observed;
  if (!request.observed.empty()) {
    Result<std::string> text = world.files().read(request.observed);
    if (!text.ok()) return import_failed(text.take_errors());
    Result<ObservedState> parsed = parse_observed_state(request.observed, *text);
    if (!parsed.ok()) return import_failed(parsed.take_errors());
    observed = std::move(parsed).value();
  } else {
    Result<std::unique_ptr<NexjSystems>> nexj = world.open_nexj(live_paths(start, request.spec));
    if (!nexj.ok()) return import_failed(nexj.take_errors());
    std::vector<LiveSystem*> all = (*nexj)->all();
    Result<std::unique_ptr<LiveSystem>> exchange =
        open_exchange_management(world, *input, secrets, request.only);
    if (!exchange.ok()) return import_failed(exchange.take_errors());
    if (*exchange) all.push_back(exchange->get());
    observed = observe_all(all, desired);
  }

  std::vector<std::string> unread;
  // A text that is not UTF-8 cannot be written in a spec (YAML is Unicode): such an object is
  // left out, said, rather than written as another text.
  std::erase_if(observed.resources, [&](const ObservedResource& o) {
    bool bad = find_invalid_utf8(o.name).has_value();
    for (const Value& v : o.values)
      if (const auto* text = std::get_if<std::string>(&v)) bad = bad || find_invalid_utf8(*text);
    if (bad && o.type)
      unread.push_back(make_address(*o.type, printable(o.name)) +
                       " is left out: it holds text that is not UTF-8");
    return bad;
  });
  // Each type from live state when it is imported and could be read, else the start's own.
  std::vector<ObservedResource> live;
  live.reserve(observed.resources.size() + desired.resources.size());
  for (const ResourceType* type : all_resource_types()) {
    auto failed = observed.failed_types.find(type->name);
    const bool imported = selects_type(request.only, *type);
    if (imported && failed == observed.failed_types.end()) {
      for (ObservedResource& o : observed.resources)
        if (o.type == type && o.presence == Presence::Present) live.push_back(std::move(o));
      continue;
    }
    if (imported)
      unread.push_back(std::string(type->name) + " could not be read (" + failed->second +
                       "): the start spec's are written");
    add_own(desired, *type, live);
  }
  for (const std::string& error : observed.review_errors)
    unread.push_back("what concerns the service account could not all be read (" + error +
                     "): what the spec does not name may be missing");
  rebase_paths(start, folder_of(request.spec), request.out_dir.empty() ? "." : request.out_dir);
  ImportOutcome out;
  out.imported = write_imported_spec(ImportSource{start, live, std::move(unread)});

  // What import writes must load: a spec that does not is a bug here, said as such.
  MemoryFiles written;
  const std::string path =
      join_path(request.out_dir.empty() ? "." : request.out_dir, request.out_name);
  written.files[path] = out.imported.yaml;
  if (!out.imported.csv_path.empty())
    written.files[join_path(folder_of(path), out.imported.csv_path)] = out.imported.csv;
  Result<LoadedSpec> check = load_spec(path, written);
  if (!check.ok()) {
    std::vector<Error> errors = check.take_errors();
    errors.insert(errors.begin(),
                  make_error("live state has what a spec cannot say (the written spec would "
                             "not validate, below); nothing was written: leave those parts out "
                             "with --only, or report it if the live state is sound",
                             Location{path}));
    return import_failed(std::move(errors));
  }
  out.ending = out.imported.left_out.empty() ? ImportOutcome::Ending::Written
                                             : ImportOutcome::Ending::Partial;
  return out;
}

}  // namespace sd::engine
