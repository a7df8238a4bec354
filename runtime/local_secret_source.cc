#include "runtime/local_secret_source.h"

#include "base/disk_files.h"
#include "base/process_env.h"

namespace sd {

LocalSecretSource::LocalSecretSource(std::string spec_path, GetEnv get_env)
    : spec_path_(std::move(spec_path)), get_env_(std::move(get_env)) {
  if (!get_env_) get_env_ = process_env;
}

Result<std::string> LocalSecretSource::read(const SecretRef& ref) const {
  if (ref.kind == SecretRef::Kind::Env) {
    std::optional<std::string> value = get_env_(ref.name);
    if (!value) return make_error("environment variable " + ref.name + " is not set");
    if (value->empty()) return make_error("environment variable " + ref.name + " is empty");
    return *value;
  }
  std::string path = resolve_relative(spec_path_, ref.name);
  Result<std::string> content = DiskFiles(1 << 20).read(path);
  if (!content.ok()) return make_error(content.errors().front().message + ": " + path);
  std::string value = std::move(content).value();
  if (value.ends_with("\r\n")) {
    value.resize(value.size() - 2);
  } else if (value.ends_with('\n')) {
    value.pop_back();
  }
  if (value.empty()) return make_error("secret file " + path + " is empty");
  return value;
}

}  // namespace sd
