// The spec's sign-in choice (spec.h AuthMethod) as the HTTPS client's (runtime/http/http_auth.h),
// for WinRM and EWS alike.
#pragma once

#include "runtime/http/http_auth.h"
#include "spec/spec.h"

namespace sd {

// Negotiate, Kerberos, NTLM and Basic map one to one; Certificate is TLS's, not a scheme, and
// maps to Negotiate (callers handle it before).
[[nodiscard]] http::AuthSettings::Method http_auth_method(AuthMethod method);

}  // namespace sd
