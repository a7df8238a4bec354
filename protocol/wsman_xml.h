// Helpers the WS-Management message files share (protocol/wsman*.cc only): reading elements by
// namespace and local name, their text, and the envelope every message is wrapped in.
#pragma once

#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/wsman.h"

namespace sd::wsman::detail {

// Element children of `parent` with that namespace URI and local name.
[[nodiscard]] std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view ns,
                                                   std::string_view local);
// The text of `node` and of everything below it, with surrounding blanks trimmed.
[[nodiscard]] std::string text_of(pugi::xml_node node);
[[nodiscard]] std::string trim(std::string_view text);
[[nodiscard]] bool is_true(std::string_view text);  // "true", "True", "TRUE"

// The fault when `body` (a parsed Body's first element) is a SOAP 1.2 Fault.
[[nodiscard]] std::optional<Fault> fault_in(pugi::xml_node body);

// The response envelope in the shape Windows writes (namespaces s, a, x, w, rsp, p; header with
// a:Action, a:MessageID, a:To anonymous, a:RelatesTo).
[[nodiscard]] std::string response_envelope(std::string_view action, std::string_view relates_to,
                                            std::string_view body_xml);

}  // namespace sd::wsman::detail
