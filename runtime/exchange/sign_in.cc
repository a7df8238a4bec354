#include "runtime/exchange/sign_in.h"

namespace sd {

http::AuthSettings::Method http_auth_method(AuthMethod method) {
  using Method = http::AuthSettings::Method;
  switch (method) {
    case AuthMethod::Basic:
      return Method::Basic;
    case AuthMethod::Kerberos:
      return Method::Kerberos;
    case AuthMethod::Ntlm:
      return Method::Ntlm;
    case AuthMethod::Negotiate:
    case AuthMethod::Certificate:
      break;
  }
  return Method::Negotiate;
}

}  // namespace sd
