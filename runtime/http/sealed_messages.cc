#include "runtime/http/sealed_messages.h"

#include <utility>

#include "base/text_checks.h"
#include "protocol/wsman_encryption.h"

namespace sd::http {

Result<Request> seal_request(Request request, ConnectionAuth& login) {
  std::string original_type(wsman::kSoapContentType);
  for (auto it = request.headers.begin(); it != request.headers.end();) {
    if (iequals(it->first, "Content-Type")) {
      original_type = it->second;
      it = request.headers.erase(it);
    } else {
      ++it;
    }
  }
  Result<SealedMessage> sealed = login.seal(request.body);
  if (!sealed.ok()) return sealed.take_errors();
  std::vector<wsman::SealedPart> parts(1);
  parts[0].header = std::move(sealed->header);
  parts[0].data = std::move(sealed->data);
  parts[0].plain_length = request.body.size();
  request.body = wsman::encrypted_body(parts, original_type);
  request.headers.emplace_back("Content-Type", wsman::encrypted_content_type(parts.size()));
  return request;
}

Result<Response> unseal_response(Response response, ConnectionAuth& login, size_t max_body_bytes) {
  const std::string content_type = response.header("Content-Type");
  if (!wsman::is_encrypted_content_type(content_type)) {
    if ((response.status >= 200 && response.status < 300 && !response.body.empty()))
      return make_error("the server answered in clear text (" +
                        (content_type.empty() ? std::string("no Content-Type") : content_type) +
                        "), which is refused over http: only sealed answers are read");
    return response;
  }
  Result<std::vector<wsman::SealedPart>> parts =
      wsman::parse_encrypted_body(content_type, response.body, max_body_bytes);
  if (!parts.ok())
    return make_error("the encrypted answer is malformed: " + parts.errors().front().message);
  std::string plain;
  for (size_t i = 0; i < parts->size(); ++i) {
    const wsman::SealedPart& part = (*parts)[i];
    Result<std::string> text = login.unseal(part.header, part.data);
    if (!text.ok()) return text.take_errors();
    if (text->size() != part.plain_length)
      return make_error("part " + std::to_string(i + 1) + " is " + std::to_string(text->size()) +
                        " bytes once decrypted, not the " + std::to_string(part.plain_length) +
                        " its OriginalContent says");
    plain += *text;
  }
  response.body = std::move(plain);
  for (auto& [name, value] : response.headers)
    if (iequals(name, "Content-Type")) value = std::string(wsman::kSoapContentType);
  return response;
}

}  // namespace sd::http
