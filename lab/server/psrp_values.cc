#include "lab/server/psrp_values.h"

#include <string>

namespace sd::lab {
namespace {

using psrp::Property;
using psrp::Value;

const std::vector<std::string> kObjectTypes{
    "Deserialized.System.Management.Automation.PSCustomObject", "Deserialized.System.Object"};

// "NotSpecified: (:) [Get-Mailbox], ManagementObjectNotFoundException" -> the part after the
// last ", ": the exception's short name.
std::string exception_of(const std::string& category) {
  const size_t comma = category.rfind(", ");
  return comma == std::string::npos ? std::string("RuntimeException") : category.substr(comma + 2);
}

}  // namespace

Value to_psrp(const PsValue& value) {
  using K = PsValue::Kind;
  switch (value.kind) {
    case K::Null:
      return Value::nil();
    case K::Bool:
      return Value::boolean(value.boolean);
    case K::Number:
      return value.number <= 0x7FFFFFFFu ? Value::i32(static_cast<int32_t>(value.number))
                                         : Value::i64(static_cast<int64_t>(value.number));
    case K::String:
      return Value::string(value.text);
    case K::SecureString:  // never written out: what Windows shows for one
      return Value::string("System.Security.SecureString");
    case K::Array: {
      std::vector<Value> items;
      for (const PsValue& item : value.items) items.push_back(to_psrp(item));
      return Value::list(std::move(items),
                         {"Deserialized.System.Object[]", "Deserialized.System.Array",
                          "Deserialized.System.Object"});
    }
    case K::Hashtable: {
      std::vector<psrp::Entry> entries;
      for (size_t i = 0; i < value.names.size(); ++i)
        entries.push_back({Value::string(value.names[i]), to_psrp(value.items[i])});
      return Value::dictionary(std::move(entries), {"Deserialized.System.Collections.Hashtable",
                                                    "Deserialized.System.Object"});
    }
    case K::Object: {
      Value object;
      object.tag = "Obj";
      object.type_names = kObjectTypes;
      object.to_string = ps_to_string(value);
      for (size_t i = 0; i < value.names.size(); ++i)
        object.adapted.push_back({value.names[i], to_psrp(value.items[i])});
      return object;
    }
    case K::ScriptBlock:
      return Value::primitive("SBK", "");
  }
  return Value::nil();
}

Result<PsValue> from_psrp(const Value& value, const std::optional<psrp::SessionKey>& key) {
  if (value.is_nil()) return PsValue::null();
  if (value.tag == "SS") {
    if (!key) return make_error("a SecureString came before the session key was exchanged");
    Result<std::string> text = key->decrypt(value.text);
    if (!text) return text.take_errors();
    return PsValue::secure(std::move(text).value());
  }
  if (value.tag == "B") return PsValue::from_bool(value.as_bool().value_or(false));
  if (std::optional<int64_t> number = value.as_integer(); number && !value.is_object()) {
    if (*number >= 0) return PsValue::from_number(static_cast<uint64_t>(*number));
    return PsValue::from_string(value.text);
  }
  if (!value.is_object()) return PsValue::from_string(value.text);
  if (value.collection == Value::Collection::Dictionary) {
    PsValue table;
    table.kind = PsValue::Kind::Hashtable;
    for (const psrp::Entry& entry : value.entries) {
      Result<PsValue> item = from_psrp(entry.value, key);
      if (!item) return item.take_errors();
      table.add_property(entry.key.display(), std::move(item).value());
    }
    return table;
  }
  if (value.collection != Value::Collection::None) {
    std::vector<PsValue> items;
    for (const Value& item : value.items) {
      Result<PsValue> converted = from_psrp(item, key);
      if (!converted) return converted.take_errors();
      items.push_back(std::move(converted).value());
    }
    return PsValue::array(std::move(items));
  }
  if (!value.wrapped.empty()) return PsValue::from_string(value.display());  // an enum: its name
  PsValue object;
  object.kind = PsValue::Kind::Object;
  for (const std::vector<Property>* properties : {&value.extended, &value.adapted})
    for (const Property& property : *properties) {
      Result<PsValue> item = from_psrp(property.value, key);
      if (!item) return item.take_errors();
      object.add_property(property.name, std::move(item).value());
    }
  return object;
}

Value error_record_value(const PsErrorRecord& record, std::string_view target) {
  const std::string exception = exception_of(record.category);
  Value thrown;
  thrown.tag = "Obj";
  thrown.type_names = {exception, "System.Exception", "System.Object"};
  thrown.to_string = exception + ": " + record.message;
  thrown.adapted = {{"Message", Value::string(record.message)},
                    {"HResult", Value::i32(-2146233087)}};
  Value invocation = Value::nil();
  if (!record.command.empty()) {
    invocation.tag = "Obj";
    invocation.type_names = {"System.Management.Automation.InvocationInfo", "System.Object"};
    invocation.to_string = "System.Management.Automation.InvocationInfo";
    invocation.adapted = {{"MyCommand", Value::string(record.command)},
                          {"InvocationName", Value::string(record.command)}};
  }
  Value out;
  out.tag = "Obj";
  out.type_names = {"System.Management.Automation.ErrorRecord", "System.Object"};
  out.to_string = record.message;
  out.extended = {
      {"Exception", std::move(thrown)},
      {"TargetObject", target.empty() ? Value::nil() : Value::string(target)},
      {"FullyQualifiedErrorId", Value::string(record.error_id)},
      {"InvocationInfo", std::move(invocation)},
      {"ErrorCategory_Activity", Value::string(record.command)},
      {"ErrorCategory_Reason", Value::string(exception)},
      {"ErrorCategory_TargetName", Value::string(target)},
      {"ErrorCategory_Message", Value::string(record.category)},
      {"SerializeExtendedInfo", Value::boolean(false)},
  };
  return out;
}

}  // namespace sd::lab
