#include "lab/powershell/powershell_binding.h"

#include <algorithm>
#include <array>

#include "base/text_checks.h"

namespace sd::lab {
namespace {

// PowerShell's common parameters, in the order it declares them (CommonParameters), then the
// two of cmdlets that ask before changing things (ShouldProcess).
constexpr std::array<std::string_view, 11> kCommonParameters = {
    "Verbose",           "Debug",         "ErrorAction",     "WarningAction",
    "InformationAction", "ErrorVariable", "WarningVariable", "InformationVariable",
    "OutVariable",       "OutBuffer",     "PipelineVariable"};
constexpr std::array<std::string_view, 2> kShouldProcessParameters = {"WhatIf", "Confirm"};

bool digits_only(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return prefix.size() <= text.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// Exchange's cmdlets that change things take -WhatIf and -Confirm; Get-* and the lab's core
// cmdlets do not.
bool should_process(const PsCmdletSpec& spec) {
  return spec.exchange && !starts_with_nocase(spec.name, "Get-");
}

[[noreturn]] void parameter_not_found(PsCmdletContext& ctx, std::string_view name) {
  ctx.fail("A parameter cannot be found that matches parameter name '" + std::string(name) + "'.",
           "InvalidArgument", "ParameterBindingException", "NamedParameterNotFound");
}

// An EWS limit, canonical: "Unlimited" or the decimal number; $null on 2013+ (not set).
template <class Fail>
PsValue convert_limit(const PsCmdletContext& ctx, const PsParamSpec& p, const PsValue& value,
                      Fail& fail) {
  bool legacy = ctx.admin.version() == LabExchangeVersion::Exchange2010;
  // 2010's UInt32? takes $null as unlimited; 2013+'s Nullable<Unlimited<UInt32>> as "not set".
  if (value.is_null()) return legacy ? PsValue::from_string("Unlimited") : PsValue::null();
  std::string text = ps_to_string(value);
  if (!legacy && iequals(text, "Unlimited")) return PsValue::from_string("Unlimited");
  if (!digits_only(text)) {
    fail("Cannot convert value \"" + text + "\" to type \"" + p.type_name +
         "\". Error: \"Input string was not in a correct format.\"");
  }
  if (text.size() > 10 || std::stoull(text) > 4294967295ULL) {
    fail("Cannot convert value \"" + text + "\" to type \"" + p.type_name +
         "\". Error: \"Value was either too large or too small for a UInt32.\"");
  }
  return PsValue::from_string(std::to_string(std::stoull(text)));
}

}  // namespace

const PsParamSpec& match_parameter(PsCmdletContext& ctx, std::string_view name, PsExtent extent) {
  const PsCmdletSpec& spec = ctx.spec;
  ctx.extent = extent;
  for (const PsParamSpec& p : spec.params)
    if (iequals(p.name, name)) return p;
  std::vector<const PsParamSpec*> own;
  for (const PsParamSpec& p : spec.params)
    if (starts_with_nocase(p.name, name)) own.push_back(&p);
  std::vector<std::string_view> common;
  auto add_common = [&](std::string_view candidate) {
    bool declared = std::any_of(spec.params.begin(), spec.params.end(),
                                [&](const PsParamSpec& p) { return iequals(p.name, candidate); });
    if (!declared && starts_with_nocase(candidate, name)) common.push_back(candidate);
  };
  for (std::string_view c : kCommonParameters) add_common(c);
  if (should_process(spec))
    for (std::string_view c : kShouldProcessParameters) add_common(c);
  if (own.size() == 1) return *own[0];  // the cmdlet's own before common parameters
  if (own.size() + common.size() <= 1)
    parameter_not_found(ctx, name);  // none, or unsupported common
  std::string matches;
  for (const PsParamSpec* p : own) matches += " -" + p->name;
  for (std::string_view c : common) matches += " -" + std::string(c);
  ctx.fail("Parameter cannot be processed because the parameter name '" + std::string(name) +
               "' is ambiguous. Possible matches include:" + matches + ".",
           "InvalidArgument", "ParameterBindingException", "AmbiguousParameter");
}

PsValue convert_argument(PsCmdletContext& ctx, const PsParamSpec& p, PsValue value,
                         PsExtent extent) {
  using K = PsValue::Kind;
  ctx.extent = extent;
  auto transformation_error = [&](const std::string& detail) {
    ctx.fail("Cannot process argument transformation on parameter '" + p.name + "'. " + detail,
             "InvalidData", "ParameterBindingArgumentTransformationException",
             "ParameterArgumentTransformationError");
  };
  if (value.kind == K::Array && value.items.size() == 1 && p.type != PsParamType::Any) {
    value = value.items[0];
  }
  switch (p.type) {
    case PsParamType::Any:
      return value;
    case PsParamType::String:
      if (value.kind == K::Array || value.kind == K::ScriptBlock || value.kind == K::Hashtable) {
        ctx.fail("Cannot convert '" + ps_type_name(value) +
                     "' to the type 'System.String' "
                     "required by parameter '" +
                     p.name + "'. Specified method is not supported.",
                 "InvalidArgument", "ParameterBindingException", "CannotConvertArgument");
      }
      if (value.is_null() && p.mandatory) {
        ctx.fail("Cannot bind argument to parameter '" + p.name + "' because it is null.",
                 "InvalidData", "ParameterBindingValidationException",
                 "ParameterArgumentValidationErrorNullNotAllowed");
      }
      return value.is_null() ? value : PsValue::from_string(ps_to_string(value));
    case PsParamType::Secure:
      if (value.kind != K::SecureString) {
        // The value itself is left out: it is meant to be a password.
        transformation_error("Cannot convert the value of type \"" + ps_type_name(value) +
                             "\" to type \"System.Security.SecureString\".");
      }
      return value;
    case PsParamType::Switch:
    case PsParamType::Bool:
      if (value.kind == K::Bool) return value;
      if (value.kind == K::Number) return PsValue::from_bool(value.number != 0);
      transformation_error("Cannot convert value \"" + ps_type_name(value) +
                           "\" to type \"System.Boolean\". Boolean parameters accept only "
                           "Boolean values and numbers, such as $True, $False, 1 or 0.");
      return value;  // not reached: the error is thrown
    case PsParamType::Limit:
      return convert_limit(ctx, p, value, transformation_error);
    case PsParamType::Choice: {
      std::string text = ps_to_string(value);
      for (const std::string& choice : p.choices) {
        if (iequals(choice, text)) return PsValue::from_string(choice);
      }
      bool numeric = std::find(p.choices.begin(), p.choices.end(), "Unlimited") != p.choices.end();
      if (numeric && digits_only(text)) return PsValue::from_string(text);
      std::string names;
      for (const std::string& choice : p.choices) names += (names.empty() ? "" : ", ") + choice;
      ctx.fail("Cannot bind parameter '" + p.name + "'. Cannot convert value \"" + text +
                   "\" to type \"" + p.type_name +
                   "\". Error: \"Unable to match the identifier name " + text +
                   " to a valid enumerator name. Specify one of the following enumerator names "
                   "and try again: " +
                   names + "\"",
               "InvalidArgument", "ParameterBindingException", "CannotConvertArgumentNoMessage");
    }
    case PsParamType::ScriptBlock:
      if (value.kind != K::ScriptBlock) {
        ctx.fail("Cannot bind parameter '" + p.name + "'. Cannot convert the \"" +
                     ps_to_string(value) + "\" value of type \"" + ps_type_name(value) +
                     "\" to type \"System.Management.Automation.ScriptBlock\".",
                 "InvalidArgument", "ParameterBindingException", "CannotConvertArgumentNoMessage");
      }
      return value;
  }
  return value;
}

}  // namespace sd::lab
