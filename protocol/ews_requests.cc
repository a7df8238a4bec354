// The EWS request envelopes syncdeploy sends. Child order follows messages.xsd / types.xsd exactly
// (the server validates against them); tests/protocol/ews_schema_test.cc checks every shape.
#include "protocol/ews_messages.h"
#include "protocol/soap.h"

namespace sd::ews {
namespace {

using soap::xml_escape;

// t:RequestServerVersion, then t:ExchangeImpersonation when acting as a mailbox.
std::string header_xml(const RequestHeader& header) {
  std::string out =
      "<t:RequestServerVersion Version=\"" + xml_escape(header.server_version) + "\"/>";
  if (!header.impersonate_smtp.empty()) {
    out += "<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>" +
           xml_escape(header.impersonate_smtp) +
           "</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>";
  }
  return out;
}

std::string distinguished_folder(std::string_view id) {
  return "<t:DistinguishedFolderId Id=\"" + xml_escape(id) + "\"/>";
}

}  // namespace

std::string_view request_server_version(ExchangeVersion version) {
  switch (version) {
    case ExchangeVersion::Exchange2010:
      return "Exchange2010_SP2";  // also covers SP3
    case ExchangeVersion::Exchange2013:
    case ExchangeVersion::Exchange2016:
    case ExchangeVersion::Exchange2019:
    case ExchangeVersion::ExchangeSE:
    case ExchangeVersion::ExchangeOnline:
      break;
  }
  return "Exchange2013_SP1";
}

std::string get_folder_request(const RequestHeader& header,
                               const std::vector<std::string>& folders) {
  std::string body =
      "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>";
  for (const std::string& folder : folders) body += distinguished_folder(folder);
  body += "</m:FolderIds></m:GetFolder>";
  return soap::envelope(header_xml(header), body);
}

std::string find_folder_request(const RequestHeader& header, std::string_view parent,
                                std::string_view display_name, int offset) {
  std::string body =
      "<m:FindFolder Traversal=\"Shallow\"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape>"
      "<t:AdditionalProperties><t:FieldURI FieldURI=\"folder:DisplayName\"/>"
      "</t:AdditionalProperties></m:FolderShape>"
      "<m:IndexedPageFolderView MaxEntriesReturned=\"100\" Offset=\"" +
      std::to_string(offset < 0 ? 0 : offset) +
      "\" BasePoint=\"Beginning\"/>"
      "<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI=\"folder:DisplayName\"/>"
      "<t:FieldURIOrConstant><t:Constant Value=\"" +
      xml_escape(display_name) +
      "\"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>"
      "<m:ParentFolderIds>" +
      distinguished_folder(parent) + "</m:ParentFolderIds></m:FindFolder>";
  return soap::envelope(header_xml(header), body);
}

std::string create_folder_request(const RequestHeader& header, std::string_view parent,
                                  std::string_view display_name, std::string_view folder_class) {
  // BaseFolderType puts FolderClass before DisplayName.
  std::string body = "<m:CreateFolder><m:ParentFolderId>" + distinguished_folder(parent) +
                     "</m:ParentFolderId><m:Folders><t:Folder><t:FolderClass>" +
                     xml_escape(folder_class) + "</t:FolderClass><t:DisplayName>" +
                     xml_escape(display_name) +
                     "</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>";
  return soap::envelope(header_xml(header), body);
}

std::string resolve_names_request(const RequestHeader& header, std::string_view smtp) {
  std::string body = "<m:ResolveNames ReturnFullContactData=\"false\"><m:UnresolvedEntry>" +
                     xml_escape(smtp) + "</m:UnresolvedEntry></m:ResolveNames>";
  return soap::envelope(header_xml(header), body);
}

}  // namespace sd::ews
