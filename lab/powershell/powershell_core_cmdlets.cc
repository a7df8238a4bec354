// The PowerShell cmdlets of the subset that are not Exchange's: Add-PSSnapin, ForEach-Object,
// Where-Object, Select-Object (without arguments it passes its input on), ConvertTo-Json,
// ConvertTo-SecureString, Read-Host.
#include <array>
#include <mutex>

#include "base/text_checks.h"
#include "lab/powershell/powershell_cmdlets.h"

namespace sd::lab {

PsValue PsCmdletContext::arg(const std::string& name) const {
  auto found = args.find(name);
  return found == args.end() ? PsValue::null() : found->second;
}

std::string PsCmdletContext::text(const std::string& name) const {
  return ps_to_string(arg(name));
}

void PsCmdletContext::fail(std::string message, std::string_view category,
                           std::string_view exception, std::string_view error_id,
                           std::string_view target) const {
  throw PsFailure{make_command_error(spec.name, std::move(message), extent, category, exception,
                                     std::string(error_id) + "," + spec.class_name, target)};
}

void PsCmdletContext::fail_admin(const std::vector<Error>& errors) const {
  std::string message = errors.empty() ? "The operation failed." : errors.front().message;
  if (message.find("couldn't be found") != std::string::npos) {
    fail(message, "NotSpecified", "ManagementObjectNotFoundException",
         "ManagementObjectNotFoundException");
  }
  if (message.find("already exists") != std::string::npos) {
    fail(message, "NotSpecified", "ManagementObjectAlreadyExistsException",
         "ManagementObjectAlreadyExistsException");
  }
  if (message.rfind("Cannot bind parameter", 0) == 0) {
    fail(message, "InvalidArgument", "ParameterBindingException", "ParameterBindingFailed");
  }
  fail(message, "NotSpecified", "InvalidOperationException", "InvalidOperationException");
}

void PsCmdletContext::fail_not_found(const std::string& identity) const {
  fail_admin({make_error("The operation couldn't be performed because object '" + identity +
                         "' couldn't be found on '" + admin.domain_controller() + "'.")});
}

namespace {

std::string snapin_for(LabExchangeVersion version) {
  return version == LabExchangeVersion::Exchange2010
             ? "Microsoft.Exchange.Management.PowerShell.E2010"
             : "Microsoft.Exchange.Management.PowerShell.SnapIn";
}

std::vector<PsValue> add_pssnapin(PsCmdletContext& ctx) {
  std::string name = ctx.text("Name");
  if (!iequals(name, snapin_for(ctx.admin.version()))) {
    ctx.fail("The Windows PowerShell snap-in '" + name + "' is not installed on this computer.",
             "InvalidArgument", "PSArgumentException", "AddPSSnapInRead", name + ":String");
  }
  if (*ctx.snapin_loaded) {
    ctx.fail("Cannot add Windows PowerShell snap-in " + name +
                 " because it is already added. Verify the name of the snap-in, and then try "
                 "again.",
             "InvalidArgument", "PSArgumentException", "AddPSSnapInRead", name + ":String");
  }
  *ctx.snapin_loaded = true;
  return {};
}

std::vector<PsValue> foreach_object(PsCmdletContext& ctx) {
  std::vector<PsValue> out;
  for (const PsValue& item : ctx.input) {
    for (PsValue& produced : ctx.run_block(ctx.arg("Process"), item))
      out.push_back(std::move(produced));
  }
  return out;
}

std::vector<PsValue> where_object(PsCmdletContext& ctx) {
  std::vector<PsValue> out;
  for (const PsValue& item : ctx.input) {
    std::vector<PsValue> result = ctx.run_block(ctx.arg("FilterScript"), item);
    bool keep = result.size() == 1 ? ps_is_true(result[0]) : ps_is_true(PsValue::array(result));
    if (keep) out.push_back(item);
  }
  return out;
}

bool is_key_prefix(std::string_view key, std::string_view full) {
  return !key.empty() && key.size() <= full.size() && iequals(key, full.substr(0, key.size()));
}

// One property of Select-Object: a name, or @{n='Label';e={...}}.
void select_property(PsCmdletContext& ctx, const PsValue& property, const PsValue& item,
                     PsValue& into) {
  if (property.kind != PsValue::Kind::Hashtable) {
    std::string name = ps_to_string(property);
    into.add_property(name, item.property(name));
    return;
  }
  std::string label;
  bool has_label = false;
  PsValue expression;
  bool has_expression = false;
  for (size_t i = 0; i < property.names.size(); ++i) {
    const std::string& key = property.names[i];
    if (is_key_prefix(key, "name") || is_key_prefix(key, "label")) {
      label = ps_to_string(property.items[i]);
      has_label = true;
    } else if (is_key_prefix(key, "expression")) {
      expression = property.items[i];
      has_expression = true;
    } else {
      ctx.fail("The \"" + key + "\" key is not valid.", "InvalidArgument", "NotSupportedException",
               "IllegalKey");
    }
  }
  if (!has_expression) {
    ctx.fail("Missing key Expression.", "InvalidArgument", "NotSupportedException",
             "DictionaryKeyMissingExpression");
  }
  PsValue value;
  if (expression.kind == PsValue::Kind::ScriptBlock) {
    std::vector<PsValue> result = ctx.run_block(expression, item);
    value = result.empty()       ? PsValue::null()
            : result.size() == 1 ? result[0]
                                 : PsValue::array(std::move(result));
    if (!has_label) label = "{ }";
  } else {
    if (!has_label) label = ps_to_string(expression);
    value = item.property(ps_to_string(expression));
  }
  into.add_property(label, std::move(value));
}

std::vector<PsValue> select_object(PsCmdletContext& ctx) {
  if (!ctx.has("Property")) return ctx.input;
  PsValue properties = ctx.arg("Property");
  std::vector<PsValue> list =
      properties.kind == PsValue::Kind::Array ? properties.items : std::vector<PsValue>{properties};
  std::vector<PsValue> out;
  for (const PsValue& item : ctx.input) {
    PsValue selected;
    selected.kind = PsValue::Kind::Object;
    for (const PsValue& property : list) select_property(ctx, property, item, selected);
    out.push_back(std::move(selected));
  }
  return out;
}

std::vector<PsValue> convertto_json(PsCmdletContext& ctx) {
  if (!ctx.has("Compress") || !ps_is_true(ctx.arg("Compress"))) {
    // Only the one-line form is part of the subset; the indented one is not emulated.
    ctx.fail("The lab's ConvertTo-Json writes only -Compress output.", "NotImplemented",
             "NotSupportedException", "NotSupported");
  }
  PsValue value;
  if (ctx.has("InputObject")) {
    value = ctx.arg("InputObject");
  } else if (ctx.input.size() == 1) {
    value = ctx.input[0];
  } else if (!ctx.input.empty()) {
    value = PsValue::array(ctx.input);
  } else {
    ctx.fail(
        "Cannot process command because of one or more missing mandatory parameters: "
        "InputObject.",
        "InvalidArgument", "ParameterBindingException", "MissingMandatoryParameter");
  }
  return {PsValue::from_string(ps_to_json(value))};
}

std::vector<PsValue> convertto_securestring(PsCmdletContext& ctx) {
  if (!ctx.has("AsPlainText")) {
    ctx.fail("Input string was not in a correct format.", "InvalidArgument", "FormatException",
             "ImportSecureString_InvalidArgument");
  }
  if (!ctx.has("Force")) {
    ctx.fail(
        "The system cannot protect plain text input. To suppress this warning and convert "
        "the plain text to a SecureString, reissue the command specifying the Force "
        "parameter. For more information ,type: get-help ConvertTo-SecureString.",
        "InvalidArgument", "ArgumentException", "ImportSecureString_InvalidArgument");
  }
  return {PsValue::secure(ctx.text("String"))};
}

std::vector<PsValue> read_host(PsCmdletContext& ctx) {
  ctx.fail("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
           "InvalidOperation", "PSInvalidOperationException", "InvalidOperation");
}

}  // namespace

std::vector<PsCmdletSpec> core_cmdlets(LabExchangeVersion /*version*/) {
  using T = PsParamType;
  const std::string ns = "Microsoft.PowerShell.Commands.";
  return {
      {"Add-PSSnapin",
       ns + "AddPSSnapinCommand",
       false,
       false,
       {cmdlet_param("Name", T::String, true, 0)},
       add_pssnapin},
      {"ForEach-Object",
       ns + "ForEachObjectCommand",
       false,
       true,
       {cmdlet_param("Process", T::ScriptBlock, true, 0)},
       foreach_object},
      {"Where-Object",
       ns + "WhereObjectCommand",
       false,
       true,
       {cmdlet_param("FilterScript", T::ScriptBlock, true, 0)},
       where_object},
      {"Select-Object",
       ns + "SelectObjectCommand",
       false,
       true,
       {cmdlet_param("Property", T::Any, false, 0)},
       select_object},
      {"ConvertTo-Json",
       ns + "ConvertToJsonCommand",
       false,
       true,
       {cmdlet_param("InputObject", T::Any, false, 0), cmdlet_param("Compress", T::Switch)},
       convertto_json},
      {"ConvertTo-SecureString",
       ns + "ConvertToSecureStringCommand",
       false,
       false,
       {cmdlet_param("String", T::String, true, 0), cmdlet_param("AsPlainText", T::Switch),
        cmdlet_param("Force", T::Switch)},
       convertto_securestring},
      {"Read-Host",
       ns + "ReadHostCommand",
       false,
       false,
       {cmdlet_param("Prompt", T::Any, false, 0), cmdlet_param("AsSecureString", T::Switch)},
       read_host},
  };
}

const PsCmdletSpec* find_cmdlet(std::string_view name, LabExchangeVersion version,
                                bool snapin_loaded) {
  // Built once per version; read-only afterwards.
  static std::once_flag once;
  static std::array<std::vector<PsCmdletSpec>, 4> core;
  static std::array<std::vector<PsCmdletSpec>, 4> exchange;
  std::call_once(once, [] {
    for (int v = 0; v < 4; ++v) {
      core[v] = core_cmdlets(static_cast<LabExchangeVersion>(v));
      exchange[v] = exchange_cmdlets(static_cast<LabExchangeVersion>(v));
      for (PsCmdletSpec& spec : exchange_removal_cmdlets(static_cast<LabExchangeVersion>(v)))
        exchange[v].push_back(std::move(spec));
    }
  });
  auto index = static_cast<size_t>(version);
  if (index >= core.size()) return nullptr;
  // PowerShell's built-in aliases of the core cmdlets that hand-written scripts use.
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"where", "Where-Object"},
      {"?", "Where-Object"},
      {"select", "Select-Object"},
      {"%", "ForEach-Object"}};
  for (const auto& [alias, cmdlet] : kAliases)
    if (iequals(alias, name)) name = cmdlet;
  for (const PsCmdletSpec& spec : core[index]) {
    if (iequals(spec.name, name)) return &spec;
  }
  if (!snapin_loaded) return nullptr;
  for (const PsCmdletSpec& spec : exchange[index]) {
    if (iequals(spec.name, name)) return &spec;
  }
  return nullptr;
}

}  // namespace sd::lab
