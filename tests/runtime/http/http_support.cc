#include "tests/runtime/http/http_support.h"

#include <catch2/catch.hpp>

namespace sd::test {

http::HttpsUrl url_of(const std::string& text) {
  Result<http::HttpsUrl> url = http::parse_https_url(text);
  REQUIRE(url.ok());
  return *url;
}

http::Request xml_post(std::string body) {
  http::Request request;
  request.headers = {{"Content-Type", "text/xml; charset=utf-8"}};
  request.body = std::move(body);
  return request;
}

http::Verdict always_done(const http::Response&) {
  return http::Verdict{};
}

}  // namespace sd::test
