// EWS responses shaped like real Exchange captures (exchange-protocols.md §3.b-§3.e): s: prefix,
// h:ServerVersionInfo in the header, m:/t: declared on the operation element. Shared by the
// protocol and EWS client tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sd::test {

// A whole response envelope around `body` (one Body child).
std::string exchange_envelope(std::string_view body);

// m:<Operation>Response with m:ResponseMessages holding `messages`.
std::string exchange_response(std::string_view operation, const std::vector<std::string>& messages);

// A success message for GetFolder/CreateFolder: m:Folders/<folder_element> with a FolderId.
std::string folder_message(std::string_view operation, std::string_view folder_element,
                           std::string_view id, std::string_view response_class = "Success");

// A ResponseClass="Error" message with MessageText, ResponseCode, DescriptiveLinkKey and
// `extra` (e.g. an empty m:Folders or an m:MessageXml) after them.
std::string error_message(std::string_view operation, std::string_view code, std::string_view text,
                          std::string_view extra = "");

// The FindFolder message: m:RootFolder with t:Folders holding one t:Folder per id.
std::string find_folder_message(const std::vector<std::string>& ids, std::string_view display_name);

// A ResolveNames message with one t:Resolution per (name, smtp).
std::string resolve_names_message(
    const std::vector<std::pair<std::string, std::string>>& mailboxes);

// A SOAP fault in Exchange's shape; `back_off_ms` < 0 leaves MessageXml out.
std::string exchange_fault(std::string_view code, std::string_view text, long back_off_ms = -1);

}  // namespace sd::test
