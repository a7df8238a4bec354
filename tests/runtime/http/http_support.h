// Requests, URLs and verdicts the HTTP tests build the same way.
#pragma once

#include <string>

#include "runtime/http/https_client.h"
#include "runtime/http/https_url.h"
#include "runtime/http/request_scheduler.h"

namespace sd::test {

// `text` parsed as an https URL, which it must be.
[[nodiscard]] http::HttpsUrl url_of(const std::string& text);

// A POST of `body` as XML.
[[nodiscard]] http::Request xml_post(std::string body = "<x/>");

// The scheduler's verdict on every response: done, whatever it says.
[[nodiscard]] http::Verdict always_done(const http::Response&);

}  // namespace sd::test
