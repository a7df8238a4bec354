// The lab's EWS answers, read two ways: element by element with pugixml (the exact shape real
// servers send), and with the client's own parsers (protocol/ews_messages.h).
#include "lab/ews/ews_service.h"

#include <catch2/catch.hpp>
#include <pugixml.hpp>

#include "protocol/ews_messages.h"
#include "protocol/soap.h"
#include "tests/lab/lab_support.h"

namespace sd::lab {
namespace {

using test::ews_request;

constexpr const char* kTypes = "http://schemas.microsoft.com/exchange/services/2006/types";
constexpr const char* kMessages = "http://schemas.microsoft.com/exchange/services/2006/messages";
constexpr const char* kErrors = "http://schemas.microsoft.com/exchange/services/2006/errors";
constexpr const char* kSoap = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr const char* kSvc = "nexj-sync@example.local";

// An answer parsed with pugixml; paths use the prefixes the lab writes (pugixml's XPath
// compares qualified names as written, which is what the shape tests want).
struct Xml {
  explicit Xml(const HttpAnswer& answer) {
    INFO(answer.body);
    REQUIRE(doc.load_string(answer.body.c_str()));
  }
  pugi::xml_node node(const char* xpath) const { return doc.select_node(xpath).node(); }
  std::string text(const char* xpath) const { return node(xpath).child_value(); }
  std::string attr(const char* xpath, const char* name) const {
    return node(xpath).attribute(name).value();
  }
  size_t count(const char* xpath) const { return doc.select_nodes(xpath).size(); }
  pugi::xml_document doc;
};

struct Service {
  test::TestLab lab;
  EwsService service{*lab.state};
  HttpAnswer call(std::string_view body, const std::string& account = kSvc) {
    return service.handle(account, body);
  }
  std::string id(const char* smtp, const char* distinguished) {
    return lab.state->distinguished_folder(smtp, distinguished)->id;
  }
};

std::string get_folder_body(std::string_view shape, std::string_view ids,
                            std::string_view additional = {}) {
  std::string body =
      "<m:GetFolder><m:FolderShape><t:BaseShape>" + std::string(shape) + "</t:BaseShape>";
  if (!additional.empty())
    body += "<t:AdditionalProperties><t:FieldURI FieldURI=\"" + std::string(additional) +
            "\"/></t:AdditionalProperties>";
  return body + "</m:FolderShape><m:FolderIds>" + std::string(ids) + "</m:FolderIds></m:GetFolder>";
}

void check_fault(const HttpAnswer& answer, const std::string& code, const std::string& message) {
  INFO(answer.body);
  CHECK(answer.status == 500);
  CHECK(answer.headers == std::vector<std::pair<std::string, std::string>>{
                              {"Content-Type", "text/xml; charset=utf-8"}});
  Xml xml(answer);
  CHECK(xml.attr("/s:Envelope", "xmlns:s") == kSoap);
  CHECK(xml.count("/s:Envelope/s:Header") == 0);
  CHECK(xml.text("/s:Envelope/s:Body/s:Fault/faultcode") == "a:" + code);
  CHECK(xml.attr("/s:Envelope/s:Body/s:Fault/faultcode", "xmlns:a") == kTypes);
  CHECK(xml.text("/s:Envelope/s:Body/s:Fault/faultstring") == message);
  CHECK(xml.attr("/s:Envelope/s:Body/s:Fault/faultstring", "xml:lang") == "en-US");
  CHECK(xml.text("/s:Envelope/s:Body/s:Fault/detail/e:ResponseCode") == code);
  CHECK(xml.attr("/s:Envelope/s:Body/s:Fault/detail/e:ResponseCode", "xmlns:e") == kErrors);
  CHECK(xml.text("/s:Envelope/s:Body/s:Fault/detail/e:Message") == message);
  // The client reads it as a fault of that code, whatever operation it expected.
  auto parsed = ews::parse_get_folder_response(answer.status, answer.body, 1);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->fault);
  CHECK(parsed->fault->code == code);
  CHECK(parsed->fault->message == message);
}

TEST_CASE("GetFolder IdOnly: one message per folder, in order, typed by folder", "[lab]") {
  Service s;
  std::string body = ews::get_folder_request({"Exchange2013_SP1", "jsmith@example.com"},
                                             {"calendar", "tasks", "contacts", "msgfolderroot"});
  HttpAnswer answer = s.call(body);
  REQUIRE(answer.status == 200);
  Xml xml(answer);
  CHECK(xml.attr("/s:Envelope", "xmlns:s") == kSoap);
  const char* info = "/s:Envelope/s:Header/h:ServerVersionInfo";
  CHECK(xml.attr(info, "xmlns:h") == kTypes);
  CHECK(xml.attr(info, "MajorVersion") == "15");
  CHECK(xml.attr(info, "MinorVersion") == "1");
  CHECK(xml.attr(info, "MajorBuildNumber") == "2507");
  CHECK(xml.attr("/s:Envelope/s:Body/m:GetFolderResponse", "xmlns:m") == kMessages);
  CHECK(xml.attr("/s:Envelope/s:Body/m:GetFolderResponse", "xmlns:t") == kTypes);
  auto messages = xml.doc.select_nodes(
      "/s:Envelope/s:Body/m:GetFolderResponse/m:ResponseMessages/m:GetFolderResponseMessage");
  REQUIRE(messages.size() == 4);
  const char* types[] = {"t:CalendarFolder", "t:TasksFolder", "t:ContactsFolder", "t:Folder"};
  const char* ids[] = {"calendar", "tasks", "contacts", "msgfolderroot"};
  for (size_t i = 0; i < 4; ++i) {
    pugi::xml_node m = messages[i].node();
    CHECK(std::string(m.attribute("ResponseClass").value()) == "Success");
    CHECK(std::string(m.child_value("m:ResponseCode")) == "NoError");
    pugi::xml_node folder = m.child("m:Folders").first_child();
    CHECK(std::string(folder.name()) == types[i]);
    std::optional<LabFolder> expected =
        s.lab.state->distinguished_folder("jsmith@example.com", ids[i]);
    CHECK(std::string(folder.child("t:FolderId").attribute("Id").value()) == expected->id);
    CHECK(std::string(folder.child("t:FolderId").attribute("ChangeKey").value()) ==
          expected->change_key);
    CHECK_FALSE(folder.child("t:DisplayName"));  // IdOnly
  }

  auto parsed = ews::parse_get_folder_response(answer.status, answer.body, 4);
  REQUIRE(parsed.ok());
  CHECK_FALSE(parsed->fault);
  CHECK(parsed->server_version == "15.1.2507");
  REQUIRE(parsed->items.size() == 4);
  CHECK(parsed->items[0].ok);
  CHECK(parsed->items[0].id == s.id("jsmith@example.com", "calendar"));
  CHECK(parsed->items[3].id == s.id("jsmith@example.com", "msgfolderroot"));
}

TEST_CASE("GetFolder: a folder the mailbox lacks is an error message in its place", "[lab]") {
  Service s;
  HttpAnswer answer = s.call(ews::get_folder_request({"Exchange2010_SP2", "mlee@example.com"},
                                                     {"calendar", "searchfolders", "tasks"}));
  REQUIRE(answer.status == 200);
  Xml xml(answer);
  const char* m =
      "/s:Envelope/s:Body/m:GetFolderResponse/m:ResponseMessages/m:GetFolderResponseMessage[2]";
  CHECK(xml.attr(m, "ResponseClass") == "Error");
  pugi::xml_node error = xml.node(m);
  CHECK(std::string(error.child_value("m:MessageText")) ==
        "The specified folder could not be found in the store.");
  CHECK(std::string(error.child_value("m:ResponseCode")) == "ErrorFolderNotFound");
  CHECK(std::string(error.child_value("m:DescriptiveLinkKey")) == "0");
  CHECK(error.child("m:Folders"));
  CHECK_FALSE(error.child("m:Folders").first_child());

  auto parsed = ews::parse_get_folder_response(answer.status, answer.body, 3);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 3);
  CHECK(parsed->items[0].ok);
  CHECK_FALSE(parsed->items[1].ok);
  CHECK(parsed->items[1].error.code == "ErrorFolderNotFound");
  CHECK(parsed->items[2].ok);
}

TEST_CASE("GetFolder Default and AllProperties carry the properties in schema order", "[lab]") {
  Service s;
  std::string root = s.id("jsmith@example.com", "msgfolderroot");
  SECTION("Default") {
    Xml xml(s.call(ews_request(get_folder_body("Default",
                                               "<t:DistinguishedFolderId Id=\"msgfolderroot\"/>"
                                               "<t:DistinguishedFolderId Id=\"calendar\"/>"),
                               "jsmith@example.com")));
    pugi::xml_node folder = xml.node("//m:GetFolderResponseMessage[1]/m:Folders/t:Folder");
    std::vector<std::string> names;
    for (pugi::xml_node c : folder.children()) names.push_back(c.name());
    CHECK(names == std::vector<std::string>{"t:FolderId", "t:DisplayName", "t:TotalCount",
                                            "t:ChildFolderCount", "t:UnreadCount"});
    CHECK(std::string(folder.child_value("t:DisplayName")) == "Top of Information Store");
    CHECK(std::string(folder.child_value("t:ChildFolderCount")) == "12");
    CHECK(std::string(folder.child_value("t:TotalCount")) == "0");
    pugi::xml_node calendar =
        xml.node("//m:GetFolderResponseMessage[2]/m:Folders/t:CalendarFolder");
    names.clear();
    for (pugi::xml_node c : calendar.children()) names.push_back(c.name());
    // CalendarFolderType has no UnreadCount.
    CHECK(names == std::vector<std::string>{"t:FolderId", "t:DisplayName", "t:TotalCount",
                                            "t:ChildFolderCount"});
  }
  SECTION("AllProperties") {
    Xml xml(s.call(
        ews_request(get_folder_body("AllProperties", "<t:DistinguishedFolderId Id=\"tasks\"/>"),
                    "jsmith@example.com")));
    pugi::xml_node folder = xml.node("//m:GetFolderResponseMessage/m:Folders/t:TasksFolder");
    std::vector<std::string> names;
    for (pugi::xml_node c : folder.children()) names.push_back(c.name());
    CHECK(names == std::vector<std::string>{"t:FolderId", "t:ParentFolderId", "t:FolderClass",
                                            "t:DisplayName", "t:TotalCount", "t:ChildFolderCount",
                                            "t:UnreadCount"});
    CHECK(std::string(folder.child("t:ParentFolderId").attribute("Id").value()) == root);
    CHECK(std::string(folder.child_value("t:FolderClass")) == "IPF.Task");
    CHECK(std::string(folder.child_value("t:DisplayName")) == "Tasks");
  }
  SECTION("IdOnly with DisplayName") {
    HttpAnswer answer =
        s.call(ews_request(get_folder_body("IdOnly", "<t:DistinguishedFolderId Id=\"contacts\"/>",
                                           "folder:DisplayName"),
                           "jsmith@example.com"));
    Xml xml(answer);
    pugi::xml_node folder = xml.node("//m:GetFolderResponseMessage/m:Folders/t:ContactsFolder");
    std::vector<std::string> names;
    for (pugi::xml_node c : folder.children()) names.push_back(c.name());
    CHECK(names == std::vector<std::string>{"t:FolderId", "t:DisplayName"});
    auto parsed = ews::parse_get_folder_response(answer.status, answer.body, 1);
    REQUIRE(parsed.ok());
    CHECK(parsed->items[0].display_name == "Contacts");
  }
}

TEST_CASE("GetFolder by FolderId, malformed and unknown ids", "[lab]") {
  Service s;
  std::string calendar = s.id("jsmith@example.com", "calendar");
  std::string other = s.id("mlee@example.com", "calendar");
  HttpAnswer answer =
      s.call(ews_request(get_folder_body("IdOnly", "<t:FolderId Id=\"" + calendar +
                                                       "\"/><t:FolderId Id=\"%%%\"/>"
                                                       "<t:FolderId Id=\"" +
                                                       other + "\"/>"),
                         "jsmith@example.com"));
  auto parsed = ews::parse_get_folder_response(answer.status, answer.body, 3);
  REQUIRE(parsed.ok());
  CHECK(parsed->items[0].ok);
  CHECK(parsed->items[0].id == calendar);
  CHECK(parsed->items[1].error.code == "ErrorInvalidIdMalformed");
  CHECK(parsed->items[1].error.message == "Id is malformed.");
  CHECK(parsed->items[2].error.code == "ErrorFolderNotFound");
}

TEST_CASE("without impersonation the caller's own mailbox is used", "[lab]") {
  Service s;
  std::string body = ews::get_folder_request({"Exchange2013_SP1", ""}, {"calendar"});
  auto own = ews::parse_get_folder_response(200, s.call(body, "limited@example.local").body, 1);
  REQUIRE(own.ok());
  CHECK(own->items[0].id == s.id("limited@example.local", "calendar"));

  HttpAnswer none = s.call(body);  // the service account has no mailbox
  Xml xml(none);
  pugi::xml_node m = xml.node("//m:GetFolderResponseMessage");
  CHECK(std::string(m.attribute("ResponseClass").value()) == "Error");
  CHECK(std::string(m.child_value("m:ResponseCode")) == "ErrorNonExistentMailbox");
  CHECK(std::string(m.child_value("m:MessageText")) ==
        "The SMTP address has no mailbox associated with it.");
  CHECK(std::string(m.child("m:MessageXml").child("t:Value").attribute("Name").value()) ==
        "SmtpAddress");
  CHECK(std::string(m.child("m:MessageXml").child_value("t:Value")) == kSvc);
}

TEST_CASE("delegate access to another mailbox is denied", "[lab]") {
  Service s;
  HttpAnswer answer = s.call(ews_request(
      get_folder_body("IdOnly",
                      "<t:DistinguishedFolderId Id=\"calendar\"><t:Mailbox><t:EmailAddress>"
                      "mlee@example.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"),
      "jsmith@example.com"));
  auto parsed = ews::parse_get_folder_response(answer.status, answer.body, 1);
  REQUIRE(parsed.ok());
  CHECK(parsed->items[0].error.code == "ErrorAccessDenied");
}

std::string find_body(std::string_view parent, std::string_view view, std::string_view extra = {},
                      std::string_view traversal = "Shallow") {
  return "<m:FindFolder Traversal=\"" + std::string(traversal) +
         "\"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>" +
         std::string(view) + std::string(extra) + "<m:ParentFolderIds>" + std::string(parent) +
         "</m:ParentFolderIds></m:FindFolder>";
}

std::vector<std::string> names_found(const HttpAnswer& answer) {
  auto parsed = ews::parse_find_folder_response(answer.status, answer.body);
  REQUIRE(parsed.ok());
  std::vector<std::string> names;
  for (const ews::FolderResult& f : parsed->items) names.push_back(f.display_name);
  return names;
}

TEST_CASE("FindFolder: a DisplayName restriction, shallow, under a distinguished folder", "[lab]") {
  Service s;
  HttpAnswer answer = s.call(ews::find_folder_request({"Exchange2013_SP1", "jsmith@example.com"},
                                                      "msgfolderroot", "crm sync"));
  REQUIRE(answer.status == 200);
  Xml xml(answer);
  const char* root = "//m:FindFolderResponseMessage/m:RootFolder";
  CHECK(xml.attr("//m:FindFolderResponseMessage", "ResponseClass") == "Success");
  CHECK(xml.attr(root, "TotalItemsInView") == "1");
  CHECK(xml.attr(root, "IncludesLastItemInRange") == "true");
  CHECK(xml.attr(root, "IndexedPagingOffset") == "1");
  CHECK(xml.text("//m:RootFolder/t:Folders/t:Folder/t:DisplayName") == "CRM Sync");

  auto parsed = ews::parse_find_folder_response(answer.status, answer.body);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 1);
  CHECK(parsed->items[0].display_name == "CRM Sync");
  CHECK(
      parsed->items[0].id ==
      s.lab.state->child_folders("jsmith@example.com", s.id("jsmith@example.com", "msgfolderroot"))
          .back()
          .id);

  // mlee has no such folder.
  CHECK(names_found(s.call(ews::find_folder_request({"Exchange2013_SP1", "mlee@example.com"},
                                                    "msgfolderroot", "CRM Sync")))
            .empty());
}

TEST_CASE("FindFolder pages with IndexedPageFolderView", "[lab]") {
  Service s;
  std::string inbox = s.id("mlee@example.com", "inbox");
  for (const char* name : {"F1", "F2", "F3", "F4", "F5"})
    REQUIRE(s.lab.state->create_folder("mlee@example.com", inbox, name, "IPF.Note").ok());
  std::string parent = "<t:DistinguishedFolderId Id=\"inbox\"/>";
  auto page = [&](const char* view) {
    return s.call(ews_request(find_body(parent, view), "mlee@example.com"));
  };

  HttpAnswer first = page(
      "<m:IndexedPageFolderView MaxEntriesReturned=\"2\" Offset=\"0\" BasePoint=\"Beginning\"/>");
  CHECK(names_found(first) == std::vector<std::string>{"F1", "F2"});
  Xml xml(first);
  CHECK(xml.attr("//m:RootFolder", "IndexedPagingOffset") == "2");
  CHECK(xml.attr("//m:RootFolder", "TotalItemsInView") == "5");
  CHECK(xml.attr("//m:RootFolder", "IncludesLastItemInRange") == "false");

  HttpAnswer last = page(
      "<m:IndexedPageFolderView MaxEntriesReturned=\"2\" Offset=\"4\" BasePoint=\"Beginning\"/>");
  CHECK(names_found(last) == std::vector<std::string>{"F5"});
  CHECK(Xml(last).attr("//m:RootFolder", "IncludesLastItemInRange") == "true");

  CHECK(names_found(page("<m:IndexedPageFolderView MaxEntriesReturned=\"2\" Offset=\"9\" "
                         "BasePoint=\"Beginning\"/>"))
            .empty());
  CHECK(names_found(page("<m:IndexedPageFolderView MaxEntriesReturned=\"2\" Offset=\"0\" "
                         "BasePoint=\"End\"/>")) == std::vector<std::string>{"F4", "F5"});
  CHECK(names_found(page("")) == std::vector<std::string>{"F1", "F2", "F3", "F4", "F5"});
}

TEST_CASE("FindFolder Deep with a FolderClass restriction", "[lab]") {
  Service s;
  std::string inbox = s.id("mlee@example.com", "inbox");
  REQUIRE(s.lab.state->create_folder("mlee@example.com", inbox, "Deep Calendar", "IPF.Appointment")
              .ok());
  std::string restriction =
      "<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI=\"folder:FolderClass\"/>"
      "<t:FieldURIOrConstant><t:Constant Value=\"IPF.Appointment\"/></t:FieldURIOrConstant>"
      "</t:IsEqualTo></m:Restriction>";
  std::string root = "<t:DistinguishedFolderId Id=\"msgfolderroot\"/>";
  CHECK(names_found(
            s.call(ews_request(find_body(root, "", restriction, "Deep"), "mlee@example.com"))) ==
        std::vector<std::string>{"Calendar", "Deep Calendar"});
  CHECK(names_found(s.call(ews_request(find_body(root, "", restriction), "mlee@example.com"))) ==
        std::vector<std::string>{"Calendar"});
}

TEST_CASE("CreateFolder creates once, the second time is ErrorFolderExists", "[lab]") {
  Service s;
  ews::RequestHeader header{"Exchange2013_SP1", "mlee@example.com"};
  HttpAnswer created = s.call(ews::create_folder_request(header, "msgfolderroot", "CRM Sync"));
  REQUIRE(created.status == 200);
  Xml xml(created);
  const char* m = "//m:CreateFolderResponse/m:ResponseMessages/m:CreateFolderResponseMessage";
  CHECK(xml.attr(m, "ResponseClass") == "Success");
  std::string id = xml.attr("//m:CreateFolderResponseMessage/m:Folders/t:Folder/t:FolderId", "Id");
  CHECK(id.starts_with("AAMkA"));
  auto parsed = ews::parse_create_folder_response(created.status, created.body);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 1);
  CHECK(parsed->items[0].ok);
  CHECK(parsed->items[0].id == id);
  CHECK(s.lab.state->folder("mlee@example.com", id)->display_name == "CRM Sync");

  HttpAnswer again = s.call(ews::create_folder_request(header, "msgfolderroot", "crm sync"));
  Xml error(again);
  CHECK(error.attr(m, "ResponseClass") == "Error");
  CHECK(error.text("//m:CreateFolderResponseMessage/m:ResponseCode") == "ErrorFolderExists");
  CHECK(error.text("//m:CreateFolderResponseMessage/m:MessageText") ==
        "A folder with the specified name already exists.");
  auto refused = ews::parse_create_folder_response(again.status, again.body);
  REQUIRE(refused.ok());
  CHECK_FALSE(refused->items[0].ok);
  CHECK(refused->items[0].error.code == "ErrorFolderExists");

  // FindFolder now finds it.
  CHECK(names_found(s.call(ews::find_folder_request(header, "msgfolderroot", "CRM Sync"))) ==
        std::vector<std::string>{"CRM Sync"});
}

TEST_CASE("CreateFolder of a typed folder gives it the type's class", "[lab]") {
  Service s;
  HttpAnswer answer = s.call(ews_request(
      "<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id=\"calendar\"/>"
      "</m:ParentFolderId><m:Folders><t:CalendarFolder><t:DisplayName>Team</t:DisplayName>"
      "</t:CalendarFolder></m:Folders></m:CreateFolder>",
      "mlee@example.com"));
  Xml xml(answer);
  std::string id =
      xml.attr("//m:CreateFolderResponseMessage/m:Folders/t:CalendarFolder/t:FolderId", "Id");
  std::optional<LabFolder> created = s.lab.state->folder("mlee@example.com", id);
  REQUIRE(created);
  CHECK(created->folder_class == "IPF.Appointment");
  CHECK(created->parent_id == s.id("mlee@example.com", "calendar"));
}

TEST_CASE("ResolveNames: a mailbox, a contact, and nothing", "[lab]") {
  Service s;
  ews::RequestHeader header{"Exchange2013_SP1", ""};
  HttpAnswer mailbox = s.call(ews::resolve_names_request(header, "jsmith@example.com"));
  Xml xml(mailbox);
  const char* set = "//m:ResolveNamesResponseMessage/m:ResolutionSet";
  CHECK(xml.attr("//m:ResolveNamesResponseMessage", "ResponseClass") == "Success");
  CHECK(xml.attr(set, "TotalItemsInView") == "1");
  CHECK(xml.text("//t:Resolution/t:Mailbox/t:Name") == "John Smith");
  CHECK(xml.text("//t:Resolution/t:Mailbox/t:EmailAddress") == "jsmith@example.com");
  CHECK(xml.text("//t:Resolution/t:Mailbox/t:RoutingType") == "SMTP");
  CHECK(xml.text("//t:Resolution/t:Mailbox/t:MailboxType") == "Mailbox");
  auto parsed = ews::parse_resolve_names_response(mailbox.status, mailbox.body);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 1);
  CHECK(parsed->items[0].ok);
  CHECK(parsed->items[0].name == "John Smith");
  CHECK(parsed->items[0].mailbox_type == "Mailbox");

  auto contact = ews::parse_resolve_names_response(
      200, s.call(ews::resolve_names_request(header, "SMTP:ext@partner.com")).body);
  REQUIRE(contact.ok());
  CHECK(contact->items[0].mailbox_type == "Contact");
  CHECK(contact->items[0].smtp == "ext@partner.com");

  HttpAnswer unknown = s.call(ews::resolve_names_request(header, "ghost@example.com"));
  Xml none(unknown);
  CHECK(none.attr("//m:ResolveNamesResponseMessage", "ResponseClass") == "Error");
  CHECK(none.text("//m:ResolveNamesResponseMessage/m:ResponseCode") ==
        "ErrorNameResolutionNoResults");
  CHECK(none.text("//m:ResolveNamesResponseMessage/m:MessageText") == "No results were found.");
  auto nothing = ews::parse_resolve_names_response(unknown.status, unknown.body);
  REQUIRE(nothing.ok());
  CHECK_FALSE(nothing->items[0].ok);
  CHECK(nothing->items[0].error.code == "ErrorNameResolutionNoResults");
}

TEST_CASE("impersonation faults: no mailbox, not allowed, no address", "[lab]") {
  Service s;
  SECTION("the impersonated address has no mailbox") {
    HttpAnswer answer =
        s.call(ews::get_folder_request({"Exchange2013_SP1", "ghost@example.com"}, {"calendar"}));
    check_fault(answer, "ErrorNonExistentMailbox",
                "The SMTP address has no mailbox associated with it.");
    Xml xml(answer);
    const char* value = "/s:Envelope/s:Body/s:Fault/detail/t:MessageXml/t:Value";
    CHECK(xml.attr("/s:Envelope/s:Body/s:Fault/detail/t:MessageXml", "xmlns:t") == kTypes);
    CHECK(xml.attr(value, "Name") == "SmtpAddress");
    CHECK(xml.text(value) == "ghost@example.com");
  }
  SECTION("the account may not impersonate that mailbox") {
    std::string body =
        ews::get_folder_request({"Exchange2013_SP1", "mlee@example.com"}, {"calendar"});
    check_fault(s.call(body, "limited@example.local"), "ErrorImpersonateUserDenied",
                "The account does not have permission to impersonate the requested user.");
    check_fault(s.call(body, "nobody@example.local"), "ErrorImpersonateUserDenied",
                "The account does not have permission to impersonate the requested user.");
  }
  SECTION("ConnectingSID without an address") {
    std::string body = soap::envelope(
        "<t:RequestServerVersion Version=\"Exchange2013_SP1\"/><t:ExchangeImpersonation>"
        "<t:ConnectingSID><t:PrimarySmtpAddress> </t:PrimarySmtpAddress></t:ConnectingSID>"
        "</t:ExchangeImpersonation>",
        get_folder_body("IdOnly", "<t:DistinguishedFolderId Id=\"calendar\"/>"));
    check_fault(s.call(body), "ErrorInvalidExchangeImpersonationHeaderData",
                "The impersonation header data is invalid: ConnectingSID names no mailbox (give "
                "t:PrimarySmtpAddress, t:SmtpAddress or t:PrincipalName).");
    std::string missing = soap::envelope(
        "<t:RequestServerVersion Version=\"Exchange2013_SP1\"/><t:ExchangeImpersonation/>",
        get_folder_body("IdOnly", "<t:DistinguishedFolderId Id=\"calendar\"/>"));
    check_fault(s.call(missing), "ErrorInvalidExchangeImpersonationHeaderData",
                "The impersonation header data is invalid: ConnectingSID names no mailbox (give "
                "t:PrimarySmtpAddress, t:SmtpAddress or t:PrincipalName).");
  }
}

TEST_CASE("RequestServerVersion missing or unknown is ErrorInvalidServerVersion", "[lab]") {
  Service s;
  std::string body = get_folder_body("IdOnly", "<t:DistinguishedFolderId Id=\"calendar\"/>");
  check_fault(s.call(ews_request(body, "jsmith@example.com", "")), "ErrorInvalidServerVersion",
              "The specified server version is invalid. The request has no "
              "t:RequestServerVersion header; send one, e.g. Version=\"Exchange2013_SP1\".");
  check_fault(s.call(ews_request(body, "jsmith@example.com", "Exchange2099")),
              "ErrorInvalidServerVersion",
              "The specified server version is invalid. 'Exchange2099' is not an Exchange "
              "version (e.g. Exchange2013_SP1).");
}

TEST_CASE("bodies that are not EWS requests get a fault saying why", "[lab]") {
  Service s;
  check_fault(s.call(""), "ErrorInvalidRequest",
              "The request is invalid: the body is empty; EWS requests are SOAP envelopes POSTed "
              "as text/xml.");
  check_fault(s.call("this is not xml"), "ErrorSchemaValidation",
              "The request failed schema validation: the request is not XML: No document element "
              "found at byte 15.");
  check_fault(s.call("<html><body>hi</body></html>"), "ErrorSchemaValidation",
              "The request failed schema validation: the request is not a SOAP envelope (root "
              "element html without a namespace).");
  check_fault(s.call(ews_request("<m:GetItem/>")), "ErrorInvalidRequest",
              "The request is invalid: the lab does not implement m:GetItem (it implements "
              "GetFolder, FindFolder, CreateFolder and ResolveNames).");
  check_fault(s.call(ews_request("<t:GetFolder/>")), "ErrorSchemaValidation",
              "The request failed schema validation: the SOAP Body holds t:GetFolder, which is "
              "not an EWS operation in the messages namespace "
              "(http://schemas.microsoft.com/exchange/services/2006/messages).");
}

TEST_CASE("requests the schema refuses are ErrorSchemaValidation faults", "[lab]") {
  Service s;
  check_fault(
      s.call(ews_request("<m:GetFolder><m:FolderIds><t:DistinguishedFolderId Id=\"calendar\"/>"
                         "</m:FolderIds></m:GetFolder>",
                         "jsmith@example.com")),
      "ErrorSchemaValidation",
      "The request failed schema validation: m:GetFolder has no m:FolderShape.");
  check_fault(
      s.call(ews_request(get_folder_body("IdOnly", "<t:DistinguishedFolderId Id=\"kalender\"/>"),
                         "jsmith@example.com")),
      "ErrorSchemaValidation",
      "The request failed schema validation: The 'Id' attribute is invalid - The value "
      "'kalender' is invalid according to its datatype "
      "'http://schemas.microsoft.com/exchange/services/2006/types:"
      "DistinguishedFolderIdNameType' - The Enumeration constraint failed.");
  check_fault(s.call(ews_request(
                  get_folder_body("Everything", "<t:DistinguishedFolderId Id=\"calendar\"/>"))),
              "ErrorSchemaValidation",
              "The request failed schema validation: the BaseShape 'Everything' is not IdOnly, "
              "Default or AllProperties.");
  check_fault(s.call(ews_request("<m:ResolveNames><m:UnresolvedEntry>x</m:UnresolvedEntry>"
                                 "</m:ResolveNames>")),
              "ErrorSchemaValidation",
              "The request failed schema validation: the required attribute "
              "'ReturnFullContactData' of m:ResolveNames is missing.");
  check_fault(s.call(ews_request(find_body("<t:DistinguishedFolderId Id=\"inbox\"/>", "",
                                           "<m:Restriction><t:Contains/></m:Restriction>"),
                                 "jsmith@example.com")),
              "ErrorInvalidRequest",
              "The request is invalid: the lab supports one restriction: t:IsEqualTo on "
              "folder:DisplayName or folder:FolderClass with a t:Constant.");
}

TEST_CASE("the throttling faults carry what the client needs", "[lab]") {
  HttpAnswer busy = server_busy_answer(1234);
  check_fault(busy, "ErrorServerBusy",
              "The server cannot service this request right now. Try again later.");
  Xml xml(busy);
  CHECK(xml.attr("//detail/t:MessageXml/t:Value", "Name") == "BackOffMilliseconds");
  CHECK(xml.text("//detail/t:MessageXml/t:Value") == "1234");
  auto parsed = ews::parse_get_folder_response(busy.status, busy.body, 1);
  REQUIRE(parsed.ok());
  CHECK(parsed->fault->back_off_ms == 1234);
  check_fault(connection_count_answer(), "ErrorExceededConnectionCount",
              "You have exceeded the available concurrent connections for your account. Try "
              "again once your other requests have completed.");
  check_fault(internal_error_answer(), "ErrorInternalServerError",
              "An internal server error occurred. The operation failed.");
}

TEST_CASE("hostile text in a request comes back escaped", "[lab]") {
  Service s;
  // A control character XML cannot carry, and markup, in an address the fault quotes.
  HttpAnswer answer = s.call(soap::envelope(
      "<t:RequestServerVersion Version=\"Exchange2013_SP1\"/><t:ExchangeImpersonation>"
      "<t:ConnectingSID><t:PrimarySmtpAddress>&lt;x&gt;&amp;\"\x01@example.com"
      "</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>",
      get_folder_body("IdOnly", "<t:DistinguishedFolderId Id=\"calendar\"/>")));
  Xml xml(answer);
  CHECK(xml.text("//t:MessageXml/t:Value") == "<x>&\"\xEF\xBF\xBD@example.com");
  CHECK(answer.body.find('\x01') == std::string::npos);
}

}  // namespace
}  // namespace sd::lab
