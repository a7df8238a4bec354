// WS-Management message encryption on the client's side: a request's body sealed with the
// connection's login before it leaves, the answer's unsealed before anyone reads it
// (protocol/wsman_encryption.h has the framing). Over plain HTTP every body goes this way; an
// answer in clear text is refused rather than read.
#pragma once

#include <cstddef>

#include "base/error.h"
#include "runtime/http/http_auth.h"
#include "runtime/http/https_client.h"

namespace sd::http {

// `request` with its body sealed by `login`: one multipart/encrypted part (Windows chunks only
// CredSSP's messages), OriginalContent the request's Content-Type.
[[nodiscard]] Result<Request> seal_request(Request request, ConnectionAuth& login);

// `response` with its body unsealed by `login` (any number of parts), Content-Type the SOAP
// one. A response in clear text passes only when it says nothing: a status other than 2xx
// (an IIS error page, a 401), or an empty body. Errors: "cannot decrypt the answer of ...",
// "part 1 is 812 bytes once decrypted, not the 815 its OriginalContent says", "the server
// answered in clear text (text/html), which is refused over http".
[[nodiscard]] Result<Response> unseal_response(Response response, ConnectionAuth& login,
                                               size_t max_body_bytes);

}  // namespace sd::http
