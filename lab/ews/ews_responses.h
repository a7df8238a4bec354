// EWS response text in the shapes Exchange sends (exchange-protocols.md §3.b-§3.e): the s:
// envelope with h:ServerVersionInfo, m:/t: operation responses, and SOAP faults. Pure.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lab/state/lab_state.h"

namespace sd::lab {

// What the lab answers with: an HTTP status, headers and body.
struct HttpAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The version the lab reports: Exchange 2016 CU23.
inline constexpr std::string_view kServerVersion = "15.1.2507";

// The properties a folder element carries (BaseShape plus AdditionalProperties).
struct FolderFields {
  bool parent_id = false, folder_class = false, display_name = false, total_count = false,
       child_folder_count = false, unread_count = false;
};

// `<t:CalendarFolder>...` for `folder`: the element type follows the folder class, the
// children follow the schema's order. `child_count` is its number of subfolders.
[[nodiscard]] std::string folder_xml(const LabFolder& folder, const FolderFields& fields,
                                     size_t child_count);
// The element name the lab uses for a folder class: "t:CalendarFolder", ..., "t:Folder".
[[nodiscard]] std::string_view folder_element(std::string_view folder_class);

// One response message, `name` being e.g. "GetFolderResponseMessage".
[[nodiscard]] std::string success_message(std::string_view name, std::string_view payload_xml);
// ResponseClass="Error" with MessageText, ResponseCode, DescriptiveLinkKey, optional
// m:MessageXml values, then `payload_xml` (e.g. an empty <m:Folders/>).
[[nodiscard]] std::string error_message(std::string_view name, std::string_view code,
                                        std::string_view text,
                                        const std::map<std::string, std::string>& values = {},
                                        std::string_view payload_xml = {});

// A whole HTTP 200 answer: `<m:{operation}Response>` holding `messages_xml` in
// m:ResponseMessages, inside the s: envelope with ServerVersionInfo.
[[nodiscard]] HttpAnswer operation_answer(std::string_view operation,
                                          std::string_view messages_xml);

// An HTTP 500 answer with a SOAP fault in Exchange's shape (§3.e).
[[nodiscard]] HttpAnswer fault_answer(std::string_view code, std::string_view message,
                                      const std::map<std::string, std::string>& values = {});

// The faults the server itself answers with.
[[nodiscard]] HttpAnswer server_busy_answer(long back_off_ms);
[[nodiscard]] HttpAnswer connection_count_answer();
[[nodiscard]] HttpAnswer internal_error_answer();

}  // namespace sd::lab
