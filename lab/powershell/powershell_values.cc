#include "lab/powershell/powershell_values.h"

#include <cstdio>

#include "base/text_checks.h"

namespace sd::lab {

PsValue PsValue::from_bool(bool value) {
  PsValue out;
  out.kind = Kind::Bool;
  out.boolean = value;
  return out;
}

PsValue PsValue::from_number(uint64_t value) {
  PsValue out;
  out.kind = Kind::Number;
  out.number = value;
  return out;
}

PsValue PsValue::from_string(std::string value) {
  PsValue out;
  out.kind = Kind::String;
  out.text = std::move(value);
  return out;
}

PsValue PsValue::secure(std::string secret) {
  PsValue out;
  out.kind = Kind::SecureString;
  out.text = std::move(secret);
  return out;
}

PsValue PsValue::array(std::vector<PsValue> items) {
  PsValue out;
  out.kind = Kind::Array;
  out.items = std::move(items);
  return out;
}

PsValue PsValue::script_block(const PsExpression& block) {
  PsValue out;
  out.kind = Kind::ScriptBlock;
  out.block = &block;
  return out;
}

PsValue PsValue::property(std::string_view name) const {
  if (kind != Kind::Object && kind != Kind::Hashtable) return null();
  for (size_t i = 0; i < names.size(); ++i) {
    if (iequals(names[i], name)) return items[i];
  }
  return null();
}

void PsValue::add_property(std::string name, PsValue value) {
  names.push_back(std::move(name));
  items.push_back(std::move(value));
}

std::string ps_to_string(const PsValue& value) {
  switch (value.kind) {
    case PsValue::Kind::Null:
      return "";
    case PsValue::Kind::Bool:
      return value.boolean ? "True" : "False";
    case PsValue::Kind::Number:
      return std::to_string(value.number);
    case PsValue::Kind::String:
      return value.text;
    case PsValue::Kind::SecureString:
      return "System.Security.SecureString";
    case PsValue::Kind::Object:
      return ps_to_string(value.property("Name"));
    case PsValue::Kind::Array: {
      std::string out;
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (i > 0) out += ' ';
        out += ps_to_string(value.items[i]);
      }
      return out;
    }
    case PsValue::Kind::ScriptBlock:
      return "{ }";
    case PsValue::Kind::Hashtable:
      return "System.Collections.Hashtable";
  }
  return "";
}

std::string ps_type_name(const PsValue& value) {
  switch (value.kind) {
    case PsValue::Kind::Null:
      return "null";
    case PsValue::Kind::Bool:
      return "System.Boolean";
    case PsValue::Kind::Number:
      return "System.Int32";
    case PsValue::Kind::String:
      return "System.String";
    case PsValue::Kind::SecureString:
      return "System.Security.SecureString";
    case PsValue::Kind::Object:
      return "System.Management.Automation.PSObject";
    case PsValue::Kind::Array:
      return "System.Object[]";
    case PsValue::Kind::ScriptBlock:
      return "System.Management.Automation.ScriptBlock";
    case PsValue::Kind::Hashtable:
      return "System.Collections.Hashtable";
  }
  return "System.Object";
}

bool ps_is_true(const PsValue& value) {
  switch (value.kind) {
    case PsValue::Kind::Null:
      return false;
    case PsValue::Kind::Bool:
      return value.boolean;
    case PsValue::Kind::Number:
      return value.number != 0;
    case PsValue::Kind::String:
      return !value.text.empty();
    case PsValue::Kind::Array:
      if (value.items.empty()) return false;
      if (value.items.size() == 1) return ps_is_true(value.items[0]);
      return true;
    default:
      return true;
  }
}

bool ps_equals(const PsValue& left, const PsValue& right) {
  switch (left.kind) {
    case PsValue::Kind::Null:
      return right.is_null();
    case PsValue::Kind::Bool:
      return left.boolean == ps_is_true(right);
    case PsValue::Kind::Number:
      return right.kind == PsValue::Kind::Number ? left.number == right.number
                                                 : ps_to_string(left) == ps_to_string(right);
    default:
      if (right.is_null()) return false;
      return iequals(ps_to_string(left), ps_to_string(right));
  }
}

namespace {

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
      case '>':
      case '&':
      case '\'':
        [[fallthrough]];
      default:
        if (u < 0x20 || c == '<' || c == '>' || c == '&' || c == '\'') {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", u);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json(std::string& out, const PsValue& value) {
  switch (value.kind) {
    case PsValue::Kind::Null:
      out += "null";
      return;
    case PsValue::Kind::Bool:
      out += value.boolean ? "true" : "false";
      return;
    case PsValue::Kind::Number:
      out += std::to_string(value.number);
      return;
    case PsValue::Kind::Array:
      out += '[';
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (i > 0) out += ',';
        append_json(out, value.items[i]);
      }
      out += ']';
      return;
    case PsValue::Kind::Object:
    case PsValue::Kind::Hashtable:
      out += '{';
      for (size_t i = 0; i < value.names.size(); ++i) {
        if (i > 0) out += ',';
        append_json_string(out, value.names[i]);
        out += ':';
        append_json(out, value.items[i]);
      }
      out += '}';
      return;
    case PsValue::Kind::SecureString:
      out += "{\"Length\":" + std::to_string(value.text.size()) + "}";
      return;
    default:
      append_json_string(out, ps_to_string(value));
  }
}

}  // namespace

std::string ps_to_json(const PsValue& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace sd::lab
