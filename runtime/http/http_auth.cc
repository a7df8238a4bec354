#include "runtime/http/http_auth.h"

#include "base/base64.h"
#include "base/text_checks.h"
#include "runtime/http/channel_binding.h"
#include "runtime/http/gss_initiator.h"

namespace sd::http {
namespace {

using Method = AuthSettings::Method;

// A token larger than this is refused: real ones (Kerberos with a large PAC) stay under 48 KB.
constexpr size_t kMaxTokenBytes = 64 * 1024;

// The elements of a comma-separated header value, commas inside quotes kept.
std::vector<std::string_view> elements(std::string_view value) {
  std::vector<std::string_view> out;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] == '"') quoted = !quoted;
    if (i == value.size() || (value[i] == ',' && !quoted)) {
      std::string_view element = trim_space(value.substr(start, i - start));
      if (!element.empty()) out.push_back(element);
      start = i + 1;
    }
  }
  return out;
}

bool is_token_scheme(std::string_view scheme) {
  return iequals(scheme, "Negotiate") || iequals(scheme, "NTLM");
}

class GssAuth : public ConnectionAuth {
 public:
  GssAuth(std::unique_ptr<GssHandshake> handshake, bool raw_ntlm, bool seal_messages)
      : handshake_(std::move(handshake)),
        scheme_(raw_ntlm ? "NTLM" : "Negotiate"),
        seal_messages_(seal_messages) {}

  Result<std::string> first() override { return leg(""); }

  Result<std::string> next(const std::string& server_token) override {
    std::string bytes;
    if (!base64_decode(server_token, bytes))
      return make_error("the server's " + scheme_ + " token is not base64");
    return leg(bytes);
  }

  Status finish(const std::string& server_token) override {
    // IIS may end a Kerberos handshake without the mutual-authentication token; TLS has
    // already verified the server, so its absence is accepted. Over plain HTTP nothing else
    // proves who the server is, and sealing needs the complete context.
    if (handshake_->complete()) return ok_status();
    if (server_token.empty()) {
      if (!seal_messages_) return ok_status();
      return make_error("the server did not prove its identity (no last " + scheme_ +
                        " token), which message encryption over http needs");
    }
    std::string bytes;
    if (!base64_decode(server_token, bytes))
      return make_error("the server's " + scheme_ + " token is not base64");
    Result<std::string> last = handshake_->step(bytes);
    if (!last.ok()) return last.take_errors();
    if (!handshake_->complete() || !last->empty())
      return make_error("the server's last " + scheme_ + " token does not complete the handshake");
    return ok_status();
  }

  std::string_view scheme() const override { return scheme_; }

  Result<SealedMessage> seal(std::string_view plain) override {
    if (!seal_messages_) return make_error("this login was not made for message encryption");
    return handshake_->seal(plain);
  }
  Result<std::string> unseal(std::string_view header, std::string_view data) override {
    if (!seal_messages_) return make_error("this login was not made for message encryption");
    return handshake_->unseal(header, data);
  }

 private:
  Result<std::string> leg(std::string_view input) {
    Result<std::string> token = handshake_->step(input);
    if (!token.ok()) return token.take_errors();
    if (token->empty()) return make_error("GSS-API gave no token to send");
    return scheme_ + " " + base64_encode(*token);
  }

  std::unique_ptr<GssHandshake> handshake_;
  std::string scheme_;
  bool seal_messages_ = false;
};

class FixedAuthenticator : public Authenticator {
 public:
  FixedAuthenticator(std::string value, std::string who)
      : value_(std::move(value)), who_(std::move(who)) {}
  std::optional<std::string> every_request() const override { return value_; }
  bool seals_messages() const override { return false; }
  std::optional<std::string> refusal(const std::vector<Challenge>&) const override {
    return std::nullopt;
  }
  Result<std::unique_ptr<ConnectionAuth>> begin(X509*, const std::vector<Challenge>&) override {
    return make_error(who_ + " has no handshake");
  }
  std::string who() const override { return who_; }

 private:
  std::string value_, who_;
};

class AuthenticatorImpl : public Authenticator {
 public:
  AuthenticatorImpl(AuthSettings settings, const std::string& host)
      : settings_(std::move(settings)) {
    if (settings_.spn.empty()) settings_.spn = "HTTP/" + host;
    if (settings_.method == Method::Basic) {
      basic_ = "Basic " + base64_encode(settings_.user + ":" + settings_.password);
      return;
    }
    GssSettings gss;
    gss.mechanism = settings_.method == Method::Kerberos ? GssSettings::Mechanism::Kerberos
                    : settings_.method == Method::Ntlm   ? GssSettings::Mechanism::Ntlm
                                                         : GssSettings::Mechanism::Negotiate;
    gss.user = settings_.user;
    gss.password = settings_.password;
    gss.keytab = settings_.keytab;
    gss.service = settings_.spn;
    gss.seal_messages = settings_.seal_messages;
    initiator_ = GssInitiator::create(std::move(gss));
  }

  std::optional<std::string> every_request() const override {
    if (settings_.method == Method::Basic) return basic_;
    return std::nullopt;
  }

  bool seals_messages() const override {
    return settings_.seal_messages && settings_.method != Method::Basic;
  }

  std::optional<std::string> refusal(const std::vector<Challenge>& offered) const override {
    if (settings_.method != Method::Basic || offered.empty() || find_challenge(offered, "Basic"))
      return std::nullopt;
    return "the server does not offer Basic; it offers " + scheme_list(offered);
  }

  Result<std::unique_ptr<ConnectionAuth>> begin(X509* server_certificate,
                                                const std::vector<Challenge>& offered) override {
    if (settings_.method == Method::Basic) return make_error("Basic has no handshake");
    // Negotiate first; the bare NTLM scheme where the server offers only that.
    bool raw_ntlm = false;
    if (!offered.empty() && !find_challenge(offered, "Negotiate")) {
      if (find_challenge(offered, "NTLM") && settings_.method != Method::Kerberos) {
        raw_ntlm = true;
      } else if (find_challenge(offered, "Basic") && offered.size() == 1) {
        return make_error("the server offers only Basic; auth is " +
                          std::string(method_name(settings_.method)) +
                          " (auth: basic must be asked for, and is weaker)");
      } else {
        return make_error("the server offers " + scheme_list(offered) + ", none of which auth " +
                          std::string(method_name(settings_.method)) + " may use");
      }
    }
    // Extended Protection: every token is bound to this TLS channel.
    std::string binding = tls_server_end_point(server_certificate).value_or("");
    Result<std::unique_ptr<GssHandshake>> handshake =
        initiator_->start(std::move(binding), raw_ntlm);
    if (!handshake.ok()) return handshake.take_errors();
    return std::unique_ptr<ConnectionAuth>(
        std::make_unique<GssAuth>(std::move(handshake).value(), raw_ntlm, seals_messages()));
  }

  std::string who() const override {
    std::string name = settings_.user.empty() ? "the cached Kerberos principal" : settings_.user;
    return name + " with " + std::string(method_name(settings_.method));
  }

 private:
  AuthSettings settings_;
  std::string basic_;
  std::shared_ptr<GssInitiator> initiator_;
};

}  // namespace

std::string_view method_name(Method method) {
  switch (method) {
    case Method::Negotiate:
      return "negotiate";
    case Method::Kerberos:
      return "kerberos";
    case Method::Ntlm:
      return "ntlm";
    case Method::Basic:
      return "basic";
  }
  return "negotiate";
}

Result<std::vector<Challenge>> read_challenges(const Response& response) {
  std::vector<Challenge> out;
  for (const auto& [name, value] : response.headers) {
    if (!iequals(name, "WWW-Authenticate")) continue;
    for (std::string_view element : elements(value)) {
      size_t space = element.find_first_of(" \t");
      std::string_view scheme = element.substr(0, space);
      // An auth-param (realm="lab") belongs to the challenge before it.
      if (scheme.find('=') != std::string_view::npos) continue;
      std::string_view rest =
          space == std::string_view::npos ? "" : trim_space(element.substr(space));
      if (rest.size() > kMaxTokenBytes)
        return make_error("the server's " + std::string(scheme) + " token is larger than 64 KB (" +
                          std::to_string(rest.size()) + " bytes)");
      std::string ignored;
      if (is_token_scheme(scheme) && !rest.empty() && !base64_decode(rest, ignored))
        return make_error("the server's " + std::string(scheme) + " token is not base64");
      out.push_back(Challenge{std::string(scheme), std::string(rest)});
    }
  }
  return out;
}

const Challenge* find_challenge(const std::vector<Challenge>& challenges, std::string_view scheme) {
  for (const Challenge& challenge : challenges)
    if (iequals(challenge.scheme, scheme)) return &challenge;
  return nullptr;
}

std::string scheme_list(const std::vector<Challenge>& challenges) {
  if (challenges.empty()) return "nothing";
  std::string out;
  for (const Challenge& challenge : challenges) {
    if (!out.empty()) out += ", ";
    out += challenge.scheme;
  }
  return out;
}

std::shared_ptr<Authenticator> Authenticator::create(AuthSettings settings,
                                                     const std::string& host) {
  return std::make_shared<AuthenticatorImpl>(std::move(settings), host);
}

std::shared_ptr<Authenticator> Authenticator::fixed(std::string value, std::string who) {
  return std::make_shared<FixedAuthenticator>(std::move(value), std::move(who));
}

std::shared_ptr<Authenticator> Authenticator::basic(std::string user, std::string password) {
  AuthSettings settings;
  settings.method = AuthSettings::Method::Basic;
  settings.user = std::move(user);
  settings.password = std::move(password);
  return create(std::move(settings), "");
}

}  // namespace sd::http
