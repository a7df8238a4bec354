#include "lab/ews/ews_responses.h"

#include "protocol/soap.h"

namespace sd::lab {
namespace {

using soap::xml_escape;

constexpr std::string_view kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

std::string envelope_start() {
  std::string out(kXmlDeclaration);
  out += "<s:Envelope xmlns:s=\"";
  out += soap::kEnvelopeNs;
  out += "\">";
  return out;
}

HttpAnswer xml_answer(int status, std::string body) {
  return HttpAnswer{status, {{"Content-Type", "text/xml; charset=utf-8"}}, std::move(body)};
}

void field(std::string& out, std::string_view name, std::string_view value) {
  out += "<t:";
  out += name;
  out += '>';
  out += xml_escape(value);
  out += "</t:";
  out += name;
  out += '>';
}

}  // namespace

std::string_view folder_element(std::string_view folder_class) {
  if (folder_class == "IPF.Appointment" || folder_class.starts_with("IPF.Appointment."))
    return "t:CalendarFolder";
  if (folder_class == "IPF.Contact" || folder_class.starts_with("IPF.Contact."))
    return "t:ContactsFolder";
  if (folder_class == "IPF.Task" || folder_class.starts_with("IPF.Task.")) return "t:TasksFolder";
  return "t:Folder";
}

std::string folder_xml(const LabFolder& folder, const FolderFields& fields, size_t child_count) {
  std::string_view element = folder_element(folder.folder_class);
  std::string out = "<";
  out += element;
  out += "><t:FolderId Id=\"" + xml_escape(folder.id) + "\" ChangeKey=\"" +
         xml_escape(folder.change_key) + "\"/>";
  if (fields.parent_id && !folder.parent_id.empty())
    out += "<t:ParentFolderId Id=\"" + xml_escape(folder.parent_id) + "\"/>";
  if (fields.folder_class) field(out, "FolderClass", folder.folder_class);
  if (fields.display_name) field(out, "DisplayName", folder.display_name);
  if (fields.total_count) field(out, "TotalCount", "0");
  if (fields.child_folder_count) field(out, "ChildFolderCount", std::to_string(child_count));
  // UnreadCount belongs to FolderType and its TasksFolderType only.
  bool has_unread = element == "t:Folder" || element == "t:TasksFolder";
  if (fields.unread_count && has_unread) field(out, "UnreadCount", "0");
  out += "</";
  out += element;
  out += '>';
  return out;
}

std::string success_message(std::string_view name, std::string_view payload_xml) {
  std::string out = "<m:";
  out += name;
  out += " ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode>";
  out += payload_xml;
  out += "</m:";
  out += name;
  out += '>';
  return out;
}

std::string error_message(std::string_view name, std::string_view code, std::string_view text,
                          const std::map<std::string, std::string>& values,
                          std::string_view payload_xml) {
  std::string out = "<m:";
  out += name;
  out += " ResponseClass=\"Error\"><m:MessageText>" + xml_escape(text) +
         "</m:MessageText><m:ResponseCode>" + xml_escape(code) +
         "</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>";
  if (!values.empty()) {
    out += "<m:MessageXml>";
    for (const auto& [key, value] : values)
      out += "<t:Value Name=\"" + xml_escape(key) + "\">" + xml_escape(value) + "</t:Value>";
    out += "</m:MessageXml>";
  }
  out += payload_xml;
  out += "</m:";
  out += name;
  out += '>';
  return out;
}

HttpAnswer operation_answer(std::string_view operation, std::string_view messages_xml) {
  std::string out = envelope_start();
  out +=
      "<s:Header><h:ServerVersionInfo MajorVersion=\"15\" MinorVersion=\"1\" "
      "MajorBuildNumber=\"2507\" MinorBuildNumber=\"6\" Version=\"V2017_07_11\" xmlns:h=\"";
  out += soap::kTypesNs;
  out += "\"/></s:Header><s:Body><m:";
  out += operation;
  out += "Response xmlns:m=\"";
  out += soap::kMessagesNs;
  out += "\" xmlns:t=\"";
  out += soap::kTypesNs;
  out += "\"><m:ResponseMessages>";
  out += messages_xml;
  out += "</m:ResponseMessages></m:";
  out += operation;
  out += "Response></s:Body></s:Envelope>";
  return xml_answer(200, std::move(out));
}

HttpAnswer fault_answer(std::string_view code, std::string_view message,
                        const std::map<std::string, std::string>& values) {
  soap::Fault fault;
  fault.code = std::string(code);
  fault.message = std::string(message);
  for (const auto& [key, value] : values) fault.values.emplace(key, value);
  std::string fault_xml = soap::fault_body(fault);
  // The SOAP layer writes soap:Fault; Exchange's envelope prefix is s:, so the outer tags of
  // the fault are renamed to match (their content has no envelope-prefixed names).
  constexpr std::string_view kOpen = "<soap:Fault>", kClose = "</soap:Fault>";
  if (fault_xml.starts_with(kOpen) && fault_xml.ends_with(kClose))
    fault_xml = "<s:Fault>" +
                fault_xml.substr(kOpen.size(), fault_xml.size() - kOpen.size() - kClose.size()) +
                "</s:Fault>";
  std::string out = envelope_start();
  out += "<s:Body>" + fault_xml + "</s:Body></s:Envelope>";
  return xml_answer(500, std::move(out));
}

HttpAnswer server_busy_answer(long back_off_ms) {
  return fault_answer("ErrorServerBusy",
                      "The server cannot service this request right now. Try again later.",
                      {{"BackOffMilliseconds", std::to_string(back_off_ms)}});
}

HttpAnswer connection_count_answer() {
  return fault_answer("ErrorExceededConnectionCount",
                      "You have exceeded the available concurrent connections for your account. "
                      "Try again once your other requests have completed.");
}

HttpAnswer internal_error_answer() {
  return fault_answer("ErrorInternalServerError",
                      "An internal server error occurred. The operation failed.");
}

}  // namespace sd::lab
