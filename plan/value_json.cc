#include "plan/value_json.h"

#include <climits>

namespace sd {

nlohmann::json value_to_json(const Value& v) {
  struct Visitor {
    nlohmann::json operator()(Unset) const { return nullptr; }
    nlohmann::json operator()(NullValue) const { return nullptr; }
    nlohmann::json operator()(bool b) const { return b; }
    nlohmann::json operator()(int64_t i) const { return i; }
    nlohmann::json operator()(const std::string& s) const { return s; }
    nlohmann::json operator()(const StringList& list) const { return list; }
    nlohmann::json operator()(const SecretValue& s) const {
      nlohmann::json j = {{"sensitive", true}};
      if (!s.fingerprint.empty()) j["fingerprint"] = s.fingerprint;
      return j;
    }
  };
  return std::visit(Visitor{}, v);
}

bool value_from_json(const nlohmann::json& j, Value& out) {
  if (j.is_null()) {
    out = NullValue{};
  } else if (j.is_boolean()) {
    out = j.get<bool>();
  } else if (j.is_number_integer()) {
    if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return false;
    out = j.get<int64_t>();
  } else if (j.is_string()) {
    out = j.get<std::string>();
  } else if (j.is_array()) {
    StringList list;
    for (const auto& item : j) {
      if (!item.is_string()) return false;
      list.push_back(item.get<std::string>());
    }
    out = std::move(list);
  } else if (j.is_object()) {
    auto sensitive = j.find("sensitive");
    if (sensitive == j.end() || *sensitive != true) return false;
    SecretValue secret;
    if (auto fp = j.find("fingerprint"); fp != j.end()) {
      // Only the fingerprint form: anything else could be a secret a runtime leaked, and it
      // would travel on into plans.
      if (!fp->is_string() || !is_fingerprint(fp->get_ref<const std::string&>())) return false;
      secret.fingerprint = fp->get<std::string>();
    }
    out = std::move(secret);
  } else {
    return false;
  }
  return true;
}

}  // namespace sd
