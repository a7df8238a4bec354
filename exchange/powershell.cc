// Rendering of the PowerShell subset (docs/powershell-subset.md). Every value goes through
// quote_string(); names are checked against [A-Za-z-]+ so a table typo cannot inject either.
#include "exchange/powershell.h"

#include <fmt/format.h>

#include "base/text_checks.h"

namespace sd::ps {
namespace {

// The four typographic single quotes PowerShell's tokenizer treats like '.
bool is_typographic_quote(uint32_t cp) {
  return cp >= 0x2018 && cp <= 0x201B;
}

// A code point that would break the one-statement-per-line script or the string's meaning.
bool is_refused(uint32_t cp) {
  if (cp == '\t') return false;
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

std::string describe(uint32_t cp) {
  if (cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029 || cp == 0x85)
    return fmt::format("a line break (U+{:04X})", cp);
  return fmt::format("a control character (U+{:04X})", cp);
}

// Walks `text` as UTF-8; calls on_code_point(cp, bytes) for each code point. Returns the problem
// ("" when none).
template <class F>
std::string walk(std::string_view text, F&& on_code_point) {
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = static_cast<unsigned char>(text[i]);
    size_t len = cp < 0x80 ? 1 : decode_utf8(text, i, cp);
    if (len == 0) return fmt::format("it is not valid UTF-8 (byte {} of {})", i + 1, text.size());
    if (is_refused(cp))
      return fmt::format(
          "it holds {} at byte {}, which a one-line PowerShell string "
          "cannot carry",
          describe(cp), i + 1);
    on_code_point(cp, text.substr(i, len));
    i += len;
  }
  return {};
}

Error name_error(std::string_view what, std::string_view name) {
  return make_error(
      fmt::format("internal error: {} {} is not a PowerShell identifier", what, quoted(name)));
}

Result<std::string> render_value(const Cmdlet& cmdlet, const Argument& a) {
  struct Visitor {
    Result<std::string> operator()(const String& s) const { return quote_string(s.text); }
    Result<std::string> operator()(const Integer& i) const { return std::to_string(i.value); }
    Result<std::string> operator()(const Null&) const { return std::string("$null"); }
    Result<std::string> operator()(const Bool& b) const {
      return std::string(b.value ? "$true" : "$false");
    }
    Result<std::string> operator()(const Switch&) const { return std::string(); }
    Result<std::string> operator()(const SecretLiteral& s) const {
      Result<std::string> q = quote_string(s.value);
      if (!q) return q;
      return "(ConvertTo-SecureString -String " + *q + " -AsPlainText -Force)";
    }
    Result<std::string> operator()(const SecretPrompt& p) const {
      Result<std::string> q = quote_string(p.prompt);
      if (!q) return q;
      return "(Read-Host -AsSecureString -Prompt " + *q + ")";
    }
    Result<std::string> operator()(const PipelineProperty& p) const {
      if (!is_identifier(p.name)) return name_error("property", p.name);
      return "$_." + p.name;
    }
  };
  Result<std::string> v = std::visit(Visitor{}, a.value);
  if (v) return v;
  const bool secret = std::holds_alternative<SecretLiteral>(a.value);
  return make_error(fmt::format("cannot write -{} of {} in PowerShell: {}{}", a.name, cmdlet.name,
                                secret ? "the secret's value: " : "", v.errors().front().message));
}

}  // namespace

bool is_identifier(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-')) return false;
  return true;
}

std::string string_problem(std::string_view text) {
  return walk(text, [](uint32_t, std::string_view) {});
}

Result<std::string> quote_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  std::string problem = walk(text, [&out](uint32_t cp, std::string_view bytes) {
    if (cp == '\'' || is_typographic_quote(cp)) out.append(bytes);  // doubled: one quote
    out.append(bytes);
  });
  if (!problem.empty()) return make_error(std::move(problem));
  out += '\'';
  return out;
}

Result<std::string> quote_opath_value(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  bool typographic = false;
  std::string problem = walk(text, [&](uint32_t cp, std::string_view bytes) {
    if (is_typographic_quote(cp)) typographic = true;
    if (cp == '\'') out += '\'';
    out.append(bytes);
  });
  if (!problem.empty()) return make_error(std::move(problem));
  if (typographic)
    return make_error(
        "it holds a typographic quote (U+2018..U+201B), which Exchange's filter parser may "
        "take for the end of the value");
  out += '\'';
  return out;
}

Result<std::string> opath_equals(std::string_view property, std::string_view value) {
  if (!is_identifier(property)) return name_error("filter property", property);
  Result<std::string> v = quote_opath_value(value);
  if (!v)
    return make_error(
        fmt::format("cannot write the {} filter value: {}", property, v.errors().front().message));
  return std::string(property) + " -eq " + *v;
}

Result<std::string> render_cmdlet(const Cmdlet& cmdlet) {
  if (!is_identifier(cmdlet.name)) return name_error("cmdlet", cmdlet.name);
  std::string out = cmdlet.name;
  for (const Argument& a : cmdlet.arguments) {
    if (!is_identifier(a.name)) return name_error("parameter", a.name);
    if (const auto* sw = std::get_if<Switch>(&a.value)) {
      out.append(" -").append(a.name).append(sw->on ? "" : ":$false");
      continue;
    }
    Result<std::string> v = render_value(cmdlet, a);
    if (!v) return v;
    out.append(" -").append(a.name).append(" ").append(*v);
  }
  return out;
}

Result<std::string> render_for_each(const Cmdlet& source, const Cmdlet& each) {
  Result<std::string> outer = render_cmdlet(source);
  if (!outer) return outer;
  Result<std::string> inner = render_cmdlet(each);
  if (!inner) return inner;
  return *outer + " | ForEach-Object { " + *inner + " }";
}

Result<std::string> render_query(const Query& query) {
  Result<std::string> pipeline =
      query.for_each ? render_for_each(query.source, *query.for_each) : render_cmdlet(query.source);
  if (!pipeline) return pipeline;
  std::string out = "ConvertTo-Json -Compress -InputObject @(" + *pipeline;
  if (!query.where.empty()) {
    out += " | Where-Object { ";
    for (size_t i = 0; i < query.where.size(); ++i) {
      const Condition& c = query.where[i];
      if (!is_identifier(c.property)) return name_error("property", c.property);
      Result<std::string> v = quote_string(c.equals);
      if (!v)
        return make_error(fmt::format("cannot write the Where-Object value of {}: {}", c.property,
                                      v.errors().front().message));
      out.append(i ? " -and " : "").append("$_.").append(c.property).append(" -eq ").append(*v);
    }
    out += " }";
  }
  out += " | Select-Object ";
  for (size_t i = 0; i < query.properties.size(); ++i) {
    const std::string& p = query.properties[i];
    if (!is_identifier(p)) return name_error("property", p);
    out.append(i ? ", " : "").append(fmt::format("@{{n='{0}';e={{[string]$_.{0}}}}}", p));
  }
  out += ")";
  return out;
}

std::string_view snapin_of(ExchangeVersion version) {
  return version == ExchangeVersion::Exchange2010
             ? "Microsoft.Exchange.Management.PowerShell.E2010"
             : "Microsoft.Exchange.Management.PowerShell.SnapIn";
}

std::string script_header(ExchangeVersion version) {
  return fmt::format("$ErrorActionPreference = 'Stop'\nAdd-PSSnapin {}\n", snapin_of(version));
}

Result<std::string> remote_session_header(std::string_view url, AuthMethod auth) {
  Result<std::string> quoted_url = quote_string(url);
  if (!quoted_url) return quoted_url.take_errors();
  // New-PSSession's -Authentication has no NTLM of its own: Negotiate offers it.
  const std::string_view mechanism = auth == AuthMethod::Kerberos ? "Kerberos"
                                     : auth == AuthMethod::Basic  ? "Basic"
                                                                  : "Negotiate";
  return fmt::format(
      "$ErrorActionPreference = 'Stop'\n"
      "$session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri {} "
      "-Authentication {} -Credential (Get-Credential)\n"
      "Import-PSSession $session -DisableNameChecking | Out-Null\n",
      *quoted_url, mechanism);
}

}  // namespace sd::ps
