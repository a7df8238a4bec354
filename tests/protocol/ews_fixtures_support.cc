#include "tests/protocol/ews_fixtures_support.h"

namespace sd::test {

std::string exchange_envelope(std::string_view body) {
  return R"(<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">)"
         R"(<s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" )"
         R"(MinorBuildNumber="6" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" )"
         R"(xmlns="http://schemas.microsoft.com/exchange/services/2006/types" )"
         R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"/>)"
         R"(</s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" )"
         R"(xmlns:xsd="http://www.w3.org/2001/XMLSchema">)" +
         std::string(body) + "</s:Body></s:Envelope>";
}

std::string exchange_response(std::string_view operation,
                              const std::vector<std::string>& messages) {
  std::string out =
      "<m:" + std::string(operation) +
      R"(Response xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" )"
      R"(xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>)";
  for (const std::string& message : messages) out += message;
  out += "</m:ResponseMessages></m:" + std::string(operation) + "Response>";
  return exchange_envelope(out);
}

std::string folder_message(std::string_view operation, std::string_view folder_element,
                           std::string_view id, std::string_view response_class) {
  const std::string element(folder_element), op(operation);
  return "<m:" + op + "ResponseMessage ResponseClass=\"" + std::string(response_class) +
         "\"><m:ResponseCode>NoError</m:ResponseCode><m:Folders><" + element +
         "><t:FolderId Id=\"" + std::string(id) + "\" ChangeKey=\"AQAAABYAAAA" + std::string(id) +
         "\"/></" + element + "></m:Folders></m:" + op + "ResponseMessage>";
}

std::string error_message(std::string_view operation, std::string_view code, std::string_view text,
                          std::string_view extra) {
  const std::string op(operation);
  return "<m:" + op + "ResponseMessage ResponseClass=\"Error\"><m:MessageText>" +
         std::string(text) + "</m:MessageText><m:ResponseCode>" + std::string(code) +
         "</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>" + std::string(extra) +
         "</m:" + op + "ResponseMessage>";
}

std::string find_folder_message(const std::vector<std::string>& ids,
                                std::string_view display_name) {
  std::string out =
      R"(<m:FindFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
      R"(<m:RootFolder IndexedPagingOffset=")" +
      std::to_string(ids.size()) + R"(" TotalItemsInView=")" + std::to_string(ids.size()) +
      R"(" IncludesLastItemInRange="true"><t:Folders>)";
  for (const std::string& id : ids)
    out += R"(<t:Folder><t:FolderId Id=")" + id + R"(" ChangeKey="AQAAAA=="/><t:DisplayName>)" +
           std::string(display_name) + "</t:DisplayName></t:Folder>";
  out += "</t:Folders></m:RootFolder></m:FindFolderResponseMessage>";
  return out;
}

std::string resolve_names_message(
    const std::vector<std::pair<std::string, std::string>>& mailboxes) {
  std::string out =
      R"(<m:ResolveNamesResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>)"
      R"(<m:ResolutionSet TotalItemsInView=")" +
      std::to_string(mailboxes.size()) + R"(" IncludesLastItemInRange="true">)";
  for (const auto& [name, smtp] : mailboxes)
    out +=
        "<t:Resolution><t:Mailbox><t:Name>" + name + "</t:Name><t:EmailAddress>" + smtp +
        "</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType>"
        "</t:Mailbox></t:Resolution>";
  out += "</m:ResolutionSet></m:ResolveNamesResponseMessage>";
  return out;
}

std::string exchange_fault(std::string_view code, std::string_view text, long back_off_ms) {
  std::string out =
      R"(<s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:)" +
      std::string(code) + R"(</faultcode><faultstring xml:lang="en-US">)" + std::string(text) +
      R"(</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">)" +
      std::string(code) +
      R"(</e:ResponseCode><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">)" +
      std::string(text) + "</e:Message>";
  if (back_off_ms >= 0)
    out += R"(<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">)"
           R"(<t:Value Name="BackOffMilliseconds">)" +
           std::to_string(back_off_ms) + "</t:Value></t:MessageXml>";
  out += "</detail></s:Fault>";
  // Real faults come without a SOAP header.
  return R"(<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>)" +
         out + "</s:Body></s:Envelope>";
}

}  // namespace sd::test
